import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateApiKey, parseApiKeyRecords, type ApiKeyRecord } from '../auth/api-key-store.js';
import { runWhenInvoked, UsageError, type Command } from './command-line.js';

const CREATE_API_KEY_USAGE = `Usage: npm run apikey:create -- --client <client-id> --scopes <scope>[,<scope>...] [--file <keys.json>]
  --client <id>      the client the key is issued to
  --scopes <list>    OAuth scopes it grants, comma-separated (e.g. ota:order)
  --file <path>      append its record to this JSON file (AUTH_API_KEYS_FILE); without it the record is printed for AUTH_API_KEYS`;

/**
 * `npm run apikey:create`: makes a service API key, prints it once, and stores only its
 * record (salted hash, client, scopes), appended to `--file` or printed for
 * AUTH_API_KEYS. The key is printed only after the record is safely written, so a
 * failed write never leaves someone holding a key the gateway does not know.
 */
export async function createApiKeyCommand(argv: readonly string[], write: (text: string) => void): Promise<void> {
  let values: { client?: string; scopes?: string[]; file?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        client: { type: 'string' },
        scopes: { type: 'string', multiple: true },
        file: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.client === undefined) throw new UsageError('--client is required');
  const scopes = (values.scopes ?? []).flatMap((value) => value.split(/[\s,]+/)).filter((scope) => scope !== '');
  if (scopes.length === 0) throw new UsageError('--scopes needs at least one scope, e.g. --scopes ota:order');

  let generated: { key: string; record: ApiKeyRecord };
  try {
    generated = generateApiKey(values.client, scopes);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }

  if (values.file !== undefined) {
    generated = await appendRecord(values.file, generated, values.client, scopes);
    write(keyAnnouncement(generated));
    write(`Its record (key id ${generated.record.keyId}) was added to ${values.file}.\n`);
  } else {
    write(keyAnnouncement(generated));
    write('Add this record to the JSON array in AUTH_API_KEYS:\n\n');
    write(`${JSON.stringify(generated.record)}\n`);
  }
}

function keyAnnouncement({ key, record }: { key: string; record: ApiKeyRecord }): string {
  return [
    `API key for client "${record.clientId}" (scopes: ${record.scopes.join(', ')}):`,
    '',
    `  ${key}`,
    '',
    'Copy it now: it will not be shown again, and the gateway keeps only a hash of it.',
    '',
  ].join('\n');
}

/**
 * Appends to the file as it is (entries keep any extra fields people added), after
 * checking every existing entry, and replaces the file in one rename so a crash never
 * leaves half a file. A missing or empty file counts as `[]`.
 */
async function appendRecord(
  file: string,
  generated: { key: string; record: ApiKeyRecord },
  clientId: string,
  scopes: readonly string[],
): Promise<{ key: string; record: ApiKeyRecord }> {
  let text = '[]';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text.trim() === '') text = '[]';
  let existingIds: Set<string>;
  try {
    existingIds = new Set(parseApiKeyRecords(text).map((record) => record.keyId));
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }

  let result = generated;
  // 48-bit ids make a clash practically impossible, but a clash would lock one key out.
  while (existingIds.has(result.record.keyId)) result = generateApiKey(clientId, scopes);

  const entries = JSON.parse(text) as unknown[];
  entries.push(result.record);
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
  return result;
}

const createApiKey: Command = { usage: CREATE_API_KEY_USAGE, run: createApiKeyCommand };

runWhenInvoked(import.meta.url, createApiKey);
