import { parseArgs } from 'node:util';
import { loadConfig, type GatewayConfig } from '../config.js';
import { CsssHttpClient } from '../csss/csss.client.js';
import { loadEnvFileIfPresent } from '../env-file.js';
import { JournalSettleError, STALE_PENDING_DETAIL, type OrderAttempt } from '../journal/order-journal.js';
import { openJournalStore, type OrderJournalStore } from '../journal/open-order-journal.js';
import { createLogger } from '../logger.js';
import { OrderReconciler, type ReconcileOutcome } from '../reconcile/order-reconciler.js';
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
                                       (refused while the attempt could still be in flight)
  reconcile [--apply] [--json]         ask CSSS (queryOrder) now about every UNKNOWN attempt and print
                                       its verdict: placed, not-found or ambiguous; --apply settles
                                       the placed ones so retries replay that order (never not-found)
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
  if (command !== 'unknown' && command !== 'show' && command !== 'settle' && command !== 'reconcile') {
    throw new UsageError(`unknown command "${command ?? ''}"`);
  }
  const attemptId = Number(id);
  if (command !== 'unknown' && command !== 'reconcile' && !Number.isSafeInteger(attemptId))
    throw new UsageError(`${command} needs an attempt id`);
  if (command !== 'reconcile' && (values.apply || values.json)) throw new UsageError('--apply and --json belong to reconcile');
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
      out(JSON.stringify({ ...attempt, reconciliation: (await journal.reconciliation.findReconciliation(attemptId)) ?? null }, null, 2));
      return;
    }
    if (command === 'reconcile') {
      await reconcile(config, journal, { apply: values.apply === true, json: values.json === true }, out);
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
      // Until its stale deadline plus one CSSS deadline, the request may still be on its way
      // to CSSS or being processed there: a retry after a not-placed verdict could order twice.
      const settled = await journal.settle(
        attemptId,
        { status: 'NOT_SENT', detail: `settled as not placed by an operator on ${new Date().toISOString()}` },
        { inFlightForMs: config.csssTimeoutMs },
      );
      out(`Settled: ${summary(settled)}`);
      return;
    }
    throw new UsageError('settle needs a verdict: placed or not-placed');
  } finally {
    await journal.close();
  }
}

/** `reconcile`: asks CSSS about every UNKNOWN attempt now, as the gateway's loop does, whatever its age. */
async function reconcile(
  config: GatewayConfig,
  journal: OrderJournalStore,
  options: { apply: boolean; json: boolean },
  out: (text: string) => void,
): Promise<void> {
  if (config.csss.kind !== 'remote') {
    throw new Error('reconcile asks CSSS: set CSSS_BASE_URL, CSSS_ACCESS_CODE and CSSS_SECRET as the gateway has them');
  }
  // Stale PENDING attempts are crashed sends: they are UNKNOWN, and asked about too.
  await journal.markPendingUnknown({ ownOnly: false, detail: STALE_PENDING_DETAIL });
  const orderQuery = new CsssHttpClient({ ...config.csss, timeoutMs: config.csssTimeoutMs, connections: 1 });
  try {
    const reconciler = new OrderReconciler({
      orderQuery,
      journal,
      settings: config.reconcile,
      // Its log lines would mix with the output; failures show in each line instead.
      logger: createLogger({ level: 'silent' }),
      language: config.csssDefaultLanguage,
    });
    const { outcomes, busy } = await reconciler.reconcileAllNow({ settle: options.apply });
    if (options.json) {
      out(JSON.stringify([...outcomes, ...busy], null, 2));
      return;
    }
    if (outcomes.length === 0 && busy.length === 0) {
      out('No attempts with an unknown outcome.');
      return;
    }
    for (const outcome of [...outcomes, ...busy]) out(reconcileLine(outcome));
  } finally {
    await orderQuery.close();
  }
}

function reconcileLine(outcome: ReconcileOutcome): string {
  return [
    `#${outcome.attemptId}`,
    `client=${outcome.clientId}`,
    `key=${outcome.idempotencyKey}`,
    `verdict=${outcome.verdict}`,
    ...(outcome.orderId === null ? [] : [`order=${outcome.orderId}`, `orderDate=${outcome.orderTime ?? ''}`]),
    ...(outcome.settled ? ['settled: retries replay this order'] : []),
    ...(outcome.error === undefined ? [] : [`error=${outcome.error}`]),
    ...(outcome.verdict === 'busy' ? ['(a gateway is reconciling it now; try again shortly)'] : []),
  ].join('  ');
}

function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'order-id': { type: 'string' },
        'sim-id': { type: 'string' },
        'order-time': { type: 'string' },
        apply: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export const journalCommand: Command = { usage: JOURNAL_USAGE, run };

runWhenInvoked(import.meta.url, journalCommand);
