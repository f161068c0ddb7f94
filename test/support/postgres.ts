import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests use: the machine's (CI makes sure it runs), or
 * TEST_POSTGRES_URL. Tests never skip without it: a missing database fails the run.
 */
export const TEST_POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** A connection URL for the new database. */
  url: string;
  /** Runs one statement in the new database on a short-lived connection. */
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>;
  /** Drops the database, cutting any connection still open to it. */
  drop(): Promise<void>;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates a database with a unique name for one test file or test; drop it afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `csss_gateway_test_${randomBytes(6).toString('hex')}`;
  await withClient(TEST_POSTGRES_ADMIN_URL, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    query: (text, values) => withClient(url.toString(), async (client) => (await client.query(text, values)).rows),
    drop: () =>
      withClient(TEST_POSTGRES_ADMIN_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Cuts every gateway connection to the database, as a failover or an operator would. */
export async function terminateGatewayConnections(database: TestDatabase): Promise<number> {
  const rows = await withClient(TEST_POSTGRES_ADMIN_URL, (client) =>
    client.query<{ terminated: boolean }>(
      "SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = $1 AND application_name = 'csss-gateway'",
      [database.name],
    ),
  );
  return rows.rows.filter((row) => row.terminated).length;
}
