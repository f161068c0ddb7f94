/**
 * Schema migrations of the SQLite order journal, applied in order and recorded in
 * `schema_migrations`. Plain, portable SQL (no SQLite-only types or pragmas), so the same
 * statements can seed a shared database. Never edit a released migration; add one.
 */
export const SQLITE_JOURNAL_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
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
  {
    version: 3,
    name: 'add ota_order_attempts reconciliation columns',
    // What CSSS's queryOrder record says about an UNKNOWN attempt (the verdict, when it was
    // checked, the evidence and the matched order), and a lease so that one process at a
    // time asks: its end, and its owner and token, which a verdict or a settlement must
    // still match, so a round that outlived its lease cannot overwrite a later one's. The
    // ICCID is not a column: only the few PENDING and UNKNOWN rows are ever looked up by it,
    // from the stored request, and a column would cost every claim. The order_id indexes let a verdict leave out orders another attempt already
    // holds; partial, so attempts without an order (most failures) cost nothing.
    sql: `
      ALTER TABLE ota_order_attempts ADD COLUMN reconcile_verdict VARCHAR(16)
        CHECK (reconcile_verdict IN ('placed', 'not-found', 'ambiguous'));
      ALTER TABLE ota_order_attempts ADD COLUMN reconcile_checked_at VARCHAR(32);
      ALTER TABLE ota_order_attempts ADD COLUMN reconcile_evidence_json TEXT;
      ALTER TABLE ota_order_attempts ADD COLUMN reconcile_order_id VARCHAR(255);
      ALTER TABLE ota_order_attempts ADD COLUMN reconcile_lease_until VARCHAR(32);
      ALTER TABLE ota_order_attempts ADD COLUMN reconcile_lease_owner VARCHAR(64);
      ALTER TABLE ota_order_attempts ADD COLUMN reconcile_lease_token VARCHAR(64);
      CREATE INDEX ota_order_attempts_order_id ON ota_order_attempts (order_id) WHERE order_id IS NOT NULL;
      CREATE INDEX ota_order_attempts_reconcile_order_id ON ota_order_attempts (reconcile_order_id)
        WHERE reconcile_order_id IS NOT NULL;
    `,
  },
];
