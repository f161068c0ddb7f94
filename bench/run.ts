/**
 * `npm run bench`: the gateway as shipped against references (a floor of bare node:http +
 * undici, a peer of Apollo standalone + RESTDataSource, bare-apollo and apollo-http), all in
 * front of the same upstream CSSS simulator, each in its own process. Two scenarios:
 *
 * - fast upstream: autocannon (closed loop) at several connection counts;
 * - slow upstream: the simulator answers after a delay, and a paced open-loop load runs
 *   against the simulator called directly (the baseline) and against each target.
 *
 * Before either it times one synced journal commit on the gateway's disk. With
 * BENCH_BASELINE=<git ref> it first builds that commit in a temporary worktree (baseline.ts)
 * and runs its gateway beside this one everywhere, as the "before" of a change. Prints CPU
 * time per order, req/s, latency and RSS, and checks issue 10's targets. Writes
 * bench/results/latest.md (quick mode: bench/results/quick.md.tmp) and prints it. Never run
 * by tests or CI. Settings: see readSettings and bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE } from '../src/csss/csss.wire.js';
import {
  currentRssMb,
  freePort,
  killAllChildrenNow,
  PeakRss,
  startChild,
  stopAllChildren,
  stopChild,
  tailOfLog,
  usePidFile,
  waitForHttp,
  whenChildDies,
  type BenchChild,
} from './children.js';
import {
  BaselineError,
  baselineCheckoutPath,
  buildBaseline,
  removeBaselineCheckout,
  resolveBaselineCommit,
  type BaselineCommit,
} from './baseline.js';
import { measureJournalSync, type JournalSyncTime } from './journal-sync.js';
import { runOpenLoop, type OpenLoopRequest } from './open-loop-load.js';
import { BENCH_ORDER_INPUT, createBodyFactory, schemaHasIdempotencyKey, signedParams, toWire } from './order.js';
import { startCpuWindow } from './process-cpu.js';
import { DIRECT, renderReport, type FastMeasurement, type ReportBaseline, type ReportSettings, type SlowMeasurement } from './report.js';
import {
  baselineGatewayTarget,
  GATEWAY_TARGET,
  shippedNodeArgs,
  TARGETS,
  targetScripts,
  type BenchTarget,
  type CsssEndpoint,
} from './targets.js';

// dist/bench/run.js → the repo root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = join(ROOT, 'bench/results');
/** Every instance's data directory (the gateway's DATA_DIR) lives under here; git-ignored as *.tmp, removed at the end. */
const DATA_ROOT = join(RESULTS_DIR, 'data.tmp');
/** Where BENCH_BASELINE's commit is checked out and built (outside the repo; see baselineCheckoutPath). */
const BASELINE_ROOT = baselineCheckoutPath(ROOT);

class BenchFailure extends Error {}

type Scenario = 'fast' | 'slow';

interface Settings extends ReportSettings {
  targets: readonly BenchTarget[];
  /** BENCH_BASELINE's commit: built and run beside the gateway as its "before". */
  baseline: BaselineCommit | undefined;
  scenarios: ReadonlySet<Scenario>;
  syncCommits: number;
  outPath: string;
}

/**
 * BENCH_QUICK=1 shortens everything for a smoke run of the harness and writes to a
 * git-ignored file, so a run on a busy machine never replaces the committed results.
 * Explicit settings still win over its defaults.
 */
function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const quick = env.BENCH_QUICK === '1';
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new BenchFailure(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
    return value;
  };
  const list = (name: string, fallback: string): string[] =>
    (env[name]?.trim() || fallback)
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');

  const rawConnections = list('BENCH_CONNECTIONS', quick ? '1,32' : '1,8,32,64');
  const connections = rawConnections.map(Number);
  if (connections.length === 0 || connections.some((value) => !Number.isSafeInteger(value) || value < 1 || value > 1000)) {
    throw new BenchFailure(
      `BENCH_CONNECTIONS must be a comma-separated list of integers from 1 to 1000, got "${rawConnections.join(',')}"`,
    );
  }
  const targetNames = list('BENCH_TARGETS', TARGETS.map((target) => target.name).join(','));
  const unknown = targetNames.filter((name) => !TARGETS.some((target) => target.name === name));
  if (unknown.length > 0)
    throw new BenchFailure(`BENCH_TARGETS names unknown targets: ${unknown.join(', ')} (known: ${TARGETS.map((t) => t.name).join(', ')})`);
  const targets = TARGETS.filter((target) => targetNames.includes(target.name));
  // The baseline is the gateway's "before": it comes with BENCH_BASELINE whatever BENCH_TARGETS
  // says, and is pointless without the gateway to set it against.
  const baselineRef = env.BENCH_BASELINE?.trim() || undefined;
  if (baselineRef !== undefined && !targets.includes(GATEWAY_TARGET)) {
    throw new BenchFailure(
      `BENCH_BASELINE runs an earlier gateway beside ${GATEWAY_TARGET.name}; BENCH_TARGETS must include ${GATEWAY_TARGET.name}`,
    );
  }
  const scenarioNames = list('BENCH_SCENARIOS', 'fast,slow');
  if (scenarioNames.some((name) => name !== 'fast' && name !== 'slow')) {
    throw new BenchFailure(`BENCH_SCENARIOS must list fast and/or slow, got "${scenarioNames.join(',')}"`);
  }
  return {
    quick,
    durationS: number('BENCH_DURATION_S', quick ? 2 : 10, 0.5, 600),
    warmupS: number('BENCH_WARMUP_S', quick ? 1 : 3, 0.5, 600),
    connections,
    targets,
    baseline: baselineRef === undefined ? undefined : resolveBaselineCommit(ROOT, baselineRef),
    scenarios: new Set(scenarioNames as Scenario[]),
    slow: {
      ratePerSecond: number('BENCH_SLOW_RATE', quick ? 50 : 250, 1, 5000),
      durationS: number('BENCH_SLOW_DURATION_S', quick ? 3 : 20, 0.5, 600),
      delayMs: number('BENCH_SLOW_DELAY_MS', 2000, 0, 60_000),
    },
    syncCommits: number('BENCH_SYNC_COMMITS', quick ? 30 : 200, 1, 10_000),
    outPath: join(RESULTS_DIR, quick ? 'quick.md.tmp' : 'latest.md'),
  };
}

interface RunningTarget {
  target: BenchTarget;
  child: BenchChild;
  url: string;
}

const say = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

const sleep = (ms: number): Promise<void> => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

function logPath(name: string): string {
  // *.tmp under bench/results is git-ignored.
  return join(RESULTS_DIR, `${name}.log.tmp`);
}

async function startSimulator(name: string, delayMs: number): Promise<{ child: BenchChild; csss: CsssEndpoint }> {
  const port = await freePort();
  const csss: CsssEndpoint = {
    baseUrl: `http://127.0.0.1:${port}`,
    accessCode: `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`,
    secret: randomBytes(24).toString('base64url'),
  };
  const child = startChild({
    name,
    script: join(ROOT, 'dist/bench/simulator-server.js'),
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

/** Stores that targets set up (a PostgreSQL database), removed when the run ends. */
const tearDowns: Array<() => Promise<void>> = [];

/** Starts one instance of `target`; `instance` names its log and data directory (e.g. `gateway-slow`). */
async function startTarget(target: BenchTarget, instance: string, csss: CsssEndpoint): Promise<RunningTarget> {
  const port = await freePort();
  const dataDir = join(DATA_ROOT, instance);
  mkdirSync(dataDir, { recursive: true });
  const store = target.setUp ? await target.setUp() : undefined;
  if (store) tearDowns.push(store.tearDown);
  const env = { ...target.env({ port, csss, dataDir }), ...store?.env };
  const root = target.root ?? ROOT;
  const child = startChild({ name: instance, ...target.command(root), cwd: root, env, logPath: logPath(instance) });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(child, origin, target.readinessPaths);
  return { target, child, url: `${origin}/graphql` };
}

/** One real order through each target before anything is measured. */
async function checkCorrectness(running: RunningTarget, body: string): Promise<string> {
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
  return orderId;
}

/** The order id of a successful GraphQL answer; undefined for anything else. */
function orderIdIn(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { data?: { createOtaOrder?: { orderId?: unknown } } | null; errors?: unknown };
    const orderId = json.errors === undefined ? json.data?.createOtaOrder?.orderId : undefined;
    return typeof orderId === 'string' && orderId !== '' ? orderId : undefined;
  } catch {
    return undefined;
  }
}

/** Exact percentile (nearest rank) of response times in ms. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

type ClosedLoopResult = Omit<FastMeasurement, 'peakRssMb' | 'cpuUsPerOrder'>;

async function closedLoad(
  running: RunningTarget,
  connections: number,
  durationS: number,
  nextBody: () => string,
): Promise<ClosedLoopResult> {
  let bodyErrors = 0;
  // autocannon's own histogram has 1 ms resolution; keep every response time instead.
  let times = new Float64Array(1 << 16);
  let count = 0;
  const result = await new Promise<autocannon.Result>((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: running.url,
        method: 'POST',
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
        headers: running.target.headers,
        requests: [
          {
            // A fresh body per request: each order carries its own idempotencyKey when the schema has one.
            setupRequest: (request) => ({ ...request, body: nextBody() }),
            onResponse: (status, body) => {
              if (status >= 200 && status < 300 && (!body.includes('"orderId"') || body.includes('"errors"'))) bodyErrors += 1;
            },
          },
        ],
      },
      (error: unknown, finished: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolvePromise(finished),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (count === times.length) {
        const grown = new Float64Array(times.length * 2);
        grown.set(times);
        times = grown;
      }
      times[count] = responseTime;
      count += 1;
    });
  });
  const sorted = times.subarray(0, count).sort();
  const errors = result.errors + result.timeouts;
  return {
    target: running.target.name,
    connections,
    requestsPerSecond: result.requests.total / result.duration,
    total: result.requests.total,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    non2xx: result.non2xx,
    errors,
    bodyErrors,
    failed: result.non2xx + errors + bodyErrors,
  };
}

/** Closed-loop load on one target with its CPU per order and peak RSS over the same window. */
async function measureClosedLoop(
  running: RunningTarget,
  connections: number,
  durationS: number,
  nextBody: () => string,
): Promise<FastMeasurement> {
  const rss = new PeakRss(running.child.pid);
  rss.start();
  const cpu = startCpuWindow(running.child.pid);
  const measured = await closedLoad(running, connections, durationS, nextBody);
  const placed = measured.total - measured.non2xx - measured.bodyErrors;
  return { ...measured, cpuUsPerOrder: cpu.perOrderUs(placed), peakRssMb: rss.stop() };
}

/** Share of all cores busy over one second, from /proc/stat (Linux); undefined elsewhere. */
async function cpuBusyShare(): Promise<number | undefined> {
  const sample = (): { idle: number; total: number } | undefined => {
    try {
      const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
      const total = fields.reduce((sum, value) => sum + value, 0);
      return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total };
    } catch {
      return undefined;
    }
  };
  const first = sample();
  await sleep(1000);
  const second = sample();
  if (!first || !second || second.total === first.total) return undefined;
  return 1 - (second.idle - first.idle) / (second.total - first.total);
}

function gitDescription(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'package.json'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${commit} + uncommitted changes in src/ or package.json` : commit;
  } catch {
    return 'unknown';
  }
}

/** The fast scenario: every target against the simulator, closed loop, at each connection count. */
async function runFastScenario(
  settings: Settings,
  nextBody: () => string,
): Promise<{ measurements: FastMeasurement[]; idleRssMb: Record<string, number | undefined> }> {
  const simulator = await startSimulator('simulator', 0);
  say(`simulator up at ${simulator.csss.baseUrl} (pid ${simulator.child.pid})`);
  const running = await Promise.all(settings.targets.map((target) => startTarget(target, target.name, simulator.csss)));
  for (const r of running) say(`${r.target.name} up at ${r.url} (pid ${r.child.pid})`);

  const idleRssMb: Record<string, number | undefined> = {};
  for (const r of running) {
    const orderId = await checkCorrectness(r, nextBody());
    idleRssMb[r.target.name] = currentRssMb(r.child.pid);
    say(`${r.target.name}: correctness check passed (order ${orderId})`);
  }

  const maxConnections = Math.max(...settings.connections);
  for (const r of running) {
    say(`${r.target.name}: warm-up ${settings.warmupS} s at ${maxConnections} connections`);
    await closedLoad(r, maxConnections, settings.warmupS, nextBody);
    await sleep(500);
  }

  const measurements: FastMeasurement[] = [];
  for (const connections of settings.connections) {
    for (const r of running) {
      const m = await measureClosedLoop(r, connections, settings.durationS, nextBody);
      measurements.push(m);
      say(
        `${m.target} @ ${connections}: CPU ${fixed(m.cpuUsPerOrder, 0)} µs/order, ${fixed(m.requestsPerSecond, 0)} req/s, p50 ${fixed(m.p50Ms, 2)} ms, ` +
          `p99 ${fixed(m.p99Ms, 2)} ms, non-2xx ${m.non2xx}, errors ${m.errors}, GraphQL errors ${m.bodyErrors}, peak RSS ${fixed(m.peakRssMb, 1)} MB`,
      );
      await sleep(500);
    }
  }
  // The slow scenario starts its own instances; these would only hold memory and timers meanwhile.
  await Promise.all([...running.map((r) => stopChild(r.child)), stopChild(simulator.child)]);
  return { measurements, idleRssMb };
}

/** How the open-loop generator calls something: requests and what counts as a placed order. */
interface OpenLoopTarget {
  name: string;
  url: string;
  nextRequest: () => OpenLoopRequest;
  classify: (status: number, body: string) => string | undefined;
  pid: number | undefined;
}

/** A GraphQL target: placed when the answer is HTTP 200 with an order id and no errors. */
function graphqlOpenLoopTarget(running: RunningTarget, nextBody: () => string): OpenLoopTarget {
  return {
    name: running.target.name,
    url: running.url,
    pid: running.child.pid,
    nextRequest: () => ({ headers: running.target.headers, body: nextBody() }),
    classify: (status, body) => {
      if (status === 200 && orderIdIn(body) !== undefined) return undefined;
      let code: unknown;
      try {
        code = (JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] }).errors?.[0]?.extensions?.code;
      } catch {
        code = 'not JSON';
      }
      return `HTTP ${status}${code === undefined ? '' : ` ${String(code)}`}`;
    },
  };
}

/** The baseline: the load generator signs and sends the order to the (slow) simulator itself. */
function directOpenLoopTarget(csss: CsssEndpoint): OpenLoopTarget {
  const wire = toWire(BENCH_ORDER_INPUT);
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'accept-language': 'en-US' };
  return {
    name: DIRECT,
    url: `${csss.baseUrl}${CREATE_OTA_ORDER_PATH}`,
    pid: undefined,
    // Signed when due: the signature carries a timestamp the simulator checks.
    nextRequest: () => ({ headers, body: JSON.stringify(signedParams(wire, csss.accessCode, csss.secret)) }),
    classify: (status, body) => {
      let code: unknown;
      try {
        const envelope = JSON.parse(body) as { code?: unknown; success?: unknown };
        if (status === 200 && envelope.code === CSSS_SUCCESS_CODE && envelope.success === true) return undefined;
        code = envelope.code;
      } catch {
        code = 'not JSON';
      }
      return `HTTP ${status} CSSS ${String(code)}`;
    },
  };
}

async function measureOpenLoop(target: OpenLoopTarget, slow: Settings['slow'], durationS: number): Promise<SlowMeasurement> {
  const rss = target.pid === undefined ? undefined : new PeakRss(target.pid);
  rss?.start();
  const cpu = target.pid === undefined ? undefined : startCpuWindow(target.pid);
  const result = await runOpenLoop({
    url: target.url,
    ratePerSecond: slow.ratePerSecond,
    durationS,
    nextRequest: target.nextRequest,
    classify: target.classify,
    // Far beyond the upstream delay and the gateway's own CSSS deadline: a late answer is still measured.
    timeoutMs: slow.delayMs + 30_000,
  });
  const failed = Object.values(result.failures).reduce((sum, count) => sum + count, 0);
  return {
    target: target.name,
    sent: result.sent,
    succeeded: result.succeeded,
    failures: result.failures,
    failed,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    maxInFlight: result.maxInFlight,
    maxSendLagMs: result.maxSendLagMs,
    cpuUsPerOrder: cpu?.perOrderUs(result.succeeded),
    peakRssMb: rss?.stop(),
  };
}

/**
 * The slow-upstream scenario: a simulator that answers after a delay, fresh instances of
 * the targets that take part, and the same paced open-loop load against the simulator
 * directly and then each target in turn. Each gets a warm-up at the same rate first.
 */
async function runSlowScenario(
  settings: Settings,
  nextBody: () => string,
): Promise<{ baseline: SlowMeasurement; results: SlowMeasurement[] }> {
  const { slow } = settings;
  const simulator = await startSimulator('simulator-slow', slow.delayMs);
  say(`slow simulator up at ${simulator.csss.baseUrl}, answering after ${slow.delayMs} ms (pid ${simulator.child.pid})`);
  const participants = settings.targets.filter((target) => target.slowUpstream);
  const running = await Promise.all(participants.map((target) => startTarget(target, `${target.name}-slow`, simulator.csss)));
  for (const r of running) {
    const orderId = await checkCorrectness(r, nextBody());
    say(`${r.child.name}: up at ${r.url} (pid ${r.child.pid}), correctness check passed (order ${orderId})`);
  }

  const loads = [directOpenLoopTarget(simulator.csss), ...running.map((r) => graphqlOpenLoopTarget(r, nextBody))];
  const measurements: SlowMeasurement[] = [];
  for (const target of loads) {
    say(`slow upstream, ${target.name}: warm-up ${settings.warmupS} s at ${slow.ratePerSecond} orders/s`);
    await measureOpenLoop(target, slow, settings.warmupS);
    await sleep(500);
    const m = await measureOpenLoop(target, slow, slow.durationS);
    measurements.push(m);
    say(
      `slow upstream, ${m.target}: CPU ${fixed(m.cpuUsPerOrder, 0)} µs/order, ${m.succeeded} of ${m.sent} placed, p50 ${fixed(m.p50Ms, 1)} ms, ` +
        `p99 ${fixed(m.p99Ms, 1)} ms, ${m.maxInFlight} in flight at most, peak RSS ${fixed(m.peakRssMb, 1)} MB` +
        (m.failed > 0 ? `, failed: ${JSON.stringify(m.failures)}` : ''),
    );
    await sleep(500);
  }
  await Promise.all([...running.map((r) => stopChild(r.child)), stopChild(simulator.child)]);
  const [baseline, ...results] = measurements;
  return { baseline: baseline!, results };
}

/** Aborted when the run shuts down: stops a baseline install or build that is still going. */
const shuttingDownSignal = new AbortController();

/**
 * Checks out and builds BENCH_BASELINE's commit, and returns the targets with its gateway
 * right after this one's, so every table shows them side by side. Its checkout is removed
 * when the run ends, however it ends.
 */
async function withBaseline(settings: Settings): Promise<{ settings: Settings; baseline: ReportBaseline | undefined }> {
  if (!settings.baseline) return { settings, baseline: undefined };
  const commit = settings.baseline;
  tearDowns.push(() => Promise.resolve(removeBaselineCheckout(ROOT, BASELINE_ROOT)));
  say(`baseline: building ${commit.shortCommit} (BENCH_BASELINE=${commit.ref}) in ${BASELINE_ROOT}`);
  const startedAt = Date.now();
  const build = await buildBaseline(ROOT, commit, BASELINE_ROOT, logPath('baseline-build'), shuttingDownSignal.signal);
  say(`baseline: built in ${((Date.now() - startedAt) / 1000).toFixed(0)} s; dependencies: ${build.dependencies}`);
  const target = baselineGatewayTarget(build);
  const targets = settings.targets.flatMap((entry) => (entry === GATEWAY_TARGET ? [entry, target] : [entry]));
  return {
    settings: { ...settings, targets },
    baseline: { ...build, name: target.name, nodeArgs: shippedNodeArgs(build.root) },
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const requested = readSettings();
  mkdirSync(RESULTS_DIR, { recursive: true });
  usePidFile(join(RESULTS_DIR, 'children.pid.tmp'), [
    ...targetScripts(ROOT, [BASELINE_ROOT]),
    join(ROOT, 'dist/bench/simulator-server.js'),
  ]);
  // A SIGKILLed run may have left its checkout behind (its gateway was killed just above).
  removeBaselineCheckout(ROOT, BASELINE_ROOT);
  // Before the idle check and the sync time: the build is over before either is measured.
  const { settings, baseline } = await withBaseline(requested);
  const busyBefore = await cpuBusyShare();
  if (busyBefore !== undefined && busyBefore >= 0.1) {
    say(`the CPU is ${(busyBefore * 100).toFixed(0)} % busy before the bench starts: other work is running, results will be noisy`);
  }
  rmSync(DATA_ROOT, { recursive: true, force: true });
  mkdirSync(DATA_ROOT);

  // Before any child runs, so the disk is as quiet as this machine gets.
  const sync: JournalSyncTime = await measureJournalSync(join(DATA_ROOT, 'sync-probe'), settings.syncCommits);
  say(`journal sync: median ${sync.medianMs.toFixed(2)} ms, p90 ${sync.p90Ms.toFixed(2)} ms over ${sync.commits} commits`);

  const withIdempotencyKey = schemaHasIdempotencyKey(join(ROOT, 'schema/schema.graphql'));
  const bodies = createBodyFactory(withIdempotencyKey);
  say(
    `schema ${withIdempotencyKey ? 'has' : 'has no'} CreateOtaOrderInput.idempotencyKey; ${withIdempotencyKey ? 'sending a unique one per request' : 'not sending one'}`,
  );

  const fast = settings.scenarios.has('fast') ? await runFastScenario(settings, bodies.next) : undefined;
  const slow = settings.scenarios.has('slow') ? await runSlowScenario(settings, bodies.next) : undefined;

  const markdown = renderReport({
    settings,
    startedAt,
    busyBefore,
    gatewayCommit: gitDescription(),
    gatewayNodeArgs: shippedNodeArgs(ROOT),
    baseline,
    withIdempotencyKey,
    targets: settings.targets,
    sync,
    fast: fast?.measurements,
    idleRssMb: fast?.idleRssMb ?? {},
    slow,
  });
  writeFileSync(settings.outPath, markdown);
  process.stdout.write(`${markdown}\n`);
  say(`written to ${relative(ROOT, settings.outPath)}`);
}

// Every child dies with the runner, however it ends.
process.on('exit', killAllChildrenNow);
let cleanedUp: Promise<void> | undefined;
/** Cleans up once; a second call (a signal, then main failing because of it) waits for that cleanup rather than exiting halfway. */
async function shutdown(code: number): Promise<never> {
  cleanedUp ??= (async () => {
    shuttingDownSignal.abort();
    await stopAllChildren();
    rmSync(DATA_ROOT, { recursive: true, force: true });
    for (const tearDown of tearDowns.splice(0)) await tearDown().catch((error: unknown) => say(`tear-down failed: ${String(error)}`));
  })();
  await cleanedUp;
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping every child process`);
    void shutdown(130);
  });
}
whenChildDies((child, code, signal) => {
  say(`${child.name} (pid ${child.pid}) exited unexpectedly (${signal ?? `code ${code}`}); aborting.\n${tailOfLog(child)}`);
  void shutdown(1);
});

main().then(
  () => shutdown(0),
  (error: unknown) => {
    say(
      error instanceof BenchFailure || error instanceof BaselineError
        ? error.message
        : `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    void shutdown(1);
  },
);
