/**
 * Schema migrations of the order journal on PostgreSQL, applied in order at start-up
 * under an advisory lock and recorded in `schema_migrations`. They mirror the SQLite
 * migrations' columns in PostgreSQL's own types: an identity id, JSONB for the order and
 * timestamptz for the times, read from the database's clock so that replicas on hosts
 * whose clocks differ judge stale attempts alike. Never edit a released migration; add one.
 */
export const POSTGRES_JOURNAL_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'create ota_order_attempts',
    // Partial indexes only: each index costs every order's two writes, and only PENDING
    // (the sweep, by stale_at) and UNKNOWN (the operator's list) rows are ever looked up
    // by status.
    sql: `
      CREATE TABLE ota_order_attempts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        client_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        attempt_no INTEGER NOT NULL CHECK (attempt_no >= 1),
        fingerprint TEXT NOT NULL,
        request JSONB NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'REJECTED', 'NOT_SENT', 'UNKNOWN')),
        csss_code TEXT,
        csss_message TEXT,
        sim_id TEXT,
        order_id TEXT,
        order_time TEXT,
        detail TEXT,
        owner TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        stale_at TIMESTAMPTZ NOT NULL,
        UNIQUE (client_id, idempotency_key, attempt_no)
      );
      CREATE INDEX ota_order_attempts_pending ON ota_order_attempts (stale_at) WHERE status = 'PENDING';
      CREATE INDEX ota_order_attempts_unknown ON ota_order_attempts (id) WHERE status = 'UNKNOWN';
    `,
  },
  {
    version: 2,
    name: 'add ota_order_attempts reconciliation columns',
    // As the SQLite journal's migration 3: the verdict of CSSS's queryOrder record on an
    // UNKNOWN attempt, and a lease (end, owner, token) so that one replica at a time asks
    // and a round that outlived its lease cannot overwrite a later one's verdict.
    sql: `
      ALTER TABLE ota_order_attempts
        ADD COLUMN reconcile_verdict TEXT CHECK (reconcile_verdict IN ('placed', 'not-found', 'ambiguous')),
        ADD COLUMN reconcile_checked_at TIMESTAMPTZ,
        ADD COLUMN reconcile_evidence JSONB,
        ADD COLUMN reconcile_order_id TEXT,
        ADD COLUMN reconcile_lease_until TIMESTAMPTZ,
        ADD COLUMN reconcile_lease_owner TEXT,
        ADD COLUMN reconcile_lease_token TEXT;
      CREATE INDEX ota_order_attempts_order_id ON ota_order_attempts (order_id) WHERE order_id IS NOT NULL;
      CREATE INDEX ota_order_attempts_reconcile_order_id ON ota_order_attempts (reconcile_order_id)
        WHERE reconcile_order_id IS NOT NULL;
    `,
  },
];
