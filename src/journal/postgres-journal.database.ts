import pg from 'pg';
import type { Logger } from '../logger.js';
import type { JournalOperation, JournalStoreMetrics } from '../observability/store-metrics.js';
import { preparePostgresJournalSchema, warnWithoutSynchronousStandby } from './postgres-journal.schema.js';

export interface PostgresJournalDatabaseOptions {
  /** postgres://user:password@host:port/database; it may carry a password, so it is never logged. */
  url: string;
  /** Connections this process keeps at most. */
  poolSize: number;
  /**
   * The longest one statement, or the wait for a free connection, may take. Kept short:
   * a claim that cannot be written in time is answered SERVICE_UNAVAILABLE rather than
   * left waiting, and outcome writes must land well inside the stale margin.
   */
  statementTimeoutMs: number;
  /** false for tools (the journal CLI): refuse a database without a journal instead of creating one. */
  create: boolean;
  logger?: Logger;
  metrics?: JournalStoreMetrics;
}

/** One statement on the journal's pool, timed and counted under its operation. */
export type PostgresJournalQuery = <Row extends pg.QueryResultRow = pg.QueryResultRow>(
  operation: JournalOperation,
  query: string | { name: string; text: string },
  values?: unknown[],
) => Promise<pg.QueryResult<Row>>;

/**
 * Connects a pool, and migrates the schema under an advisory lock (or, with `create: false`,
 * checks that a journal exists). Throws when the database cannot be reached, with the pool
 * closed again: the caller decides whether to try again.
 */
export async function openPostgresJournalDatabase(options: PostgresJournalDatabaseOptions): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.statementTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.statementTimeoutMs,
    // A statement on a connection whose peer vanished (a host lost, not a refusal)
    // would otherwise wait for TCP to give up; the server-side timeout cannot fire then.
    query_timeout: options.statementTimeoutMs + 1_000,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    keepAlive: true,
    application_name: 'csss-gateway',
    // The claim must be durable before the order leaves: whatever a server or role sets,
    // this session commits with PostgreSQL's default, on.
    // Generic plans: the batched claims' statement reads its rows from unnest($n::…[]),
    // which PostgreSQL estimates at 10 rows in a generic plan and at the real count in a
    // custom one, so it kept planning it afresh on every run (0.27 ms of planning in
    // EXPLAIN ANALYZE, in PostgreSQL's CPU and each batch's latency). Every statement of the
    // journal is an index lookup whose plan does not depend on the values bound.
    options: '-c synchronous_commit=on -c plan_cache_mode=force_generic_plan',
  });
  // A connection cut while idle (a restart, pg_terminate_backend) is dropped by the pool
  // and replaced on the next checkout; without a listener the error would end the process.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'a PostgreSQL journal connection was lost; it will be replaced'));
  try {
    await preparePostgresJournalSchema(pool, options);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  options.metrics?.observePool(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
  if (options.create) await warnWithoutSynchronousStandby(pool, options.logger);
  return pool;
}

/** Runs statements on `pool`, each timed and counted in the journal's store metrics. */
export function timedJournalQuery(pool: pg.Pool, metrics: JournalStoreMetrics | undefined): PostgresJournalQuery {
  return async <Row extends pg.QueryResultRow>(
    operation: JournalOperation,
    query: string | { name: string; text: string },
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> => {
    const done = metrics?.startQuery(operation);
    try {
      const result = await pool.query<Row>(typeof query === 'string' ? { text: query, values } : { ...query, values });
      done?.('ok');
      return result;
    } catch (error) {
      done?.('error');
      throw error;
    }
  };
}
