import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { loadEnvFileIfPresent } from '../env-file.js';
import { JournalSettleError, STALE_PENDING_DETAIL, type OrderAttempt } from '../journal/order-journal.js';
import { openJournalStore } from '../journal/open-order-journal.js';
import { runWhenInvoked, UsageError, type Command } from './command-line.js';

/**
 * `npm run journal -- <command>`: the operator's view of the order journal (SQLite or
 * PostgreSQL, as the gateway's configuration says), for settling
 * attempts whose outcome is UNKNOWN with CSSS by hand (see docs/journal.md).
 */
export const JOURNAL_USAGE = `Usage: npm run journal -- <command>
  unknown                              list attempts whose outcome is UNKNOWN
  show <id>                            print one attempt as JSON
  settle <id> placed --order-id <id> --sim-id <id> --order-time <time>
                                       CSSS has the order: retries replay it
  settle <id> not-placed               CSSS has no such order: a retry may send it again
The journal is the one the gateway uses: PostgreSQL when DATABASE_URL is set, otherwise
the file in DATA_DIR (default ./data). A journal that does not exist is refused, not created.`;

function summary(attempt: OrderAttempt): string {
  const request = attempt.request as { deviceId?: string; packageCode?: string };
  return [
    `#${attempt.id}`,
    attempt.createdAt,
    `client=${attempt.clientId}`,
    `key=${attempt.idempotencyKey}`,
    `iccid=${request.deviceId ?? '?'}`,
    `package=${request.packageCode ?? '?'}`,
    `detail=${attempt.detail ?? ''}`,
  ].join('  ');
}

async function run(argv: readonly string[], write: (text: string) => void): Promise<void> {
  const out = (text: string): void => write(`${text}\n`);
  const { positionals, values } = parseCommandLine(argv);
  const [command, id, verdict] = positionals;
  if (command !== 'unknown' && command !== 'show' && command !== 'settle') throw new UsageError(`unknown command "${command ?? ''}"`);
  const attemptId = Number(id);
  if (command !== 'unknown' && !Number.isSafeInteger(attemptId)) throw new UsageError(`${command} needs an attempt id`);
  // Checked before the journal is opened: a wrong verdict is a usage error wherever DATA_DIR points.
  if (command === 'settle' && verdict !== 'placed' && verdict !== 'not-placed')
    throw new UsageError('settle needs a verdict: placed or not-placed');
  // The gateway's own .env, so the CLI opens the journal the gateway uses.
  loadEnvFileIfPresent();
  const config = loadConfig();
  // The journal the gateway with this configuration writes: never a new, empty one.
  const journal = await openJournalStore(config, { create: false, waitForDatabase: false });
  try {
    if (command === 'unknown') {
      // Stale PENDING attempts are crashed sends: show them as the UNKNOWN they are.
      await journal.markPendingUnknown({ ownOnly: false, detail: STALE_PENDING_DETAIL });
      const attempts = await journal.listByStatus('UNKNOWN');
      out(attempts.length === 0 ? 'No attempts with an unknown outcome.' : attempts.map(summary).join('\n'));
      return;
    }
    if (command === 'show') {
      const attempt = await journal.findById(attemptId);
      if (!attempt) throw new JournalSettleError(`no attempt with id ${attemptId}`);
      out(JSON.stringify(attempt, null, 2));
      return;
    }
    if (command === 'settle' && verdict === 'placed') {
      const { 'order-id': orderId, 'sim-id': simId, 'order-time': orderTime } = values;
      if (!orderId || !simId || !orderTime) throw new UsageError('settle … placed needs --order-id, --sim-id and --order-time');
      const settled = await journal.settle(attemptId, {
        status: 'SUCCEEDED',
        orderId,
        simId,
        orderTime,
        detail: `settled as placed by an operator on ${new Date().toISOString()}`,
      });
      out(`Settled: ${summary(settled)}`);
      return;
    }
    if (command === 'settle' && verdict === 'not-placed') {
      const settled = await journal.settle(attemptId, {
        status: 'NOT_SENT',
        detail: `settled as not placed by an operator on ${new Date().toISOString()}`,
      });
      out(`Settled: ${summary(settled)}`);
      return;
    }
    throw new UsageError('settle needs a verdict: placed or not-placed');
  } finally {
    await journal.close();
  }
}

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { 'order-id': { type: 'string' }, 'sim-id': { type: 'string' }, 'order-time': { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export const journalCommand: Command = { usage: JOURNAL_USAGE, run };

runWhenInvoked(import.meta.url, journalCommand);
