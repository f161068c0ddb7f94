import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { QUERY_ORDER_PATH } from '../../src/csss/query-order.wire.js';
import { CREATE_OTA_ORDER_PATH } from '../../src/csss/csss.wire.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { startCsssSimulator, type RunningCsssSimulator } from '../../src/simulator/simulator.js';
import { CreateOtaOrderDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { harnessPerTest } from '../support/gateway-harness.js';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process.js';
import { executeGraphQL } from '../support/graphql-client.js';
import { orderInput } from '../support/order-input.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/timing.js';

// Real gateway processes and the real journal CLI against the real simulator: an order
// whose answer CSSS withheld, or whose connection it dropped before placing, ends UNKNOWN
// and is then resolved from CSSS's queryOrder record.

const CLI = fileURLToPath(new URL('../../dist/src/cli/journal.js', import.meta.url));
const run = promisify(execFile);
const client = testApiKey('reconcile-client');

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  simulator: RunningCsssSimulator;
  /** The environment of the gateway and of the journal CLI: the same CSSS and journal. */
  env: Record<string, string>;
}

const stores = [
  {
    name: 'SQLite',
    journalEnv: async (): Promise<Record<string, string>> => ({ DATA_DIR: await mkdtemp(join(tmpdir(), 'csss-reconcile-')) }),
  },
  {
    name: 'PostgreSQL',
    journalEnv: async (): Promise<Record<string, string>> => {
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      return { DATABASE_URL: database.url };
    },
  },
];

async function setUp(journalEnv: Record<string, string>): Promise<Setup> {
  const simulator = await startCsssSimulator({ hangMs: 60_000 });
  cleanups.push(() => simulator.close());
  return {
    simulator,
    env: {
      CSSS_BASE_URL: simulator.url,
      CSSS_ACCESS_CODE: simulator.accessCode,
      CSSS_SECRET: simulator.secret,
      CSSS_TIMEOUT_MS: '500',
      RECONCILE_AFTER_MS: '300',
      RECONCILE_INTERVAL_MS: '100',
      ...client.env,
      ...journalEnv,
    },
  };
}

async function gateway(env: Record<string, string>): Promise<GatewayProcess> {
  const started = await spawnGateway(env);
  cleanups.push(async () => {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
    await started.exited;
  });
  return started;
}

async function journal(env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  return stdout;
}

interface ShownAttempt {
  id: number;
  idempotencyKey: string;
  status: string;
  orderId: string | null;
  reconciliation: { verdict: string; orderId: string | null; checkedAt: string; evidence: { candidates: unknown[] } } | null;
}

async function show(env: Record<string, string>, id: number): Promise<ShownAttempt> {
  return JSON.parse(await journal(env, 'show', String(id))) as ShownAttempt;
}

async function unknownAttemptId(env: Record<string, string>, idempotencyKey: string): Promise<number> {
  const line = (await journal(env, 'unknown')).split('\n').find((text) => text.includes(`key=${idempotencyKey}`));
  const id = Number(/^#(\d+)/.exec(line ?? '')?.[1]);
  expect(Number.isSafeInteger(id)).toBe(true);
  return id;
}

const order = (replica: GatewayProcess, input: ReturnType<typeof orderInput>) =>
  executeGraphQL(replica.graphqlUrl, CreateOtaOrderDocument, { input }, client.headers);
const requestsTo = (simulator: RunningCsssSimulator, path: string) => simulator.requests.filter((request) => request.path === path);

describe.each(stores)('unknown outcomes resolved from CSSS queryOrder ($name journal)', ({ journalEnv }) => {
  it('an order whose answer was withheld ends UNKNOWN, then placed with the order CSSS placed; reconcile --apply settles it and the retry replays it', async () => {
    const { simulator, env } = await setUp(await journalEnv());
    const replica = await gateway({ ...env, RECONCILE_MODE: 'report' });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.answerWithheld });

    const first = await order(replica, input);
    expect(first.body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    const id = await unknownAttemptId(env, input.idempotencyKey);
    expect(simulator.placed).toHaveLength(1);
    const placedOrderId = simulator.placed[0]!.orderId;

    // report: the gateway stores the verdict and leaves the attempt UNKNOWN.
    await waitFor(async () => (await show(env, id)).reconciliation !== null, 15_000, 100);
    const reported = await show(env, id);
    expect(reported.status).toBe('UNKNOWN');
    expect(reported.reconciliation).toMatchObject({ verdict: 'placed', orderId: placedOrderId });
    expect(reported.reconciliation?.evidence.candidates).toHaveLength(1);

    const applied = JSON.parse(await journal(env, 'reconcile', '--apply', '--json')) as Array<Record<string, unknown>>;
    expect(applied).toEqual([
      expect.objectContaining({
        attemptId: id,
        idempotencyKey: input.idempotencyKey,
        verdict: 'placed',
        orderId: placedOrderId,
        settled: true,
      }),
    ]);
    expect((await show(env, id)).status).toBe('SUCCEEDED');

    const retry = await order(replica, input);
    expect(retry.body.errors).toBeUndefined();
    expect(retry.body.data?.createOtaOrder).toMatchObject({ orderId: placedOrderId, replayed: true });
    expect(requestsTo(simulator, CREATE_OTA_ORDER_PATH)).toHaveLength(1);
    expect(simulator.placed).toHaveLength(1);
  });

  it('a connection dropped before placing ends not-found and is never settled, by the gateway or by reconcile --apply', async () => {
    const { simulator, env } = await setUp(await journalEnv());
    const replica = await gateway({ ...env, RECONCILE_MODE: 'settle' });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });

    expect((await order(replica, input)).body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    const id = await unknownAttemptId(env, input.idempotencyKey);
    await waitFor(async () => (await show(env, id)).reconciliation !== null, 15_000, 100);
    expect(await show(env, id)).toMatchObject({ status: 'UNKNOWN', reconciliation: { verdict: 'not-found', orderId: null } });

    const lines = await journal(env, 'reconcile', '--apply');
    expect(lines).toContain(`key=${input.idempotencyKey}`);
    expect(lines).toContain('verdict=not-found');
    expect(lines).not.toContain('settled');
    expect((await show(env, id)).status).toBe('UNKNOWN');

    const retry = await order(replica, input);
    expect(retry.body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(requestsTo(simulator, CREATE_OTA_ORDER_PATH)).toHaveLength(1);
    expect(simulator.placed).toEqual([]);
  });

  it('two UNKNOWN attempts on one ICCID in flight together, one order listed: both ambiguous, neither settled', async () => {
    const { simulator, env } = await setUp(await journalEnv());
    // A CSSS that takes the second order and never answers, so it places nothing.
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });
    const placing = await gateway({ ...env, RECONCILE_MODE: 'off' });
    const notPlacing = await gateway({
      ...env,
      CSSS_BASE_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      RECONCILE_MODE: 'off',
    });
    const inputs = [0, 1].map(() => orderInput({ deviceId: SIMULATOR_ICCIDS.answerWithheld }));

    const answers = await Promise.all([order(placing, inputs[0]!), order(notPlacing, inputs[1]!)]);
    for (const answer of answers) expect(answer.body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(simulator.placed).toHaveLength(1);
    const ids = [await unknownAttemptId(env, inputs[0]!.idempotencyKey), await unknownAttemptId(env, inputs[1]!.idempotencyKey)];

    // Either attempt could have placed the one order: a placed verdict for either would be a guess.
    const applied = JSON.parse(await journal(env, 'reconcile', '--apply', '--json')) as Array<Record<string, unknown>>;
    const byId = [...applied].sort((a, b) => Number(a.attemptId) - Number(b.attemptId));
    expect(byId.map((outcome) => [outcome.attemptId, outcome.verdict, outcome.orderId, outcome.settled])).toEqual(
      [...ids].sort((a, b) => a - b).map((id) => [id, 'ambiguous', null, false]),
    );
    for (const id of ids) {
      expect(await show(env, id)).toMatchObject({ status: 'UNKNOWN', orderId: null, reconciliation: { verdict: 'ambiguous' } });
    }
    expect((await show(env, ids[0]!)).reconciliation).toMatchObject({
      evidence: { contested: [{ orderCode: simulator.placed[0]!.orderId, attemptIds: [ids[1]] }] },
    });
  });

  it('RECONCILE_MODE=settle settles a withheld order as placed, so the retry replays it', async () => {
    const { simulator, env } = await setUp(await journalEnv());
    const replica = await gateway({ ...env, RECONCILE_MODE: 'settle' });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.answerWithheld });

    expect((await order(replica, input)).body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    // Until the verdict, a retry is answered CSSS_OUTCOME_UNKNOWN from the journal (nothing is sent); then it replays.
    let retry = await order(replica, input);
    await waitFor(
      async () => {
        retry = await order(replica, input);
        return retry.body.data?.createOtaOrder?.replayed === true;
      },
      15_000,
      100,
    );

    expect(retry.body.data?.createOtaOrder).toMatchObject({ orderId: simulator.placed[0]!.orderId, replayed: true });
    expect(requestsTo(simulator, CREATE_OTA_ORDER_PATH)).toHaveLength(1);
    // The journal is this test's own, so its one attempt is the first.
    const settled = await show(env, 1);
    expect(settled).toMatchObject({
      idempotencyKey: input.idempotencyKey,
      status: 'SUCCEEDED',
      orderId: simulator.placed[0]!.orderId,
      reconciliation: { verdict: 'placed' },
    });
  });
});

describe('two replicas on one PostgreSQL journal', () => {
  it('reconcile each UNKNOWN attempt once: one queryOrder per attempt, one verdict each', async () => {
    const { simulator, env } = await setUp(await stores[1]!.journalEnv());
    const [a, b] = await Promise.all([gateway({ ...env, RECONCILE_MODE: 'report' }), gateway({ ...env, RECONCILE_MODE: 'report' })]);
    const inputs = [
      orderInput({ deviceId: SIMULATOR_ICCIDS.answerWithheld }),
      orderInput({ deviceId: SIMULATOR_ICCIDS.hang }),
      orderInput({ deviceId: SIMULATOR_ICCIDS.hang }),
      orderInput({ deviceId: SIMULATOR_ICCIDS.hang }),
    ];
    const answers = await Promise.all(inputs.map((input, index) => order(index % 2 === 0 ? a! : b!, input)));
    for (const answer of answers) expect(answer.body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    const ids = await Promise.all(inputs.map((input) => unknownAttemptId(env, input.idempotencyKey)));

    await waitFor(
      async () => (await Promise.all(ids.map((id) => show(env, id)))).every((shown) => shown.reconciliation !== null),
      15_000,
      100,
    );
    const verdicts = await Promise.all(ids.map((id) => show(env, id)));
    // Both replicas keep looking every 100 ms; none asks again about an attempt with a fresh verdict.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(requestsTo(simulator, QUERY_ORDER_PATH)).toHaveLength(inputs.length);
    expect(verdicts.map((shown) => shown.reconciliation?.verdict)).toEqual(['placed', 'not-found', 'not-found', 'not-found']);
    const again = await Promise.all(ids.map((id) => show(env, id)));
    expect(again.map((shown) => shown.reconciliation?.checkedAt)).toEqual(verdicts.map((shown) => shown.reconciliation?.checkedAt));
  });
});

describe('a failing queryOrder', () => {
  const startHarnessPerTest = harnessPerTest();

  it('never opens the order breaker: orders keep flowing while every reconciliation query fails, and the metrics show it', async () => {
    // A CSSS whose queryOrder answers HTTP 500 while createOtaOrder works.
    const simulatorTarget: { url?: string } = {};
    const front = createServer((inbound, outbound) => {
      if (inbound.url === QUERY_ORDER_PATH) {
        outbound.writeHead(500).end();
        inbound.resume();
        return;
      }
      const forwarded = httpRequest(
        `${simulatorTarget.url}${inbound.url}`,
        { method: inbound.method, headers: inbound.headers },
        (answer) => {
          outbound.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outbound);
        },
      );
      // The withheld order's connection is cut by the gateway's deadline: pass the cut on.
      forwarded.on('error', () => outbound.destroy());
      outbound.on('close', () => forwarded.destroy());
      inbound.pipe(forwarded);
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    cleanups.push(() => new Promise((resolve) => front.close(resolve)));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

    const harness = await startHarnessPerTest({
      csssBaseUrl: frontUrl,
      timeoutMs: 300,
      breakerFailureThreshold: 1,
      breakerCooldownMs: 200,
      reconcile: { mode: 'settle', afterMs: 0, intervalMs: 100, recheckAfterMs: 0, maxPerMinute: 6_000 },
    });
    simulatorTarget.url = harness.simulator.url;
    const unknown = orderInput({ deviceId: SIMULATOR_ICCIDS.answerWithheld });
    expect((await harness.execute(CreateOtaOrderDocument, { input: unknown })).body.errors?.[0]?.extensions?.code).toBe(
      'CSSS_OUTCOME_UNKNOWN',
    );
    // The one transport failure above opened the breaker (threshold 1); an ordinary order after its cooldown closes it.
    await waitFor(
      async () => (await harness.execute(CreateOtaOrderDocument, { input: orderInput() })).body.data?.createOtaOrder != null,
      15_000,
      100,
    );

    const metrics = async () => (await fetch(harness.gateway.metricsUrl)).text();
    await waitFor(async () => /reconcile_query_duration_seconds_count\{result="failed"\} ([3-9]|\d\d+)/.test(await metrics()), 15_000, 100);

    const next = await harness.execute(CreateOtaOrderDocument, { input: orderInput() });
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data?.createOtaOrder?.replayed).toBe(false);
    const text = await metrics();
    expect(text).toMatch(/csss_gateway_csss_breaker_state 0/);
    expect(text).toMatch(/csss_gateway_reconcile_query_duration_seconds_count\{result="ok"\} 0/);
    expect(text).toMatch(/csss_gateway_unknown_attempts\{age="under_1m",verdict="none"\} 1/);
    expect(text).toMatch(/csss_gateway_unknown_attempt_oldest_age_seconds \d+/);
  });
});
