import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKeyVerifier, generateApiKey, parseApiKeyRecords, type ApiKeyRecord } from '../../src/auth/api-key-store.js';
import { UsageError } from '../../src/cli/command-line.js';
import { createApiKeyCommand } from '../../src/cli/create-api-key.js';
import { AuthenticationError, type AuthenticationFailure } from '../../src/auth/principal.js';

const KEY_SHAPE = /^csk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

function partsOf(key: string): { keyId: string; secret: string } {
  const match = KEY_SHAPE.exec(key);
  if (!match?.[1] || !match[2]) throw new Error('key does not have the documented shape');
  return { keyId: match[1], secret: match[2] };
}

function reasonFor(verify: () => unknown): AuthenticationFailure {
  try {
    verify();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return (error as AuthenticationError).reason;
  }
  throw new Error('expected an AuthenticationError');
}

function errorMessageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error');
}

/** Changes one character of the secret, keeping its length. */
function tamper(secret: string): string {
  return `${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
}

describe('service API keys', () => {
  it('generates a csk_<keyId>_<secret> key that verifies to its client and scopes', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order', 'ota:read']);
    expect(key).toMatch(KEY_SHAPE);
    expect(partsOf(key).keyId).toBe(record.keyId);
    const principal = createApiKeyVerifier([record]).verify(key);
    expect(principal).toEqual({ subject: 'billing-service', scopes: new Set(['ota:order', 'ota:read']), method: 'apikey' });
  });

  it('finds the right key among several', () => {
    const first = generateApiKey('first', ['ota:order']);
    const second = generateApiKey('second', ['ota:read']);
    const verifier = createApiKeyVerifier([first.record, second.record]);
    expect(verifier.verify(second.key).subject).toBe('second');
    expect(verifier.verify(first.key).subject).toBe('first');
  });

  it('refuses a wrong secret of the same length', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order']);
    const { keyId, secret } = partsOf(key);
    expect(reasonFor(() => createApiKeyVerifier([record]).verify(`csk_${keyId}_${tamper(secret)}`))).toBe('invalid');
  });

  it('keeps refusing a wrong secret once the right one has been accepted, and keeps accepting the right one', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order']);
    const { keyId, secret } = partsOf(key);
    const verifier = createApiKeyVerifier([record]);
    expect(verifier.verify(key).subject).toBe('billing-service');
    expect(reasonFor(() => verifier.verify(`csk_${keyId}_${tamper(secret)}`))).toBe('invalid');
    expect(reasonFor(() => verifier.verify(`csk_${keyId}_${secret.slice(0, 10)}`))).toBe('invalid');
    expect(verifier.verify(key).subject).toBe('billing-service');
    // The same secret under an id that is not in the records stays unknown.
    expect(reasonFor(() => verifier.verify(`csk_${keyId === '000000000000' ? '000000000001' : '000000000000'}_${secret}`))).toBe('invalid');
  });

  it('refuses a wrong secret of another length without a length error', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order']);
    const { keyId, secret } = partsOf(key);
    const verifier = createApiKeyVerifier([record]);
    expect(reasonFor(() => verifier.verify(`csk_${keyId}_${secret.slice(0, 10)}`))).toBe('invalid');
    expect(reasonFor(() => verifier.verify(`csk_${keyId}_${secret}${secret}`))).toBe('invalid');
    expect(reasonFor(() => verifier.verify(`csk_${keyId}_x`))).toBe('invalid');
  });

  it('refuses a valid-looking key whose keyId is unknown', () => {
    const known = generateApiKey('billing-service', ['ota:order']);
    const unknown = generateApiKey('billing-service', ['ota:order']);
    expect(reasonFor(() => createApiKeyVerifier([known.record]).verify(unknown.key))).toBe('invalid');
    expect(reasonFor(() => createApiKeyVerifier([]).verify(known.key))).toBe('invalid');
  });

  it('calls keys of the wrong shape malformed', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order']);
    const verifier = createApiKeyVerifier([record]);
    for (const presented of ['', 'csk_', key.replace('csk_', 'sk_'), key.toUpperCase(), `${key} `, `${key}!`, 'csk_0123456789ab']) {
      expect(reasonFor(() => verifier.verify(presented))).toBe('malformed');
    }
    expect(reasonFor(() => verifier.verify(`${key.slice(0, 20)}${'a'.repeat(300)}`))).toBe('malformed');
  });

  it('keeps a secret that contains underscores intact', () => {
    // base64url secrets may contain "_"; only the first two underscores are separators.
    let generated = generateApiKey('billing-service', ['ota:order']);
    while (!partsOf(generated.key).secret.includes('_')) generated = generateApiKey('billing-service', ['ota:order']);
    expect(createApiKeyVerifier([generated.record]).verify(generated.key).subject).toBe('billing-service');
  });

  it('never puts the secret in the record', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order']);
    const stored = JSON.stringify(record);
    expect(stored).not.toContain(partsOf(key).secret);
    expect(stored).not.toContain(partsOf(key).secret.slice(0, 16));
    expect(Object.keys(record).sort()).toEqual(['clientId', 'hash', 'keyId', 'salt', 'scopes']);
  });

  it('salts each record, so two keys never share a hash', () => {
    const first = generateApiKey('a', ['ota:order']).record;
    const second = generateApiKey('a', ['ota:order']).record;
    expect(first.salt).not.toBe(second.salt);
    expect(first.hash).not.toBe(second.hash);
  });

  it('verifies quickly enough to run on every request', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order']);
    const verifier = createApiKeyVerifier([record]);
    const started = performance.now();
    for (let i = 0; i < 1000; i += 1) verifier.verify(key);
    expect((performance.now() - started) / 1000).toBeLessThan(1);
  });

  it('refuses to create a key without scopes or with a client id containing spaces', () => {
    expect(() => generateApiKey('billing-service', [])).toThrow(/scopes/);
    expect(() => generateApiKey('billing service', ['ota:order'])).toThrow(/clientId/);
  });
});

describe('API key records', () => {
  it('round-trips through JSON and still verifies', () => {
    const { key, record } = generateApiKey('billing-service', ['ota:order']);
    const records = parseApiKeyRecords(JSON.stringify([record]));
    expect(records).toEqual([record]);
    expect(createApiKeyVerifier(records).verify(key).subject).toBe('billing-service');
  });

  it('names the index of every bad entry without quoting salts or hashes', () => {
    const good = generateApiKey('good', ['ota:order']).record;
    const badHash = { ...generateApiKey('bad', ['ota:order']).record, hash: 'c2hvcnQtaGFzaC12YWx1ZQ' };
    const badSalt = { ...generateApiKey('bad', ['ota:order']).record, salt: 'tiny!salt' };
    const message = errorMessageOf(() => parseApiKeyRecords(JSON.stringify([good, badHash, 'text', badSalt])));
    expect(message).toMatch(/entry 1: hash must be base64url of 32 bytes/);
    expect(message).toMatch(/entry 2: must be an object/);
    expect(message).toMatch(/entry 3: salt must be base64url/);
    expect(message).not.toMatch(/entry 0/);
    for (const value of [badHash.hash, badSalt.salt, good.hash, good.salt]) expect(message).not.toContain(value);
  });

  it('names missing fields', () => {
    const message = errorMessageOf(() => parseApiKeyRecords('[{"keyId":"ABC"}]'));
    expect(message).toMatch(/entry 0: keyId must be 12 lowercase hex characters/);
    expect(message).toMatch(/clientId/);
    expect(message).toMatch(/scopes/);
  });

  it('refuses two records with the same keyId', () => {
    const record = generateApiKey('a', ['ota:order']).record;
    const message = errorMessageOf(() => parseApiKeyRecords(JSON.stringify([record, { ...record, clientId: 'b' }])));
    expect(message).toContain(`entry 1: keyId "${record.keyId}" repeats entry 0`);
  });

  it('refuses text that is not a JSON array without quoting it', () => {
    const message = errorMessageOf(() => parseApiKeyRecords('[{"hash": "abc-secretish'));
    expect(message).toBe('API key records are not valid JSON');
    expect(() => parseApiKeyRecords('{}')).toThrow('API key records must be a JSON array');
  });

  it('makes the verifier refuse records that would not parse', () => {
    const record: ApiKeyRecord = { ...generateApiKey('a', ['ota:order']).record, hash: 'short' };
    expect(() => createApiKeyVerifier([record])).toThrow(/record 0: hash/);
  });
});

describe('apikey:create', () => {
  const directories: string[] = [];

  afterEach(async () => {
    for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
  });

  async function temporaryFile(): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'api-keys-'));
    directories.push(directory);
    return join(directory, 'keys.json');
  }

  async function run(argv: string[]): Promise<string> {
    let output = '';
    await createApiKeyCommand(argv, (text) => {
      output += text;
    });
    return output;
  }

  function printedKey(output: string): string {
    const keys = output.match(/csk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(keys).toHaveLength(1);
    return keys[0] ?? '';
  }

  it('creates the keys file, prints the key once, and stores only its record', async () => {
    const file = await temporaryFile();
    const output = await run(['--client', 'billing-service', '--scopes', 'ota:order', '--file', file]);
    const key = printedKey(output);
    expect(output).toContain('will not be shown again');

    const stored = await readFile(file, 'utf8');
    expect(stored).not.toContain(partsOf(key).secret);
    const records = parseApiKeyRecords(stored);
    expect(records).toHaveLength(1);
    expect(createApiKeyVerifier(records).verify(key)).toEqual({
      subject: 'billing-service',
      scopes: new Set(['ota:order']),
      method: 'apikey',
    });
  });

  it('appends to an existing file and keeps fields people added', async () => {
    const file = await temporaryFile();
    const existing = { ...generateApiKey('first', ['ota:read']).record, note: 'rotated in March' };
    await writeFile(file, JSON.stringify([existing]));
    const key = printedKey(await run(['--client', 'second', '--scopes', 'ota:order,ota:read', '--file', file]));

    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>[];
    expect(stored).toHaveLength(2);
    expect(stored[0]).toEqual(existing);
    expect(createApiKeyVerifier(parseApiKeyRecords(JSON.stringify(stored))).verify(key).scopes).toEqual(new Set(['ota:order', 'ota:read']));
  });

  it('prints the record for AUTH_API_KEYS when no file is given', async () => {
    const output = await run(['--client', 'billing-service', '--scopes', 'ota:order']);
    const key = printedKey(output);
    expect(output).toContain('AUTH_API_KEYS');
    const recordLine = output.split('\n').find((line) => line.startsWith('{')) ?? '';
    const records = parseApiKeyRecords(`[${recordLine}]`);
    expect(createApiKeyVerifier(records).verify(key).subject).toBe('billing-service');
    expect(recordLine).not.toContain(partsOf(key).secret);
  });

  it('leaves a broken keys file alone, names the bad entry, and prints no key', async () => {
    const file = await temporaryFile();
    await writeFile(file, '[{"keyId":"nope"}]');
    let output = '';
    await expect(
      createApiKeyCommand(['--client', 'a', '--scopes', 'ota:order', '--file', file], (text) => {
        output += text;
      }),
    ).rejects.toThrow(/keys\.json: Invalid API key records:\n {2}- entry 0/);
    expect(output).toBe('');
    expect(await readFile(file, 'utf8')).toBe('[{"keyId":"nope"}]');
  });

  it('explains missing or unknown arguments', async () => {
    await expect(run(['--scopes', 'ota:order'])).rejects.toThrow(UsageError);
    await expect(run(['--client', 'a'])).rejects.toThrow(/--scopes/);
    await expect(run(['--client', 'a', '--scopes', 'ota:order', '--secret', 'x'])).rejects.toThrow(UsageError);
  });
});
