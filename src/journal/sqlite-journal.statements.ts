import type Database from 'better-sqlite3';
import { attemptFromColumns, type AttemptColumns, type OrderAttempt } from './order-journal.js';

// The rows the SQLite journal reads and the statements its order path runs, prepared once
// per connection.

export interface AttemptRow extends AttemptColumns {
  id: number;
  request_json: string;
  created_at: string;
  updated_at: string;
  /** Null only on rows written before migration 2: they count as stale. */
  stale_at: string | null;
}

export function toAttempt(row: AttemptRow): OrderAttempt {
  const request = JSON.parse(row.request_json) as unknown;
  return attemptFromColumns(row, { id: row.id, request, createdAt: row.created_at, updatedAt: row.updated_at, staleAt: row.stale_at });
}

/** The attempt with the highest attempt_no of a key's attempts (`attemptsOfKey`), if it has any. */
export function latestOf(rows: readonly AttemptRow[]): AttemptRow | undefined {
  let latest: AttemptRow | undefined;
  for (const row of rows) if (!latest || row.attempt_no > latest.attempt_no) latest = row;
  return latest;
}

export type SqliteJournalStatements = ReturnType<typeof prepareSqliteJournalStatements>;

export function prepareSqliteJournalStatements(db: Database.Database) {
  return {
    // Every attempt of a key, in no order (one, or a few after NOT_SENT); latestOf picks the
    // latest. Not `ORDER BY attempt_no DESC LIMIT 1` (nor max()): SQLite's planner, weighing
    // that query's plans, reads the bound values, and such a statement is expired whenever
    // its bindings are cleared, which better-sqlite3 does after every run. Each claim then
    // prepared it again and better-sqlite3 rebuilt its row factory: 20-40 µs instead of 1-3.
    attemptsOfKey: db.prepare<[string, string], AttemptRow>('SELECT * FROM ota_order_attempts WHERE client_id = ? AND idempotency_key = ?'),
    byId: db.prepare<[number], AttemptRow>('SELECT * FROM ota_order_attempts WHERE id = ?'),
    byStatus: db.prepare<[string], AttemptRow>('SELECT * FROM ota_order_attempts WHERE status = ? ORDER BY id'),
    insert: db.prepare(
      `INSERT INTO ota_order_attempts
         (client_id, idempotency_key, attempt_no, fingerprint, request_json, status, owner, created_at, updated_at, stale_at)
       VALUES (@clientId, @idempotencyKey, @attemptNo, @fingerprint, @requestJson, 'PENDING', @owner, @now, @now, @staleAt)`,
    ),
    record: db.prepare(
      `UPDATE ota_order_attempts
          SET status = @status, csss_code = @csssCode, csss_message = @csssMessage, sim_id = @simId,
              order_id = @orderId, order_time = @orderTime, detail = @detail, updated_at = @now
        WHERE id = @id AND status IN ('PENDING', 'UNKNOWN')`,
    ),
    staleToUnknown: db.prepare(
      `UPDATE ota_order_attempts SET status = 'UNKNOWN', detail = @detail, updated_at = @now
        WHERE status = 'PENDING' AND (stale_at < @now OR stale_at IS NULL)`,
    ),
    ownToUnknown: db.prepare(
      `UPDATE ota_order_attempts SET status = 'UNKNOWN', detail = @detail, updated_at = @now
        WHERE status = 'PENDING' AND owner = @owner`,
    ),
  };
}
