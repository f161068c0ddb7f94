import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { JournalStoreMetrics } from '../observability/store-metrics.js';
import type { JournalLocation } from './journal.config.js';
import { JournalUnavailableError, pendingStaleAfterMsFor, STALE_PENDING_DETAIL, type OrderJournal } from './order-journal.js';
import type { ReconciliationStore } from './order-reconciliation.js';
import { PostgresOrderJournal } from './postgres-order-journal.js';
import { journalPathIn, SqliteOrderJournal } from './sqlite-order-journal.js';

const SWEEP_INTERVAL_MS = 1_000;
const STOPPED_IN_FLIGHT_DETAIL = 'the gateway stopped before the outcome was recorded';
const FORCED_EXIT_DETAIL = 'the gateway was stopped at once while the order was in flight';
/** Backoff between start-up tries of the database: doubling from 250 ms, at most 5 s apart. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

interface JournalSettings extends JournalLocation {
  /** The SQLite journal's clock (tests); the PostgreSQL journal reads the database's clock. */
  clock?: () => number;
  logger: Logger;
  metrics?: JournalStoreMetrics;
  /** Aborts the wait for a database that is down at start-up. */
  signal?: AbortSignal;
  /** Called once when the journal can no longer be trusted to keep what it commits (a failed SQLite WAL sync). */
  onFatal?: (error: unknown) => void;
}

/** A journal store as opened here: the order journal, and what reconciliation needs of it. */
export type OrderJournalStore = OrderJournal & { readonly reconciliation: ReconciliationStore };

/** An open journal with its upkeep running. */
interface OpenOrderJournal {
  journal: OrderJournalStore;
  /** How long an attempt may stay PENDING: sends take the CSSS deadline plus a margin. */
  pendingStaleAfterMs: number;
  /** At shutdown, once no order is in flight: this process's PENDING attempts become UNKNOWN. */
  markInFlightUnknown(): Promise<void>;
  /** At a forced exit, with orders still in flight: this process's PENDING attempts become UNKNOWN at once. */
  markAbandonedUnknown(): Promise<void>;
  /** Stops the sweeper and closes the journal. */
  close(): Promise<void>;
}

/**
 * Opens the gateway's order journal, turns attempts a crashed gateway left PENDING into
 * UNKNOWN, and keeps sweeping for them. A database that is down at start-up is waited for.
 */
export async function openOrderJournal(settings: JournalSettings): Promise<OpenOrderJournal> {
  const { logger } = settings;
  const pendingStaleAfterMs = pendingStaleAfterMsFor(settings);
  const journal = await openJournalStore(settings, { create: true, waitForDatabase: true, ...settings, onSyncFailed: settings.onFatal });

  const sweepStalePending = async (): Promise<void> => {
    const swept = await journal.markPendingUnknown({ ownOnly: false, detail: STALE_PENDING_DETAIL });
    if (swept > 0) logger.warn({ swept }, 'order attempts left PENDING by a stopped gateway are now UNKNOWN');
  };
  try {
    await sweepStalePending();
  } catch (error) {
    await journal.close();
    throw error;
  }
  // Each attempt carries its own stale deadline, so a frequent sweep finds crashed sends
  // soon after their deadline; a sweep that finds nothing writes nothing.
  const sweeper = setInterval(() => {
    sweepStalePending().catch((error: unknown) => logger.error({ err: error }, 'journal sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    journal,
    pendingStaleAfterMs,
    async markInFlightUnknown() {
      const marked = await journal.markPendingUnknown({ ownOnly: true, detail: STOPPED_IN_FLIGHT_DETAIL });
      if (marked > 0) logger.warn({ marked }, 'order attempts still in flight at shutdown are now UNKNOWN');
    },
    async markAbandonedUnknown() {
      const marked = await journal.markPendingUnknown({ ownOnly: true, detail: FORCED_EXIT_DETAIL });
      if (marked > 0) logger.warn({ marked }, 'order attempts in flight at a forced exit are now UNKNOWN');
    },
    async close() {
      clearInterval(sweeper);
      await journal.close();
    },
  };
}

interface OpenJournalStoreOptions {
  /** false for tools: refuse a journal that does not exist instead of creating an empty one. */
  create: boolean;
  /**
   * The gateway waits for a database that is down at start-up, trying again with backoff
   * and logging why, until `signal` aborts; tools fail at once instead.
   */
  waitForDatabase: boolean;
  logger?: Logger;
  clock?: () => number;
  metrics?: JournalStoreMetrics;
  signal?: AbortSignal;
  /** SQLite: called once when a WAL sync fails (see SqliteOrderJournalOptions). */
  onSyncFailed?: (error: unknown) => void;
}

/**
 * The store alone, as the configuration names it: PostgreSQL when DATABASE_URL is set,
 * shared by every replica, otherwise the SQLite file in DATA_DIR. The only place that
 * knows which store it is; the gateway, the journal CLI and the tests all open it here.
 */
export async function openJournalStore(location: JournalLocation, options: OpenJournalStoreOptions): Promise<OrderJournalStore> {
  const pendingStaleAfterMs = pendingStaleAfterMsFor(location);
  const { database } = location;
  if (!database) {
    const path = journalPathIn(location.dataDir);
    const journal = new SqliteOrderJournal({
      path,
      pendingStaleAfterMs,
      clock: options.clock,
      create: options.create,
      onSyncFailed: options.onSyncFailed,
    });
    options.logger?.info({ journal: 'sqlite', journalPath: path }, 'order journal open');
    return journal;
  }

  const where = describeDatabase(database.url.reveal());
  for (let tries = 1; ; tries += 1) {
    try {
      const journal = await PostgresOrderJournal.open({
        url: database.url.reveal(),
        poolSize: database.poolSize,
        statementTimeoutMs: database.statementTimeoutMs,
        pendingStaleAfterMs,
        create: options.create,
        logger: options.logger,
        metrics: options.metrics,
      });
      options.logger?.info({ journal: 'postgres', database: where }, 'order journal open');
      return journal;
    } catch (error) {
      if (error instanceof JournalUnavailableError || !options.waitForDatabase) throw error;
      const retryInMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (tries - 1));
      options.logger?.warn(
        { database: where, tries, retryInMs, reason: reasonOf(error) },
        'the order journal database cannot be reached; not ready until it can, trying again',
      );
      await sleep(retryInMs, undefined, { signal: options.signal });
    }
  }
}

/** host:port/database, for logs: never the user or the password. */
function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
