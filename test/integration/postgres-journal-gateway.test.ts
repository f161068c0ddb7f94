import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { startCsssSimulator, type RunningCsssSimulator } from '../../src/simulator/simulator.js';
import { CreateOtaOrderDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { harnessPerTest } from '../support/gateway-harness.js';
import { spawnGateway, spawnGatewayChild } from '../support/gateway-process.js';
import { executeGraphQL } from '../support/graphql-client.js';
import { orderInput } from '../support/order-input.js';
import { createTestDatabase, TEST_POSTGRES_ADMIN_URL, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/timing.js';
import { freePort } from '../support/free-port.js';

// The gateway on the PostgreSQL journal when the database goes away: reached through a
// proxy that the test stops and starts, never by stopping the shared server.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function proxyToDatabase(): Promise<{ proxy: TcpProxy; url: string }> {
  const admin = new URL(TEST_POSTGRES_ADMIN_URL);
  const proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
  cleanups.push(() => proxy.stop());
  const url = new URL(database.url);
  url.host = `127.0.0.1:${proxy.port}`;
  // The server trusts local connections, so the password only shows whether it leaks.
  url.password = DATABASE_PASSWORD;
  return { proxy, url: url.toString() };
}

const startHarness = harnessPerTest();
const DATABASE_PASSWORD = 'never-logged-db-password';

describe('the gateway on the PostgreSQL journal', () => {
  it('answers SERVICE_UNAVAILABLE without calling CSSS and is not ready while the database is down, and recovers by itself', async () => {
    const { proxy, url } = await proxyToDatabase();
    const harness = await startHarness({ database: { url: new Secret(url), poolSize: 4, statementTimeoutMs: 500 } });
    const readyz = async (): Promise<number> => (await fetch(new URL('/readyz', harness.gateway.graphqlUrl))).status;
    expect((await harness.execute(CreateOtaOrderDocument, { input: orderInput() })).body.data?.createOtaOrder?.replayed).toBe(false);
    expect(await readyz()).toBe(200);

    await proxy.stop();
    const refused = await harness.execute(CreateOtaOrderDocument, { input: orderInput() });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(harness.simulator.requests).toHaveLength(1);
    expect(await readyz()).toBe(503);

    await proxy.start();
    await waitFor(async () => (await readyz()) === 200);
    const input = orderInput();
    expect((await harness.execute(CreateOtaOrderDocument, { input })).body.data?.createOtaOrder?.replayed).toBe(false);
    expect((await harness.execute(CreateOtaOrderDocument, { input })).body.data?.createOtaOrder?.replayed).toBe(true);
    expect(harness.simulator.requests).toHaveLength(2);
    expect(harness.logs.lines.join('\n')).not.toContain(DATABASE_PASSWORD);
  });

  it('stops cleanly on SIGTERM while it waits at start-up for a database that is down', async () => {
    const { proxy, url } = await proxyToDatabase();
    await proxy.stop();
    const sim = await startCsssSimulator();
    cleanups.push(() => sim.close());
    const port = await freePort();
    const child = spawnGatewayChild(gatewayEnv(sim, port, url, testApiKey().env));
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = once(child, 'exit');
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await waitFor(() => output.join('').includes('the order journal database cannot be reached'));

    child.kill('SIGTERM');
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toStrictEqual({ code: 0, signal: null });
    expect(output.join('')).toContain('stopped before start-up finished');
    // The API port it had opened is closed again.
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  });

  it('waits at start-up for a database that is down, logging why and not ready, and serves once it comes', async () => {
    const { proxy, url } = await proxyToDatabase();
    await proxy.stop();
    const sim = await startCsssSimulator();
    cleanups.push(() => sim.close());
    const port = await freePort();
    const apiKey = testApiKey();
    const starting = spawnGateway(gatewayEnv(sim, port, url, apiKey.env));
    const readyz = async (): Promise<number | string> =>
      fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.status,
        (error: unknown) => String(error),
      );
    await waitFor(async () => (await readyz()) === 503);
    // Still not ready a few backoff rounds later.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await readyz()).toBe(503);

    await proxy.start();
    const gateway = await starting;
    cleanups.push(async () => {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    });
    expect(await readyz()).toBe(200);
    const waits = gateway.output.filter((line) => line.includes('the order journal database cannot be reached'));
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(waits[0]).toContain(`127.0.0.1:${proxy.port}/${database.name}`);
    expect(waits[0]).toContain('ECONNREFUSED');
    const placed = await executeGraphQL(gateway.graphqlUrl, CreateOtaOrderDocument, { input: orderInput() }, apiKey.headers);
    expect(placed.body.data?.createOtaOrder?.replayed).toBe(false);
    expect(gateway.output.join('\n')).not.toContain(DATABASE_PASSWORD);
  }, 40_000);
});

/** A gateway process on a fixed port, the simulator as its CSSS and the journal at databaseUrl. */
function gatewayEnv(sim: RunningCsssSimulator, port: number, databaseUrl: string, authEnv: Record<string, string>): Record<string, string> {
  return {
    PORT: String(port),
    CSSS_BASE_URL: sim.url,
    CSSS_ACCESS_CODE: sim.accessCode,
    CSSS_SECRET: sim.secret,
    DATABASE_URL: databaseUrl,
    ...authEnv,
  };
}
