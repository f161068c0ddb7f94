import type { AttemptOutcome } from './order-journal.js';
import type { PostgresJournalQuery } from './postgres-journal.database.js';
import { outcomeParams, SQL } from './postgres-journal.statements.js';
import { TurnBatcher } from './turn-batcher.js';

/** One outcome write, waiting for its batch. */
interface OutcomeWrite {
  attemptId: number;
  outcome: AttemptOutcome;
}

/** As for claims (see PostgresClaimInserts): a statement stays small, and a slow one holds the next back 50 ms at most. */
const MAX_OUTCOMES_PER_STATEMENT = 500;
const MAX_OUTCOME_STATEMENTS_IN_FLIGHT = 1;
const OVERTAKE_OUTCOME_STATEMENT_AFTER_MS = 50;

/**
 * The outcome writes, batched as the claims are: every outcome recorded in one turn of
 * the event loop goes to PostgreSQL as one `UPDATE … FROM unnest(…)`, committed without
 * waiting for the WAL flush (see SQL.record). Each caller learns whether its own attempt
 * was still open and took the outcome; when the statement fails, every write in it fails.
 */
export class PostgresOutcomeWrites {
  readonly #query: PostgresJournalQuery;
  readonly #batches: TurnBatcher<OutcomeWrite, boolean>;

  constructor(query: PostgresJournalQuery) {
    this.#query = query;
    this.#batches = new TurnBatcher({
      run: (writes) => this.#write(writes),
      maxSize: MAX_OUTCOMES_PER_STATEMENT,
      maxInFlight: MAX_OUTCOME_STATEMENTS_IN_FLIGHT,
      overtakeAfterMs: OVERTAKE_OUTCOME_STATEMENT_AFTER_MS,
    });
  }

  /** Records `outcome` on the attempt if it is PENDING or UNKNOWN; true when it did. */
  record(attemptId: number, outcome: AttemptOutcome): Promise<boolean> {
    return this.#batches.add({ attemptId, outcome });
  }

  async #write(writes: OutcomeWrite[]): Promise<boolean[]> {
    // An attempt goes in once: a second outcome for it in the same batch (never sent by the
    // gateway, which records each attempt once) is written after, alone, as it would have been.
    const firsts = new Map<number, OutcomeWrite>();
    for (const write of writes) if (!firsts.has(write.attemptId)) firsts.set(write.attemptId, write);
    const columns: Array<Array<string | number | null>> = Array.from({ length: 8 }, () => []);
    for (const write of firsts.values()) {
      [write.attemptId, ...outcomeParams(write.outcome)].forEach((value, index) => columns[index]!.push(value));
    }
    const result = await this.#query<{ id: string }>('record', SQL.recordMany, columns);
    const written = new Set(result.rows.map((row) => Number(row.id)));
    const applied: boolean[] = [];
    for (const write of writes) {
      if (firsts.get(write.attemptId) === write) applied.push(written.has(write.attemptId));
      else applied.push((await this.#query('record', SQL.record, [write.attemptId, ...outcomeParams(write.outcome)])).rowCount === 1);
    }
    return applied;
  }
}
