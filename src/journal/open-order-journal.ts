import type { Logger } from '../logger.js';
import { STALE_PENDING_DETAIL, type OrderJournal } from './order-journal.js';
import { journalPathIn, pendingStaleAfterMsFor, SqliteOrderJournal } from './sqlite-order-journal.js';

const SWEEP_INTERVAL_MS = 1_000;
const STOPPED_IN_FLIGHT_DETAIL = 'the gateway stopped before the outcome was recorded';

export interface JournalSettings {
  /** Folder of the SQLite journal file. */
  dataDir: string;
  /** The CSSS deadline; an attempt PENDING well past it belongs to a stopped gateway. */
  csssTimeoutMs: number;
  clock?: () => number;
  logger: Logger;
}

/** An open journal with its upkeep running. */
export interface OpenOrderJournal {
  journal: OrderJournal;
  /** How long an attempt may stay PENDING: sends take the CSSS deadline plus a margin. */
  pendingStaleAfterMs: number;
  /** At shutdown, once no order is in flight: this process's PENDING attempts become UNKNOWN. */
  markInFlightUnknown(): Promise<void>;
  /** Stops the sweeper and closes the journal. */
  close(): Promise<void>;
}

/**
 * Opens the order journal, turns attempts a crashed gateway left PENDING into UNKNOWN,
 * and keeps sweeping for them. Only the first line knows which store it is.
 */
export async function openOrderJournal(settings: JournalSettings): Promise<OpenOrderJournal> {
  const { logger, clock } = settings;
  const pendingStaleAfterMs = pendingStaleAfterMsFor(settings.csssTimeoutMs);
  const path = journalPathIn(settings.dataDir);
  const journal: OrderJournal = new SqliteOrderJournal({ path, pendingStaleAfterMs, clock });

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
  logger.info({ journalPath: path }, 'order journal open');

  return {
    journal,
    pendingStaleAfterMs,
    async markInFlightUnknown() {
      const marked = await journal.markPendingUnknown({ ownOnly: true, detail: STOPPED_IN_FLIGHT_DETAIL });
      if (marked > 0) logger.warn({ marked }, 'order attempts still in flight at shutdown are now UNKNOWN');
    },
    async close() {
      clearInterval(sweeper);
      await journal.close();
    },
  };
}
