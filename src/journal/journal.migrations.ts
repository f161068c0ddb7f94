/**
 * Schema migrations of the order journal, applied in order and recorded in
 * `schema_migrations`. Plain, portable SQL (no SQLite-only types or pragmas), so the same
 * statements can seed a shared database. Never edit a released migration; add one.
 */
export const JOURNAL_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'create ota_order_attempts',
    sql: `
      CREATE TABLE ota_order_attempts (
        id INTEGER PRIMARY KEY,
        client_id VARCHAR(255) NOT NULL,
        idempotency_key VARCHAR(255) NOT NULL,
        attempt_no INTEGER NOT NULL,
        fingerprint CHAR(64) NOT NULL,
        request_json TEXT NOT NULL,
        status VARCHAR(16) NOT NULL
          CHECK (status IN ('PENDING', 'SUCCEEDED', 'REJECTED', 'NOT_SENT', 'UNKNOWN')),
        csss_code VARCHAR(64),
        csss_message TEXT,
        sim_id VARCHAR(255),
        order_id VARCHAR(255),
        order_time VARCHAR(255),
        detail TEXT,
        owner VARCHAR(64) NOT NULL,
        created_at VARCHAR(32) NOT NULL,
        updated_at VARCHAR(32) NOT NULL,
        UNIQUE (client_id, idempotency_key, attempt_no)
      );
      CREATE INDEX ota_order_attempts_status ON ota_order_attempts (status, updated_at);
    `,
  },
  {
    version: 2,
    name: 'add ota_order_attempts.stale_at',
    // When a PENDING attempt can no longer be in flight, set by the process that sent it
    // from its own CSSS deadline, so no other process or tool judges it by another one.
    // The sweep now looks rows up by it, so the (status, updated_at) index goes: every
    // index costs each order's two writes.
    sql: `
      ALTER TABLE ota_order_attempts ADD COLUMN stale_at VARCHAR(32);
      CREATE INDEX ota_order_attempts_stale ON ota_order_attempts (status, stale_at);
      DROP INDEX ota_order_attempts_status;
    `,
  },
];
