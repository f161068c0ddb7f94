/**
 * The processes a scenario measures: the upstream that stands in for CSSS, each target
 * started against it, the one real order every target must place before it is measured, and the
 * stores targets set up, torn down when the run ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BenchFailure } from './bench-failure.js';
import { DATA_ROOT, logPath, ROOT } from './bench-paths.js';
import { freePort, startChild, tailOfLog, waitForHttp, type BenchChild } from './children.js';
import { tallyPlaced } from './order-tally.js';
import type { BenchTarget, CsssEndpoint } from './targets.js';

export interface RunningTarget {
  target: BenchTarget;
  child: BenchChild;
  url: string;
}

/** Stores that targets set up (a PostgreSQL database) and the baseline's checkout, removed when the run ends. */
const tearDowns: Array<() => Promise<void>> = [];

export function addTearDown(tearDown: () => Promise<void>): void {
  tearDowns.push(tearDown);
}

/** Runs every tear-down once, in the order they were added; a failing one is reported and the rest still run. */
export async function tearDownAll(report: (line: string) => void): Promise<void> {
  for (const tearDown of tearDowns.splice(0)) await tearDown().catch((error: unknown) => report(`tear-down failed: ${String(error)}`));
}

/**
 * What stands in for CSSS: `simulator` is the repo's CSSS simulator (every field and sign
 * checked), answering after `delayMs` (0: at once); `cheap` is cheap-upstream-server.ts,
 * which lets the simulator check orders until it is switched to answering them at once.
 */
export type UpstreamKind = 'simulator' | 'cheap';

const UPSTREAM_SCRIPTS: Record<UpstreamKind, string> = {
  simulator: 'dist/bench/simulator-server.js',
  cheap: 'dist/bench/cheap-upstream-server.js',
};

/** Every upstream's script, so a run can clean up after a SIGKILLed one. */
export const upstreamScripts = (root: string): string[] => Object.values(UPSTREAM_SCRIPTS).map((script) => join(root, script));

/** Starts an upstream in its own process with fresh credentials and waits until it answers. */
export async function startUpstream(name: string, kind: UpstreamKind, delayMs = 0): Promise<{ child: BenchChild; csss: CsssEndpoint }> {
  if (kind === 'cheap' && delayMs > 0) throw new Error('the cheap upstream answers at once; a delay needs the simulator');
  const port = await freePort();
  const csss: CsssEndpoint = {
    baseUrl: `http://127.0.0.1:${port}`,
    accessCode: `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`,
    secret: randomBytes(24).toString('base64url'),
  };
  const child = startChild({
    name,
    script: join(ROOT, UPSTREAM_SCRIPTS[kind]),
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      SIMULATOR_PORT: String(port),
      SIMULATOR_ACCESS_CODE: csss.accessCode,
      SIMULATOR_SECRET: csss.secret,
      SIMULATOR_DELAY_MS: String(delayMs),
    },
    logPath: logPath(name),
  });
  await waitForHttp(child, csss.baseUrl, ['/']);
  return { child, csss };
}

/**
 * Starts one instance of `target`; `instance` names its log, its data directory and its
 * folder under `cpuProfileRoot` (e.g. `gateway-slow`). With `cpuProfileRoot` (BENCH_CPU_PROF)
 * it runs under V8's profiler, which writes the profile there when the process exits.
 */
export async function startTarget(
  target: BenchTarget,
  instance: string,
  csss: CsssEndpoint,
  cpuProfileRoot: string | undefined,
): Promise<RunningTarget> {
  const port = await freePort();
  const dataDir = join(DATA_ROOT, instance);
  mkdirSync(dataDir, { recursive: true });
  const store = target.setUp ? await target.setUp() : undefined;
  if (store) addTearDown(store.tearDown);
  const env = { ...target.env({ port, csss, dataDir }), ...store?.env };
  const root = target.root ?? ROOT;
  const child = startChild({
    name: instance,
    ...target.command(root),
    cwd: root,
    env,
    logPath: logPath(instance),
    cpuProfileDir: cpuProfileRoot === undefined ? undefined : join(cpuProfileRoot, instance),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(child, origin, target.readinessPaths);
  return { target, child, url: `${origin}/graphql` };
}

/** One real order through each target before anything is measured. */
export async function checkCorrectness(running: RunningTarget, body: string): Promise<string> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: running.target.headers,
      body,
      signal: AbortSignal.timeout(15_000),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw new BenchFailure(
      `${running.child.name}: correctness check failed, request did not complete: ${String(error)}\n${tailOfLog(running.child)}`,
    );
  }
  const orderId = orderIdIn(text);
  if (status !== 200 || orderId === undefined) {
    throw new BenchFailure(
      `${running.child.name}: correctness check failed: expected HTTP 200 with data.createOtaOrder.orderId, got HTTP ${status}:\n` +
        `${text.slice(0, 2000)}\n--- ${relative(ROOT, running.child.logPath)} (tail) ---\n${tailOfLog(running.child)}`,
    );
  }
  tallyPlaced(running.child.name, 1);
  return orderId;
}

/** The order id of a successful GraphQL answer; undefined for anything else. */
export function orderIdIn(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { data?: { createOtaOrder?: { orderId?: unknown } } | null; errors?: unknown };
    const orderId = json.errors === undefined ? json.data?.createOtaOrder?.orderId : undefined;
    return typeof orderId === 'string' && orderId !== '' ? orderId : undefined;
  } catch {
    return undefined;
  }
}
