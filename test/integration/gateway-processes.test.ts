import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, readdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { print } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { journalPathIn, SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { startCsssSimulator, type RunningCsssSimulator } from '../../src/simulator/simulator.js';
import { CreateOtaOrderDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { REPO_ROOT, spawnGateway, spawnNpmStart, type GatewayProcess, type SpawnOptions } from '../support/gateway-process.js';
import { executeGraphQL as executeWithoutKey } from '../support/graphql-client.js';
import { orderInput } from '../support/order-input.js';
import { startGatedUpstream } from '../support/slow-upstream.js';
import { GRAPHQL_POLL_INTERVAL_MS, waitFor } from '../support/timing.js';

// These run the built gateway as separate processes, as operators do, to test what only
// processes can show: a shared journal file, a crash, and a signal.

// A real CSSS URL requires authentication, so these processes accept one API key.
const apiKey = testApiKey();
const executeGraphQL: typeof executeWithoutKey = (url, document, variables) => executeWithoutKey(url, document, variables, apiKey.headers);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(): Promise<RunningCsssSimulator> {
  const started = await startCsssSimulator({ hangMs: 30_000 });
  cleanups.push(() => started.close());
  return started;
}

/** A gateway process's settings: the simulator as its CSSS, the journal in dataDir, API-key auth. */
function gatewayEnv(sim: RunningCsssSimulator, dataDir: string, extraEnv: Record<string, string>): Record<string, string> {
  return {
    CSSS_BASE_URL: sim.url,
    CSSS_ACCESS_CODE: sim.accessCode,
    CSSS_SECRET: sim.secret,
    DATA_DIR: dataDir,
    ...apiKey.env,
    ...extraEnv,
  };
}

async function gateway(
  sim: RunningCsssSimulator,
  dataDir: string,
  extraEnv: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<GatewayProcess> {
  const started = await spawnGateway(gatewayEnv(sim, dataDir, extraEnv), options);
  cleanups.push(async () => {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
    await started.exited;
  });
  return started;
}

/** `npm start` (build, then the gateway) against the simulator; killed with its group if a test leaves it running. */
async function npmStart(
  sim: RunningCsssSimulator,
  dataDir: string,
  extraEnv: Record<string, string> = {},
  checkout = REPO_ROOT,
): Promise<GatewayProcess> {
  const started = await spawnNpmStart(gatewayEnv(sim, dataDir, extraEnv), checkout);
  cleanups.push(async () => {
    if (started.child.exitCode === null && started.child.signalCode === null) process.kill(-started.child.pid!, 'SIGKILL');
    await started.exited;
  });
  return started;
}

const newDataDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'csss-gateway-processes-'));

describe('gateway processes sharing one journal file', () => {
  it('send exactly one CSSS request for twenty concurrent calls with one key across two processes', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    // The first send hangs until its deadline, so every other call meets it in flight:
    // only a claim that is atomic across both processes lets exactly one through.
    const env = { CSSS_TIMEOUT_MS: '3000' };
    const [a, b] = await Promise.all([gateway(sim, dataDir, env), gateway(sim, dataDir, env)]);
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => executeGraphQL((i % 2 ? a : b).graphqlUrl, CreateOtaOrderDocument, { input })),
    );

    expect(sim.requests).toHaveLength(1);
    const codes = responses.map((r) => r.body.errors?.[0]?.extensions?.code).sort();
    expect(codes).toEqual(['CSSS_OUTCOME_UNKNOWN', ...Array<string>(19).fill('IDEMPOTENCY_KEY_IN_PROGRESS')]);
  });
});

describe('start-up refusals and secret files', () => {
  it('refuses to start on a journal whose schema is newer than it knows, and says why', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    await new SqliteOrderJournal({ path: journalPathIn(dataDir), pendingStaleAfterMs: 60_000 }).close();
    const db = new Database(journalPathIn(dataDir));
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from a newer release', '2030-01-01')").run();
    db.close();

    const failure = await gateway(sim, dataDir).then(
      () => undefined,
      (error: unknown) => String(error),
    );
    expect(failure).toContain('gateway exited (1) before listening');
    expect(failure).toContain("the order journal's schema is at version 99, newer than this gateway knows");
    expect(sim.requests).toHaveLength(0);
  });

  it('refuses to start with a plain-http CSSS or JWKS off this machine, and says why', async () => {
    const sim = await simulator();
    const plainCsss = spawnGateway({
      CSSS_BASE_URL: 'http://csss.example.test',
      CSSS_ACCESS_CODE: sim.accessCode,
      CSSS_SECRET: sim.secret,
      ...apiKey.env,
    });
    await expect(plainCsss).rejects.toThrow(
      /exited \(1\)[\s\S]*CSSS_BASE_URL must be an https:\/\/ URL \(got "http:\/\/csss.example.test"\): over plain http anyone on the network path/,
    );
    const plainJwks = spawnGateway({
      AUTH_MODE: 'jwt',
      AUTH_JWT_ISSUER: 'https://idp.example.test',
      AUTH_JWT_AUDIENCE: 'csss-gateway',
      AUTH_JWKS_URL: 'http://idp.example.test/jwks.json',
    });
    await expect(plainJwks).rejects.toThrow(/exited \(1\)[\s\S]*AUTH_JWKS_URL must be an https:\/\/ URL[^\n]*swap the keys/);
  });

  it('reads the CSSS credentials from files, as container secret mounts provide them, and orders with them', async () => {
    const sim = await simulator();
    const folder = await newDataDir();
    await writeFile(join(folder, 'csss-secret'), `${sim.secret}\n`);
    await writeFile(join(folder, 'csss-access-code'), `${sim.accessCode}\n`);
    const started = await spawnGateway({
      CSSS_BASE_URL: sim.url,
      CSSS_ACCESS_CODE_FILE: join(folder, 'csss-access-code'),
      CSSS_SECRET_FILE: join(folder, 'csss-secret'),
      DATA_DIR: folder,
      ...apiKey.env,
    });
    cleanups.push(async () => {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
      await started.exited;
    });
    const { body } = await executeGraphQL(started.graphqlUrl, CreateOtaOrderDocument, { input: orderInput() });
    expect(body.data?.createOtaOrder.orderId).toMatch(/^ORDER_/);
    expect(sim.requests).toHaveLength(1);
    expect(started.output.join('\n')).not.toContain(sim.secret);
  });
});

describe('a gateway killed while an order is in flight', () => {
  it('leaves the attempt UNKNOWN after a restart, and a retry does not send it again', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const env = { CSSS_TIMEOUT_MS: '1000' };
    const first = await gateway(sim, dataDir, env);
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });

    const lost = executeGraphQL(first.graphqlUrl, CreateOtaOrderDocument, { input }).catch((error: unknown) => error);
    await waitFor(() => sim.requests.length === 1);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(await lost).toBeInstanceOf(Error);

    const second = await gateway(sim, dataDir, env);
    await waitFor(
      async () => {
        const { body } = await executeGraphQL(second.graphqlUrl, OtaOrderAttemptDocument, {
          idempotencyKey: input.idempotencyKey,
        });
        return body.data?.otaOrderAttempt?.status === 'UNKNOWN';
      },
      15_000,
      GRAPHQL_POLL_INTERVAL_MS,
    );
    const retry = await executeGraphQL(second.graphqlUrl, CreateOtaOrderDocument, { input });

    expect(retry.body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(sim.requests).toHaveLength(1);
  });
});

describe('a slow but healthy CSSS, with the shipped limits', () => {
  it(
    'sends a burst of orders to CSSS all at once: none refused, none left waiting for a connection, breaker closed',
    { timeout: 60_000 },
    async () => {
      const burst = 150;
      const sim = await simulator();
      // CSSS answers none until all of them are in flight at once.
      const gated = await startGatedUpstream(sim.url, burst);
      cleanups.push(() => gated.close());
      // Only what a burst from one client on a busy test machine needs is changed: the
      // per-client limits and a deadline long enough for every order to arrive. The bulkhead,
      // the CSSS connection pool and the breaker keep their shipped defaults.
      const started = await gateway(sim, await newDataDir(), {
        CSSS_BASE_URL: gated.url,
        CSSS_TIMEOUT_MS: '30000',
        RATE_LIMIT_PER_SECOND: '1000',
        RATE_LIMIT_BURST: '1000',
        REQUEST_RATE_LIMIT_PER_SECOND: '1000',
        REQUEST_RATE_LIMIT_BURST: '1000',
      });

      const results = await Promise.all(
        Array.from({ length: burst }, () => executeGraphQL(started.graphqlUrl, CreateOtaOrderDocument, { input: orderInput() })),
      );

      expect(results.flatMap(({ body }) => body.errors ?? [])).toEqual([]);
      expect(sim.orders).toHaveLength(burst);
      const metrics = (await (await fetch(started.metricsUrl)).text()).split('\n');
      expect(metrics).toContain('csss_gateway_csss_breaker_state 0');
    },
  );
});

describe('SIGTERM', () => {
  it('stops taking requests, lets the order in flight finish and record its outcome, and exits 0', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const running = await gateway(sim, dataDir, { CSSS_TIMEOUT_MS: '1500' });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });

    const inFlight = executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input });
    await waitFor(() => sim.requests.length === 1);
    running.child.kill('SIGTERM');
    await waitFor(() => running.output.some((line) => line.includes('shutting down')));
    // Between the signal and the listener closing, a request may still get a 503; after it,
    // the connection is refused. Either way no new order is taken.
    const refused = await executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input: orderInput() }).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );

    if (refused instanceof Error) {
      // Refused at the socket, not some other failure (a 500 would not even parse as JSON).
      expect(refused).toMatchObject({
        message: 'fetch failed',
        cause: { code: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)$/) },
      });
    } else {
      expect(refused.status).toBe(503);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    }
    expect((await inFlight).body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(await running.exited).toBe(0);
    expect(sim.requests).toHaveLength(1);

    const journal = new SqliteOrderJournal({ path: journalPathIn(dataDir), pendingStaleAfterMs: 60_000 });
    cleanups.push(() => journal.close());
    const attempt = await journal.findLatest('apikey:test-client', input.idempotencyKey);
    expect(attempt).toMatchObject({ status: 'UNKNOWN', detail: 'deadline passed' });
  });
});

describe('a journal on a disk that fills up', () => {
  it('turns /readyz to 503 once an order cannot be journaled, and back to 200 once the disk has room', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const running = await gateway(sim, dataDir, {}, { fileSizeLimitKiB: 256 });
    const readyz = async (): Promise<number> => (await fetch(new URL('/readyz', running.graphqlUrl))).status;
    expect(await readyz()).toBe(200);

    // Each order adds pages to the journal's write-ahead log until the limit refuses them.
    let refusal: Response | undefined;
    for (let i = 0; i < 500 && refusal === undefined; i += 1) {
      const response = await fetch(running.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...apiKey.headers },
        body: JSON.stringify({ query: print(CreateOtaOrderDocument), variables: { input: orderInput() } }),
      });
      if (response.status !== 200) refusal = response;
      else await response.body?.cancel();
    }

    // Like every other SERVICE_UNAVAILABLE: 503 with Retry-After, so proxies and dashboards see it.
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers.get('retry-after')).toBe('5');
    expect(((await refusal?.json()) as { errors: Array<{ extensions: Record<string, unknown> }> }).errors[0]?.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfterSeconds: 5,
    });
    // One request for both checks: the first /readyz after the failed write starts a
    // one-page probe write, which may still fit under the file-size limit that refused
    // the order's larger write, so a second /readyz could already see the probe succeed.
    const notReady = await fetch(new URL('/readyz', running.graphqlUrl));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'unavailable' });
    expect((await fetch(new URL('/healthz', running.graphqlUrl))).status).toBe(200);

    // Room again: readiness recovers by itself (no order needs to arrive), and orders go through.
    execFileSync('prlimit', ['--pid', String(running.child.pid), '--fsize=unlimited:']);
    await waitFor(async () => (await readyz()) === 200);
    const placed = await executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input: orderInput() });
    expect(placed.body.data?.createOtaOrder.replayed).toBe(false);
  });
});

describe('Ctrl-C on `npm start`', () => {
  // npm start compiles first, which takes a while on a busy machine.
  it(
    'finishes and journals the order in flight although the group gets the signal twice and then a stop again',
    { timeout: 90_000 },
    async () => {
      const sim = await simulator();
      const dataDir = await newDataDir();
      const running = await npmStart(sim, dataDir, { CSSS_TIMEOUT_MS: '4000' });
      const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
      const inFlight = executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input });
      await waitFor(() => sim.requests.length === 1);

      // As a terminal does: the whole group gets SIGINT, and npm forwards it to node again.
      process.kill(-running.child.pid!, 'SIGINT');
      await waitFor(() => running.output.some((line) => line.includes('shutting down')));
      // A second, separate request to stop (systemd's SIGTERM to the group) must not cut it short either.
      await sleep(1_200);
      process.kill(-running.child.pid!, 'SIGTERM');
      await waitFor(() => running.output.some((line) => line.includes('still shutting down')));

      expect((await inFlight).body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
      expect(await running.exited).toBe(0);
      expect(sim.requests).toHaveLength(1);
      const journal = new SqliteOrderJournal({ path: journalPathIn(dataDir), pendingStaleAfterMs: 60_000 });
      cleanups.push(() => journal.close());
      expect(await journal.findLatest('apikey:test-client', input.idempotencyKey)).toMatchObject({
        status: 'UNKNOWN',
        detail: 'deadline passed',
      });
    },
  );

  it('stops at once on a third separate signal, marking its order in flight UNKNOWN first', async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const running = await gateway(sim, dataDir, { CSSS_TIMEOUT_MS: '10000' });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
    const inFlight = executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input }).catch((error: unknown) => error);
    await waitFor(() => sim.requests.length === 1);

    for (const expected of ['shutting down', 'still shutting down', 'stopping at once']) {
      running.child.kill('SIGINT');
      await waitFor(() => running.output.some((line) => line.includes(expected)));
      if (expected !== 'stopping at once') await sleep(1_200);
    }

    expect(await running.exited).toBe(130);
    expect(await inFlight).toBeInstanceOf(Error);
    const journal = new SqliteOrderJournal({ path: journalPathIn(dataDir), pendingStaleAfterMs: 60_000 });
    cleanups.push(() => journal.close());
    // Not left PENDING for the sweep: an operator sees it UNKNOWN at once, and why.
    expect(await journal.findLatest('apikey:test-client', input.idempotencyKey)).toMatchObject({
      status: 'UNKNOWN',
      detail: 'the gateway was stopped at once while the order was in flight',
    });
    expect(sim.requests).toHaveLength(1);
  });
});

describe('gateways started from one checkout', () => {
  /** A checkout of its own, with what `npm start` reads, so its builds race only each other. */
  async function checkoutCopy(): Promise<string> {
    const copy = await mkdtemp(join(tmpdir(), 'csss-gateway-checkout-'));
    for (const name of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'src']) {
      await cp(join(REPO_ROOT, name), join(copy, name), { recursive: true });
    }
    await symlink(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
    return copy;
  }

  async function filesIn(folder: string): Promise<Map<string, string>> {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true });
    const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
    return new Map(await Promise.all(files.map(async (file) => [file, await readFile(file, 'utf8')] as const)));
  }

  it('both start when started at once, and a restart after a change starts while they run', { timeout: 240_000 }, async () => {
    const sim = await simulator();
    const dataDir = await newDataDir();
    const checkout = await checkoutCopy();

    const both = await Promise.all([npmStart(sim, dataDir, {}, checkout), npmStart(sim, dataDir, {}, checkout)]);
    const loaded = await realpath(join(checkout, 'dist'));
    const loadedFiles = await filesIn(loaded);
    // A changed source makes the next start compile again while the first two run.
    await appendFile(join(checkout, 'src', 'main.ts'), '\nexport const changedForTheRestart = true;\n');
    const restarted = await npmStart(sim, dataDir, {}, checkout);

    for (const running of [...both, restarted]) {
      const { body } = await executeGraphQL(running.graphqlUrl, CreateOtaOrderDocument, { input: orderInput() });
      expect(body.data?.createOtaOrder.replayed).toBe(false);
    }
    // The build the first two loaded was not rewritten under them: a process loading it
    // at any moment, even during the rebuild, gets one whole build.
    expect(await filesIn(loaded)).toEqual(loadedFiles);
    const rebuilt = await realpath(join(checkout, 'dist'));
    expect(rebuilt).not.toBe(loaded);
    expect(await readFile(join(rebuilt, 'src', 'main.js'), 'utf8')).toContain('changedForTheRestart');
    expect(sim.orders).toHaveLength(3);
  });
});
