import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { JournalStoreMetrics } from '../observability/store-metrics.js';
import { JournalUnavailableError } from './order-journal.js';
import { POSTGRES_JOURNAL_MIGRATIONS } from './postgres-journal.migrations.js';

/** Any two constant integers would do; this one is "CSSS" "JRNL" in ASCII, to be recognizable in pg_locks. */
const MIGRATION_LOCK_KEY = 0x4353_5353_4a52_4e4cn;

/**
 * Migrates the journal's schema under an advisory lock (replicas starting together queue
 * there), or, with `create` false (tools), checks that a journal of this schema exists. A
 * schema newer than this code is refused either way.
 */
export async function preparePostgresJournalSchema(
  pool: pg.Pool,
  options: { create: boolean; metrics?: JournalStoreMetrics },
): Promise<void> {
  const { create } = options;
  const done = options.metrics?.startQuery('migrate');
  let client: pg.PoolClient | undefined;
  try {
    client = await pool.connect();
    await client.query('BEGIN');
    // Replicas starting together queue here; the first applies the migrations, the others
    // then find them applied.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const exists = (await client.query<{ found: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS found")).rows[0]!.found;
    if (!exists && !create) {
      throw new JournalUnavailableError(
        'there is no order journal in this database (no schema_migrations table); start the gateway once with this DATABASE_URL to create it',
      );
    }
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version),
    );
    const known = Math.max(...POSTGRES_JOURNAL_MIGRATIONS.map((migration) => migration.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new JournalUnavailableError(
        `the order journal's schema is at version ${newest}, newer than this gateway knows (${known}); run a gateway release that knows it`,
      );
    }
    if (!create && applied.size < POSTGRES_JOURNAL_MIGRATIONS.length) {
      throw new JournalUnavailableError(
        `the order journal's schema is at version ${newest}; start the gateway once to migrate it to ${known}`,
      );
    }
    for (const migration of POSTGRES_JOURNAL_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    done?.('ok');
  } catch (error) {
    done?.('error');
    await client?.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client?.release();
  }
}

/**
 * A commit acknowledged by a primary without a synchronous standby can be lost in a
 * failover: the claim of an order that was then sent would vanish, and a retry would send
 * it again. Exactly-once across a failover needs a standby that has every commit.
 */
export async function warnWithoutSynchronousStandby(pool: pg.Pool, logger: Logger | undefined): Promise<void> {
  try {
    const result = await pool.query<{ synchronous_standby_names: string }>('SHOW synchronous_standby_names');
    if ((result.rows[0]?.synchronous_standby_names ?? '') !== '') return;
    logger?.warn(
      'PostgreSQL has no synchronous standby (synchronous_standby_names is empty): after a failover to a standby that missed commits, an order could be sent twice; see docs/replicas.md',
    );
  } catch (error) {
    logger?.warn({ err: error }, 'could not read synchronous_standby_names');
  }
}
