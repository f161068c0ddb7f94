import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { print } from 'graphql';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OrderAttempt } from '../../src/journal/order-journal.js';
import { CLAIM_REPLY_LOST_DETAIL } from '../../src/journal/postgres-order-journal.js';
import { CLAIM_NOT_DURABLE_DETAIL, journalPathIn, SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { SEND_BUDGET_PASSED_DETAIL } from '../../src/orders/ota-order.service.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { startCsssSimulator, type RunningCsssSimulator } from '../../src/simulator/simulator.js';
import { CreateOtaOrderDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process.js';
import { executeGraphQL as executeWithoutKey } from '../support/graphql-client.js';
import { orderInput } from '../support/order-input.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startSyncFault } from '../support/sync-fault.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/timing.js';

// What a slow or failing journal, or a stalled process, leaves behind between an order's
// claim and its send, over real gateway processes and the real simulator: an order either
// leaves within ORDER_SEND_BUDGET_MS of its claim or is recorded NOT_SENT and never sent.

const apiKey = testApiKey();
const CLIENT_ID = 'apikey:test-client';
const executeGraphQL: typeof executeWithoutKey = (url, document, variables) => executeWithoutKey(url, document, variables, apiKey.headers);
const SEND_BUDGET_MS = 300;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
}, 30_000);
afterAll(async () => {
  await database?.drop();
});

async function simulator(): Promise<RunningCsssSimulator> {
  const started = await startCsssSimulator({ hangMs: 30_000 });
  cleanups.push(() => started.close());
  return started;
}

async function gateway(sim: RunningCsssSimulator, env: Record<string, string>): Promise<GatewayProcess> {
  const started = await spawnGateway({
    CSSS_BASE_URL: sim.url,
    CSSS_ACCESS_CODE: sim.accessCode,
    CSSS_SECRET: sim.secret,
    ORDER_SEND_BUDGET_MS: String(SEND_BUDGET_MS),
    ...apiKey.env,
    ...env,
  });
  cleanups.push(async () => {
    if (started.child.signalCode === 'SIGSTOP' || started.child.exitCode === null) started.child.kill('SIGCONT');
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
    await started.exited;
  });
  return started;
}

/** An order over raw HTTP, for its status and headers. */
async function postOrder(
  running: GatewayProcess,
  input: ReturnType<typeof orderInput>,
): Promise<{ status: number; retryAfter: string | null; code: unknown }> {
  const response = await fetch(running.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...apiKey.headers },
    body: JSON.stringify({ query: print(CreateOtaOrderDocument), variables: { input } }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: unknown } }> };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), code: body.errors?.[0]?.extensions?.code };
}

const newDataDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'csss-journal-faults-'));

async function sqliteAttempt(dataDir: string, idempotencyKey: string): Promise<OrderAttempt | undefined> {
  const journal = new SqliteOrderJournal({ path: journalPathIn(dataDir), pendingStaleAfterMs: 60_000 });
  try {
    return await journal.findLatest(CLIENT_ID, idempotencyKey);
  } finally {
    await journal.close();
  }
}

async function postgresAttempts(idempotencyKey: string): Promise<Array<{ attempt_no: number; status: string; detail: string | null }>> {
  return database.query('SELECT attempt_no, status, detail FROM ota_order_attempts WHERE idempotency_key = $1 ORDER BY attempt_no', [
    idempotencyKey,
  ]);
}

const NOT_SENT_IN_TIME = { status: 503, retryAfter: '1', code: 'SERVICE_UNAVAILABLE' };

describe('the send budget on the SQLite journal', () => {
  it('records an order whose WAL sync was held past ORDER_SEND_BUDGET_MS as NOT_SENT, answers 503 with Retry-After, sends nothing, and a retry sends it', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const fault = await startSyncFault();
    const running = await gateway(sim, { DATA_DIR: dataDir, ...fault.env });
    const input = orderInput();

    await fault.hold();
    const answer = postOrder(running, input);
    await fault.holding();
    await sleep(SEND_BUDGET_MS + 200);
    await fault.release();

    expect(await answer).toEqual(NOT_SENT_IN_TIME);
    expect(sim.requests).toHaveLength(0);
    expect(await sqliteAttempt(dataDir, input.idempotencyKey)).toMatchObject({ status: 'NOT_SENT', detail: SEND_BUDGET_PASSED_DETAIL });

    const retry = await executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input });
    expect(retry.body.data?.createOtaOrder.replayed).toBe(false);
    expect(sim.requests).toHaveLength(1);
    expect(await sqliteAttempt(dataDir, input.idempotencyKey)).toMatchObject({ attemptNo: 2, status: 'SUCCEEDED' });
  });

  it('sends nothing when the event loop was blocked between the claim being synced and the send', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const fault = await startSyncFault();
    const running = await gateway(sim, { DATA_DIR: dataDir, ...fault.env });
    const [first, second] = [orderInput(), orderInput()];

    // The first order's claim is committed and its sync held on the thread pool...
    await fault.hold();
    const firstAnswer = postOrder(running, first);
    await fault.holding();
    // ...then the second order's write waits for a lock this test holds, on the event loop
    // (SQLite's busy wait blocks the thread), while the first order's sync completes.
    const locker = new Database(journalPathIn(dataDir));
    locker.exec('BEGIN IMMEDIATE');
    const secondAnswer = postOrder(running, second);
    await sleep(300);
    const healthStartedAt = performance.now();
    const health = fetch(new URL('/healthz', running.graphqlUrl)).then(() => performance.now() - healthStartedAt);
    await fault.release();
    await sleep(SEND_BUDGET_MS + 500);
    locker.exec('ROLLBACK');
    locker.close();

    // The loop was blocked: a health check sent meanwhile waited for the lock's release.
    expect(await health).toBeGreaterThanOrEqual(SEND_BUDGET_MS + 400);
    expect(await firstAnswer).toEqual(NOT_SENT_IN_TIME);
    expect(await secondAnswer).toEqual(NOT_SENT_IN_TIME);
    expect(sim.requests).toHaveLength(0);
    expect(await sqliteAttempt(dataDir, first.idempotencyKey)).toMatchObject({ status: 'NOT_SENT', detail: SEND_BUDGET_PASSED_DETAIL });
    expect(await sqliteAttempt(dataDir, second.idempotencyKey)).toMatchObject({ status: 'NOT_SENT', detail: SEND_BUDGET_PASSED_DETAIL });
  });
});

describe('a failed WAL sync of the SQLite journal', () => {
  it('refuses the order, finishes the order in flight, logs why at error level and exits 1', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const fault = await startSyncFault();
    const running = await gateway(sim, { DATA_DIR: dataDir, CSSS_TIMEOUT_MS: '3000', ...fault.env });
    const inFlightInput = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
    const inFlight = executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input: inFlightInput });
    await waitFor(() => sim.requests.length === 1);

    await fault.fail();
    const refusedInput = orderInput();
    expect(await postOrder(running, refusedInput)).toEqual({ status: 503, retryAfter: '5', code: 'SERVICE_UNAVAILABLE' });

    expect((await inFlight).body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(await running.exited).toBe(1);
    expect(sim.requests).toHaveLength(1);
    const fatal = running.output
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((line) => line.msg.startsWith('a sync of the order journal failed'));
    expect(fatal?.level).toBe(50);

    // What the restart finds: the order in flight journaled, the refused one never sent.
    expect(await sqliteAttempt(dataDir, inFlightInput.idempotencyKey)).toMatchObject({ status: 'UNKNOWN', detail: 'deadline passed' });
    expect(await sqliteAttempt(dataDir, refusedInput.idempotencyKey)).toMatchObject({
      status: 'NOT_SENT',
      detail: CLAIM_NOT_DURABLE_DETAIL,
    });
  });
});

describe('the send budget on the PostgreSQL journal', () => {
  /** Holds attempt 1 of the key in an open transaction, so the gateway's claim INSERT waits for it. */
  async function holdClaimSlot(idempotencyKey: string): Promise<{ release(): Promise<void> }> {
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO ota_order_attempts (client_id, idempotency_key, attempt_no, fingerprint, request, status, owner, stale_at)
       VALUES ($1, $2, 1, 'held', '{}', 'PENDING', 'test', now())`,
      [CLIENT_ID, idempotencyKey],
    );
    return {
      async release() {
        await holder.query('ROLLBACK');
        await holder.end();
      },
    };
  }

  const waitingOnLock = async (): Promise<boolean> =>
    (
      await database.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'csss-gateway' AND wait_event_type = 'Lock'",
      )
    ).length > 0;

  it('records an order whose claim write was held past ORDER_SEND_BUDGET_MS as NOT_SENT and sends nothing', async () => {
    const sim = await simulator();
    const running = await gateway(sim, { DATABASE_URL: database.url, DATABASE_STATEMENT_TIMEOUT_MS: '5000' });
    const input = orderInput();

    const held = await holdClaimSlot(input.idempotencyKey);
    const answer = postOrder(running, input);
    await waitFor(waitingOnLock);
    await sleep(SEND_BUDGET_MS + 200);
    await held.release();

    expect(await answer).toEqual(NOT_SENT_IN_TIME);
    expect(sim.requests).toHaveLength(0);
    expect(await postgresAttempts(input.idempotencyKey)).toEqual([
      { attempt_no: 1, status: 'NOT_SENT', detail: SEND_BUDGET_PASSED_DETAIL },
    ]);
  });

  it('sends nothing when the process was stalled between the claim reply and the send', async () => {
    const sim = await simulator();
    const running = await gateway(sim, { DATABASE_URL: database.url, DATABASE_STATEMENT_TIMEOUT_MS: '5000' });
    const input = orderInput();

    const held = await holdClaimSlot(input.idempotencyKey);
    const answer = postOrder(running, input);
    await waitFor(waitingOnLock);
    // The whole process stops (a stalled event loop, a paused container); the claim commits
    // meanwhile and its reply waits in the socket.
    running.child.kill('SIGSTOP');
    await held.release();
    await waitFor(async () => (await postgresAttempts(input.idempotencyKey)).length === 1);
    await sleep(SEND_BUDGET_MS + 200);
    running.child.kill('SIGCONT');

    expect(await answer).toEqual(NOT_SENT_IN_TIME);
    expect(sim.requests).toHaveLength(0);
    expect(await postgresAttempts(input.idempotencyKey)).toEqual([
      { attempt_no: 1, status: 'NOT_SENT', detail: SEND_BUDGET_PASSED_DETAIL },
    ]);
  });

  it('marks a claim whose reply was lost NOT_SENT, so the retry sends the order once instead of IN_PROGRESS then UNKNOWN', async () => {
    const sim = await simulator();
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
    cleanups.push(() => proxy.stop());
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    // No reconciler: its queries would hang on the dropped replies and take the pool's idle connections.
    const running = await gateway(sim, { DATABASE_URL: viaProxy.toString(), DATABASE_STATEMENT_TIMEOUT_MS: '1000', RECONCILE_MODE: 'off' });
    const input = orderInput();
    // Connections open before replies are dropped: a new one could not finish its handshake.
    await Promise.all(
      Array.from({ length: 4 }, () =>
        executeGraphQL(running.graphqlUrl, OtaOrderAttemptDocument, { idempotencyKey: input.idempotencyKey }),
      ),
    );

    // The INSERT reaches PostgreSQL and commits; its reply never comes back.
    proxy.dropReplies(true);
    const answer = postOrder(running, input);
    await waitFor(async () => (await postgresAttempts(input.idempotencyKey)).length === 1);
    await proxy.stop();
    proxy.dropReplies(false);
    await proxy.start();

    expect(await answer).toEqual({ status: 503, retryAfter: '5', code: 'SERVICE_UNAVAILABLE' });
    expect(await postgresAttempts(input.idempotencyKey)).toEqual([{ attempt_no: 1, status: 'NOT_SENT', detail: CLAIM_REPLY_LOST_DETAIL }]);
    const retry = await executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input });
    expect(retry.body.data?.createOtaOrder.replayed).toBe(false);
    expect(sim.requests).toHaveLength(1);
  });

  it('warns at start-up that PostgreSQL has no synchronous standby', async () => {
    const sim = await simulator();
    const running = await gateway(sim, { DATABASE_URL: database.url });
    const warning = running.output.find((line) => line.includes('synchronous_standby_names is empty'));
    expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 40 });
  });
});
