import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { journalPathIn, SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { Secret } from '../../src/secret.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { CreateOtaOrderDocument } from '../generated/graphql.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/journal.js', import.meta.url));
const run = promisify(execFile);

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The time a refused `settle … not-placed` names as the earliest it becomes possible. */
async function notPlacedRefusal(settling: Promise<string>): Promise<string> {
  const failure = await settling.then(
    () => undefined,
    (error: unknown) => error as { code: number; stderr: string },
  );
  expect(failure).toMatchObject({ code: 1, stderr: expect.stringContaining('could still be in flight at CSSS') });
  const from = /settled not-placed from (\S+)/.exec(failure?.stderr ?? '')?.[1];
  expect(from).toMatch(/^\d{4}-\d\d-\d\dT/);
  return from!;
}

/** Moves an attempt's stale deadline into the past in the SQLite journal, as if its sender's deadlines had all passed. */
function backdateStaleDeadline(dataDir: string, attemptId: number): void {
  const db = new Database(journalPathIn(dataDir));
  try {
    db.prepare("UPDATE ota_order_attempts SET stale_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").run(attemptId);
  } finally {
    db.close();
  }
}

async function journal(dataDir: string, ...args: string[]): Promise<string> {
  return journalWithEnv({ DATA_DIR: dataDir }, ...args);
}

async function journalWithEnv(env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  return stdout;
}

describe('settling unknown orders with `npm run journal`', () => {
  it('lists UNKNOWN attempts, and settling one as placed makes retries replay that order', async () => {
    harness = await startHarness();
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.garbage });
    await harness.execute(CreateOtaOrderDocument, { input });

    const listing = await journal(harness.dataDir, 'unknown');
    expect(listing).toContain(`key=${input.idempotencyKey}`);
    expect(listing).toContain(`iccid=${SIMULATOR_ICCIDS.garbage}`);
    const id = /^#(\d+)/.exec(listing)?.[1];
    expect(id).toMatch(/^\d+$/);

    await journal(
      harness.dataDir,
      'settle',
      id!,
      'placed',
      '--order-id',
      'ORDER_1',
      '--sim-id',
      'SIM1',
      '--order-time',
      '2026-11-26 12:00:00',
    );
    const retry = await harness.execute(CreateOtaOrderDocument, { input });

    expect(retry.body.data?.createOtaOrder).toStrictEqual({
      orderId: 'ORDER_1',
      simId: 'SIM1',
      orderTime: '2026-11-26 12:00:00',
      replayed: true,
    });
    expect(harness.simulator.requests).toHaveLength(1);
    expect(await journal(harness.dataDir, 'unknown')).toContain('No attempts with an unknown outcome.');
  });

  it('settling one as not placed lets a retry send it again', async () => {
    harness = await startHarness();
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.serverError });
    await harness.execute(CreateOtaOrderDocument, { input });
    const id = /^#(\d+)/.exec(await journal(harness.dataDir, 'unknown'))?.[1];
    expect(id).toMatch(/^\d+$/);

    // Until its stale deadline plus a CSSS deadline the request may still be at CSSS: refused, saying from when.
    const possibleFrom = await notPlacedRefusal(journal(harness.dataDir, 'settle', id!, 'not-placed'));
    expect(Date.parse(possibleFrom)).toBeGreaterThan(Date.now());
    // As if that time had passed.
    backdateStaleDeadline(harness.dataDir, Number(id));
    await journal(harness.dataDir, 'settle', id!, 'not-placed');
    const retry = await harness.execute(CreateOtaOrderDocument, { input });

    expect(retry.body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(harness.simulator.requests).toHaveLength(2);
  });

  it('refuses to settle an attempt that is not UNKNOWN', async () => {
    harness = await startHarness();
    const input = orderInput();
    const placed = await harness.execute(CreateOtaOrderDocument, { input });
    await expect(journal(harness.dataDir, 'settle', '1', 'not-placed')).rejects.toMatchObject({
      stderr: expect.stringContaining('only UNKNOWN attempts can be settled'),
    });
    // The placed order is untouched: a retry replays it and CSSS is not called again.
    const retry = await harness.execute(CreateOtaOrderDocument, { input });
    expect(retry.body.data?.createOtaOrder).toStrictEqual({ ...placed.body.data?.createOtaOrder, replayed: true });
    expect(harness.simulator.requests).toHaveLength(1);
  });

  it('never marks an order still in flight as UNKNOWN, whatever deadline the tool itself is configured with', async () => {
    harness = await startHarness({ timeoutMs: 4_000 });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
    const inFlight = harness.execute(CreateOtaOrderDocument, { input });
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    // With a 100 ms deadline of its own, the tool would think a 2.5 s old send had crashed;
    // the attempt carries the sending gateway's deadline instead.
    const listing = await journalWithEnv({ DATA_DIR: harness.dataDir, CSSS_TIMEOUT_MS: '100' }, 'unknown');
    expect(listing).toContain('No attempts with an unknown outcome.');
    expect((await inFlight).body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
  });
});

describe('the command-line style every tool shares', () => {
  it('prints the journal help with --help and exits 0', async () => {
    const help = await journal('/nonexistent-data-dir', '--help');
    expect(help).toMatch(/^Usage: npm run journal -- <command>/);
    expect(help).toContain('settle <id> not-placed');
  });

  it('exits 2 with the message and the usage on stderr for wrong arguments, before opening any journal', async () => {
    for (const args of [['list'], ['show'], ['settle', '1', 'maybe'], ['unknown', '--verbose']]) {
      const dataDir = await mkdtemp(join(tmpdir(), 'journal-cli-usage-'));
      const failure = await journal(dataDir, ...args).then(
        () => undefined,
        (error: unknown) => error as { code: number; stderr: string },
      );
      expect(failure, args.join(' ')).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: npm run journal') });
      if (args[0] !== 'settle') expect(await readdir(dataDir), args.join(' ')).toEqual([]);
    }
  });

  it('exits 1 with only the message when the command itself fails', async () => {
    harness = await startHarness();
    await expect(journal(harness.dataDir, 'show', '999')).rejects.toMatchObject({
      code: 1,
      stderr: 'no attempt with id 999\n',
    });
  });
});

describe('`npm run journal` on the PostgreSQL journal (DATABASE_URL)', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    // The gateway first: it writes to the database as it stops.
    await harness?.close();
    harness = undefined;
    await database?.drop();
    database = undefined;
  });

  it('lists UNKNOWN attempts of every replica and settles one, which a gateway then replays', async () => {
    database = await createTestDatabase();
    harness = await startHarness({ database: { url: new Secret(database.url), poolSize: 2, statementTimeoutMs: 2_000 } });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.garbage });
    await harness.execute(CreateOtaOrderDocument, { input });
    const env = { DATABASE_URL: database.url, DATA_DIR: await mkdtemp(join(tmpdir(), 'csss-journal-cli-unused-')) };

    const listing = await journalWithEnv(env, 'unknown');
    expect(listing).toContain(`key=${input.idempotencyKey}`);
    const id = /^#(\d+)/.exec(listing)?.[1];
    expect(id).toMatch(/^\d+$/);
    await journalWithEnv(env, 'settle', id!, 'placed', '--order-id', 'ORDER_7', '--sim-id', 'SIM7', '--order-time', '2026-11-26 12:00:00');

    const retry = await harness.execute(CreateOtaOrderDocument, { input });
    expect(retry.body.data?.createOtaOrder).toStrictEqual({
      orderId: 'ORDER_7',
      simId: 'SIM7',
      orderTime: '2026-11-26 12:00:00',
      replayed: true,
    });
    expect(harness.simulator.requests).toHaveLength(1);
    // It read the database, not the SQLite file in DATA_DIR (which it did not create).
    expect(existsSync(join(env.DATA_DIR, 'orders.sqlite'))).toBe(false);
  });

  it('refuses to settle an attempt not-placed while it could still be in flight, judged by the database clock', async () => {
    database = await createTestDatabase();
    harness = await startHarness({ database: { url: new Secret(database.url), poolSize: 2, statementTimeoutMs: 2_000 } });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.serverError });
    await harness.execute(CreateOtaOrderDocument, { input });
    const env = { DATABASE_URL: database.url };
    const id = /^#(\d+)/.exec(await journalWithEnv(env, 'unknown'))?.[1];
    expect(id).toMatch(/^\d+$/);

    await notPlacedRefusal(journalWithEnv(env, 'settle', id!, 'not-placed'));
    expect(await database.query('SELECT status FROM ota_order_attempts WHERE id = $1', [Number(id)])).toEqual([{ status: 'UNKNOWN' }]);
    await database.query("UPDATE ota_order_attempts SET stale_at = now() - interval '1 hour' WHERE id = $1", [Number(id)]);
    await journalWithEnv(env, 'settle', id!, 'not-placed');
    const retry = await harness.execute(CreateOtaOrderDocument, { input });
    expect(retry.body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(harness.simulator.requests).toHaveLength(2);
  });

  it('refuses a database that holds no journal instead of creating one', async () => {
    database = await createTestDatabase();
    await expect(journalWithEnv({ DATABASE_URL: database.url }, 'unknown')).rejects.toMatchObject({
      stderr: expect.stringContaining('there is no order journal in this database'),
    });
    expect(await database.query("SELECT to_regclass('schema_migrations') AS found")).toStrictEqual([{ found: null }]);
  });
});

describe('`npm run journal` with a DATA_DIR that holds no journal', () => {
  it('refuses instead of creating an empty journal there', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'csss-journal-cli-')), 'wrong-dir');
    await expect(journal(dataDir, 'unknown')).rejects.toMatchObject({
      stderr: expect.stringContaining(`there is no order journal at ${join(dataDir, 'orders.sqlite')}`),
    });
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('`npm run journal` on a SQLite file that is not a journal this code can use', () => {
  it('refuses an existing empty file without creating tables in it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'csss-journal-cli-'));
    await writeFile(journalPathIn(dataDir), '');
    await expect(journal(dataDir, 'unknown')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is not an order journal (it has no schema_migrations table)'),
    });
    expect((await stat(journalPathIn(dataDir))).size).toBe(0);
  });

  it('refuses a journal whose schema is newer than the code', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'csss-journal-cli-'));
    await new SqliteOrderJournal({ path: journalPathIn(dataDir), pendingStaleAfterMs: 60_000 }).close();
    const db = new Database(journalPathIn(dataDir));
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from a newer release', '2030-01-01')").run();
    db.close();
    await expect(journal(dataDir, 'unknown')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("the order journal's schema is at version 99, newer than this gateway knows"),
    });
  });
});
