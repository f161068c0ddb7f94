import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCsssSimulator, type RunningCsssSimulator } from '../../src/simulator/simulator.js';
import { CreateOtaOrderDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process.js';
import { executeGraphQL } from '../support/graphql-client.js';
import { orderInput } from '../support/order-input.js';
import { createTestDatabase, terminateGatewayConnections, type TestDatabase } from '../support/postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { startSlowUpstream, type SlowUpstream } from '../support/slow-upstream.js';
import { GRAPHQL_POLL_INTERVAL_MS, waitFor } from '../support/timing.js';

// Three gateway processes, built as `npm start` runs them, sharing one PostgreSQL journal
// and one Redis: what a deployment of several replicas behind a load balancer does.

const client = testApiKey('replica-client');
const probe = testApiKey('probe-client');
const authEnv = { AUTH_MODE: 'apikey', AUTH_API_KEYS: JSON.stringify([client.record, probe.record]) };

let database: TestDatabase;
let redis: PrivateRedis;
beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), startPrivateRedis()]);
}, 30_000);
afterAll(async () => {
  await redis?.stop();
  await database?.drop();
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await redis.start();
});

async function simulator(): Promise<RunningCsssSimulator> {
  const started = await startCsssSimulator();
  cleanups.push(() => started.close());
  return started;
}

async function slowUpstream(sim: RunningCsssSimulator, delayMs: number): Promise<SlowUpstream> {
  const started = await startSlowUpstream(sim.url, delayMs);
  cleanups.push(() => started.close());
  return started;
}

async function replicas(sim: RunningCsssSimulator, env: Record<string, string>, csssUrl = sim.url): Promise<GatewayProcess[]> {
  const started = await Promise.all(
    [1, 2, 3].map(() =>
      spawnGateway({
        CSSS_BASE_URL: csssUrl,
        CSSS_ACCESS_CODE: sim.accessCode,
        CSSS_SECRET: sim.secret,
        DATABASE_URL: database.url,
        RATE_LIMIT_REDIS_URL: redis.url,
        RATE_LIMIT_PER_SECOND: '1000',
        RATE_LIMIT_BURST: '1000',
        ...authEnv,
        ...env,
      }),
    ),
  );
  for (const replica of started) {
    cleanups.push(async () => {
      if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGKILL');
      await replica.exited;
    });
  }
  return started;
}

const order = (replica: GatewayProcess, input: ReturnType<typeof orderInput>, headers = client.headers) =>
  executeGraphQL(replica.graphqlUrl, CreateOtaOrderDocument, { input }, headers);
const attemptStatus = async (replica: GatewayProcess, idempotencyKey: string) =>
  (await executeGraphQL(replica.graphqlUrl, OtaOrderAttemptDocument, { idempotencyKey }, client.headers)).body.data?.otaOrderAttempt
    ?.status;
const codeOf = (response: Awaited<ReturnType<typeof order>>) => response.body.errors?.[0]?.extensions?.code;
const readyz = async (replica: GatewayProcess) => (await fetch(new URL('/readyz', replica.graphqlUrl))).status;
const metrics = async (replica: GatewayProcess) => (await fetch(replica.metricsUrl)).text();

describe('three replicas sharing one PostgreSQL journal', () => {
  it('send exactly one CSSS request for thirty concurrent calls with one key, and every replica replays it', async () => {
    const sim = await simulator();
    // Each order takes a second at CSSS, so every other call meets the first in flight.
    const upstream = await slowUpstream(sim, 1_000);
    const gateways = await replicas(sim, { CSSS_TIMEOUT_MS: '5000' }, upstream.url);
    const input = orderInput();

    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => order(gateways[i % 3]!, input)));

    expect(sim.requests).toHaveLength(1);
    const placed = sim.orders[0]!;
    const answers = responses.map((response) => response.body.data?.createOtaOrder?.orderId ?? codeOf(response));
    expect(answers.filter((answer) => answer === placed.orderId)).toHaveLength(1);
    expect(answers.filter((answer) => answer === 'IDEMPOTENCY_KEY_IN_PROGRESS')).toHaveLength(29);
    for (const replica of gateways) {
      const retry = await order(replica, input);
      expect(retry.body.data?.createOtaOrder).toStrictEqual({
        orderId: placed.orderId,
        simId: placed.simId,
        orderTime: placed.orderTime,
        replayed: true,
      });
      expect(await attemptStatus(replica, input.idempotencyKey)).toBe('SUCCEEDED');
      expect(codeOf(await order(replica, { ...input, days: 30 }))).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(sim.requests).toHaveLength(1);
  }, 60_000);

  it('hold one client bursting across them to the shared limit; with Redis stopped they fall back and keep ordering; with Redis back the shared limit returns', async () => {
    const sim = await simulator();
    const burst = 6;
    // The slowest refill there is (one order a second): a burst sees the burst size plus
    // one order per second it took, however slow the machine is.
    const gateways = await replicas(sim, { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: String(burst) });
    // Decisions the in-memory fallback made (a Redis call that timed out on a loaded machine
    // is a short outage of its own); each may let one more order through.
    const fallbackDecisions = async (): Promise<number> => {
      const counts = await Promise.all(
        gateways.map(async (replica) =>
          Number(/^csss_gateway_rate_limit_fallback_decisions_total (\d+)$/m.exec(await metrics(replica))?.[1]),
        ),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    };
    const burstAcross = async (): Promise<{ ok: number; limited: number; mostAllowed: number }> => {
      const [startedAt, fallbacksBefore] = [Date.now(), await fallbackDecisions()];
      const responses = await Promise.all(Array.from({ length: 3 * burst }, (_, i) => order(gateways[i % 3]!, orderInput())));
      const ok = responses.filter((response) => response.body.data?.createOtaOrder).length;
      const limited = responses.filter((response) => codeOf(response) === 'RATE_LIMITED').length;
      const fallbacks = (await fallbackDecisions()) - fallbacksBefore;
      return { ok, limited, mostAllowed: burst + Math.ceil((Date.now() - startedAt) / 1000) + fallbacks };
    };

    const shared = await burstAcross();
    expect(shared.ok).toBeGreaterThanOrEqual(burst);
    expect(shared.ok).toBeLessThanOrEqual(shared.mostAllowed);
    expect(shared.ok + shared.limited).toBe(3 * burst);

    const linesBeforeOutage = gateways.map((replica) => replica.output.length);
    await redis.stop();
    const fallen = await burstAcross();
    // Each replica now applies its own bucket: more than the shared limit lets through, and
    // every order is placed or refused as rate-limited (a replica whose Redis call timed out
    // earlier under load may have spent one of its own tokens then).
    expect(fallen.ok).toBeGreaterThan(burst + 1);
    expect(fallen.ok).toBeGreaterThanOrEqual(3 * burst - 3);
    expect(fallen.ok + fallen.limited).toBe(3 * burst);
    for (const [i, replica] of gateways.entries()) {
      // One warning for this outage, however many orders it decided meanwhile.
      const warnings = replica.output.slice(linesBeforeOutage[i]).filter((line) => line.includes('Redis cannot be reached'));
      expect(warnings).toStrictEqual([expect.stringContaining('"level":40')]);
      expect(await metrics(replica)).toContain('csss_gateway_rate_limit_fallback 1');
      expect(await readyz(replica)).toBe(200);
    }

    await redis.start();
    // Another client's calls show each replica reaching Redis again.
    await waitFor(
      async () => {
        await Promise.all(gateways.map((replica) => order(replica, orderInput(), probe.headers)));
        return gateways.every((replica) => replica.output.some((line) => line.includes('Redis answers again')));
      },
      20_000,
      GRAPHQL_POLL_INTERVAL_MS,
    );
    const restored = await burstAcross();
    expect(restored.ok).toBeLessThanOrEqual(restored.mostAllowed);
    expect(restored.limited).toBeGreaterThanOrEqual(3 * burst - restored.mostAllowed);
    for (const replica of gateways) expect(await metrics(replica)).toContain('csss_gateway_rate_limit_fallback 0');
  }, 60_000);

  it('after one replica is killed with orders in flight, the others report them UNKNOWN after the deadline, never re-send them, and keep serving', async () => {
    const sim = await simulator();
    const upstream = await slowUpstream(sim, 1_500);
    const [doomed, b, c] = await replicas(sim, { CSSS_TIMEOUT_MS: '1000' }, upstream.url);
    const inFlight = [orderInput(), orderInput(), orderInput()];

    const lost = inFlight.map((input) => order(doomed!, input).catch((error: unknown) => error));
    await waitFor(() => upstream.received === 3);
    doomed!.child.kill('SIGKILL');
    expect(await doomed!.exited).toBe('SIGKILL');
    for (const call of lost) expect(await call).toBeInstanceOf(Error);

    // Within the dead replica's deadline (CSSS_TIMEOUT_MS + 5 s) they may still be in flight.
    for (const input of inFlight) {
      expect(await attemptStatus(b!, input.idempotencyKey)).toBe('PENDING');
      expect(codeOf(await order(c!, input))).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    }
    // Meanwhile new orders are served (each waits 1.5 s at CSSS, past the 1 s deadline, so
    // they answer CSSS_OUTCOME_UNKNOWN: what matters is that they are taken and sent).
    const served = await Promise.all([order(b!, orderInput()), order(c!, orderInput())]);
    expect(served.map(codeOf)).toStrictEqual(['CSSS_OUTCOME_UNKNOWN', 'CSSS_OUTCOME_UNKNOWN']);

    await waitFor(
      async () =>
        (await Promise.all(inFlight.map((input) => attemptStatus(b!, input.idempotencyKey)))).every((status) => status === 'UNKNOWN'),
      20_000,
      GRAPHQL_POLL_INTERVAL_MS,
    );
    for (const input of inFlight) expect(codeOf(await order(c!, input))).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(upstream.received).toBe(5);
  }, 60_000);

  it('lose no attempt and send no order twice while their PostgreSQL connections are cut under load, and recover by themselves', async () => {
    const sim = await simulator();
    const gateways = await replicas(sim, {});
    const inputs = Array.from({ length: 90 }, (_, i) => orderInput({ deviceId: `8985220210113${String(i).padStart(7, '0')}` }));

    const calls = inputs.map(async (input, i) => {
      await sleep(i * 20);
      return order(gateways[i % 3]!, input);
    });
    let terminated = 0;
    for (const pause of [300, 500, 500]) {
      await sleep(pause);
      terminated += await terminateGatewayConnections(database);
    }
    const responses = await Promise.all(calls);
    expect(terminated).toBeGreaterThan(0);

    // Every answer is an order or a refusal that is safe to retry; none is an internal error.
    const codes = responses.map((response) => (response.body.data?.createOtaOrder ? 'ok' : String(codeOf(response))));
    expect(codes.filter((code) => code !== 'ok' && code !== 'SERVICE_UNAVAILABLE' && code !== 'CSSS_OUTCOME_UNKNOWN')).toStrictEqual([]);
    // No ICCID reached CSSS twice, and each that did has its attempt in the journal.
    const sent = sim.requests.map((request) => (request.body as { device_id: string }).device_id);
    expect(new Set(sent).size).toBe(sent.length);
    const journaled = await database.query<{ device: string; status: string; order_id: string | null }>(
      "SELECT request->>'deviceId' AS device, status, order_id FROM ota_order_attempts",
    );
    const byDevice = new Map(journaled.map((row) => [row.device, row]));
    for (const device of sent) expect(byDevice.get(device)).toBeDefined();
    responses.forEach((response, i) => {
      const placed = response.body.data?.createOtaOrder;
      if (placed) expect(byDevice.get(inputs[i]!.deviceId)).toMatchObject({ status: 'SUCCEEDED', order_id: placed.orderId });
      if (codeOf(response) === 'SERVICE_UNAVAILABLE') expect(sent).not.toContain(inputs[i]!.deviceId);
    });

    // Every replica recovered without a restart.
    for (const replica of gateways) {
      expect(await readyz(replica)).toBe(200);
      expect((await order(replica, orderInput())).body.data?.createOtaOrder?.replayed).toBe(false);
    }
  }, 60_000);
});
