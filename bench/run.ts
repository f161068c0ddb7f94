/**
 * `npm run bench`: the gateway as shipped against a floor (bare node:http + undici) and a
 * peer (Apollo standalone + RESTDataSource), all in front of the same upstream CSSS
 * simulator, each in its own process, loaded by autocannon at several connection counts.
 * Writes bench/results/latest.md and prints it. Never run by tests or CI.
 *
 * Env: BENCH_DURATION_S (default 10), BENCH_WARMUP_S (default 3),
 *      BENCH_CONNECTIONS (default "1,8,32,64").
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  currentRssMb,
  freePort,
  killAllChildrenNow,
  PeakRss,
  startChild,
  stopAllChildren,
  tailOfLog,
  usePidFile,
  waitForHttp,
  whenChildDies,
  type BenchChild,
} from './children.js';
import { createBodyFactory, schemaHasIdempotencyKey } from './order.js';
import {
  benchServerEnv,
  gatewayEnv,
  readinessPaths,
  requestHeaders,
  TARGET_DESCRIPTIONS,
  TARGET_NAMES,
  shippedNodeArgs,
  targetCommand,
  type CsssEndpoint,
  type TargetName,
} from './targets.js';

// dist/bench/run.js → the repo root.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = join(ROOT, 'bench/results');

class BenchFailure extends Error {}

interface Settings {
  durationS: number;
  warmupS: number;
  connections: number[];
}

function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const seconds = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > 600) throw new BenchFailure(`${name} must be a number of seconds from 0 to 600, got "${raw}"`);
    return value;
  };
  const rawConnections = env.BENCH_CONNECTIONS?.trim() || '1,8,32,64';
  const connections = rawConnections.split(',').map((part) => Number(part.trim()));
  if (connections.some((value) => !Number.isSafeInteger(value) || value < 1 || value > 1000)) {
    throw new BenchFailure(`BENCH_CONNECTIONS must be a comma-separated list of integers from 1 to 1000, got "${rawConnections}"`);
  }
  return { durationS: seconds('BENCH_DURATION_S', 10), warmupS: seconds('BENCH_WARMUP_S', 3), connections };
}

interface RunningTarget {
  name: TargetName;
  child: BenchChild;
  url: string;
  idleRssMb: number | undefined;
}

interface Measurement {
  target: TargetName;
  connections: number;
  requestsPerSecond: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** 2xx answers whose body has `errors` or no `orderId`. */
  bodyErrors: number;
  peakRssMb: number | undefined;
}

const say = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

function logPath(name: string): string {
  // *.tmp under bench/results is git-ignored.
  return join(RESULTS_DIR, `${name}.log.tmp`);
}

async function startSimulator(): Promise<{ child: BenchChild; csss: CsssEndpoint }> {
  const port = await freePort();
  const csss: CsssEndpoint = {
    baseUrl: `http://127.0.0.1:${port}`,
    accessCode: `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`,
    secret: randomBytes(24).toString('base64url'),
  };
  const child = startChild({
    name: 'simulator',
    script: join(ROOT, 'dist/bench/simulator-server.js'),
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      SIMULATOR_PORT: String(port),
      SIMULATOR_ACCESS_CODE: csss.accessCode,
      SIMULATOR_SECRET: csss.secret,
    },
    logPath: logPath('simulator'),
  });
  await waitForHttp(child, csss.baseUrl, ['/']);
  return { child, csss };
}

/** The gateway's DATA_DIR for this run (git-ignored as *.tmp); emptied at start and removed at the end. */
const GATEWAY_DATA_DIR = join(RESULTS_DIR, 'gateway-data.tmp');

async function startTarget(name: TargetName, csss: CsssEndpoint): Promise<RunningTarget> {
  const port = await freePort();
  const env = name === 'gateway' ? gatewayEnv({ port, csss, dataDir: GATEWAY_DATA_DIR }) : benchServerEnv({ port, csss });
  const child = startChild({ name, ...targetCommand(ROOT, name), cwd: ROOT, env, logPath: logPath(name) });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(child, origin, readinessPaths(name));
  return { name, child, url: `${origin}/graphql`, idleRssMb: undefined };
}

/** One real order through each target before anything is measured. */
async function checkCorrectness(target: RunningTarget, body: string): Promise<string> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: requestHeaders(target.name),
      body,
      signal: AbortSignal.timeout(15_000),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw new BenchFailure(`${target.name}: correctness check failed, request did not complete: ${String(error)}\n${tailOfLog(target.child)}`);
  }
  let orderId: unknown;
  try {
    const json = JSON.parse(text) as { data?: { createOtaOrder?: { orderId?: unknown } } | null; errors?: unknown };
    if (json.errors === undefined) orderId = json.data?.createOtaOrder?.orderId;
  } catch {
    orderId = undefined;
  }
  if (status !== 200 || typeof orderId !== 'string' || orderId === '') {
    throw new BenchFailure(
      `${target.name}: correctness check failed: expected HTTP 200 with data.createOtaOrder.orderId, got HTTP ${status}:\n` +
        `${text.slice(0, 2000)}\n--- ${relative(ROOT, target.child.logPath)} (tail) ---\n${tailOfLog(target.child)}`,
    );
  }
  return orderId;
}

/** Exact percentile (nearest rank) of response times in ms. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

async function load(
  target: RunningTarget,
  connections: number,
  durationS: number,
  nextBody: () => string,
): Promise<Omit<Measurement, 'peakRssMb'>> {
  let bodyErrors = 0;
  // autocannon's own histogram has 1 ms resolution; keep every response time instead.
  let times = new Float64Array(1 << 16);
  let count = 0;
  const result = await new Promise<autocannon.Result>((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
        headers: requestHeaders(target.name),
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
      (error: unknown, finished: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolvePromise(finished)),
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
  return {
    target: target.name,
    connections,
    requestsPerSecond: result.requests.total / result.duration,
    total: result.requests.total,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    bodyErrors,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

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

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;

function renderMarkdown(options: {
  settings: Settings;
  measurements: Measurement[];
  targets: RunningTarget[];
  withIdempotencyKey: boolean;
  startedAt: Date;
  busyBefore: number | undefined;
}): string {
  const { settings, measurements, targets, withIdempotencyKey, startedAt, busyBefore } = options;
  const cpuList = cpus();
  const lines: string[] = [];
  lines.push('# Benchmark: createOtaOrder through the gateway, the floor, the peer and bare Apollo', '');
  lines.push(`- Date: ${startedAt.toISOString()}`);
  lines.push(`- Node: ${process.version} on ${platform()} ${release()}`);
  lines.push(`- CPU: ${cpuList[0]?.model.trim() ?? 'unknown'}, ${cpuList.length} cores; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at the end)`);
  lines.push(`- Gateway commit: ${gitDescription()}`);
  lines.push(`- Gateway node arguments (from \`npm start\`): ${shippedNodeArgs(ROOT).map((arg) => `\`${arg}\``).join(' ') || 'none'}`);
  lines.push(
    `- CPU busy over 1 s before the bench started its processes: ${busyBefore === undefined ? 'n/a' : `${(busyBefore * 100).toFixed(0)} %`}` +
      (busyBefore !== undefined && busyBefore >= 0.1
        ? ` — **the machine was not idle**: other work competed for the ${cpuList.length} cores, so treat these numbers as noisy`
        : '') +
      `; load average (1 min) at the end: ${(loadavg()[0] ?? 0).toFixed(2)}`,
  );
  lines.push(
    `- Settings: ${settings.durationS} s per measurement (BENCH_DURATION_S), ${settings.warmupS} s warm-up per target at ` +
      `${Math.max(...settings.connections)} connections (BENCH_WARMUP_S), connections ${settings.connections.join(', ')} (BENCH_CONNECTIONS), ` +
      'autocannon 9 without pipelining, 10 s request timeout, measurements interleaved by connection count',
  );
  lines.push(
    `- Request: the README's createOtaOrder mutation (success ICCID, Chinese plan name), \`Accept-Language: en-US\`, ` +
      (withIdempotencyKey ? 'a unique `idempotencyKey` per request (the schema has the field)' : 'no `idempotencyKey` (the schema has no such field yet)'),
  );
  lines.push(
    '- Upstream: the repo\'s CSSS simulator (src/simulator) in its own process on 127.0.0.1; it checks every field and the sign. ' +
      'The load generator, the target and the simulator share the same cores, so absolute numbers are this machine\'s, not a capacity.',
  );
  lines.push(
    '- Only the gateway does its production work per order (input rules, and the SQLite order journal in DATA_DIR on this disk when it keeps one); ' +
      'the floor, the peer and bare-apollo validate nothing and keep no journal. The ratios measure that work plus the framework.',
  );
  lines.push('- Targets:');
  for (const name of TARGET_NAMES) lines.push(`  - **${name}**: ${TARGET_DESCRIPTIONS[name]}`);
  lines.push(
    '- Columns: req/s = completed responses / elapsed time; p50/p99 = exact percentiles of every response time; ' +
      'non-2xx = HTTP status outside 2xx; errors = socket errors and timeouts; GraphQL errors = 2xx bodies with `errors` or without `orderId`; ' +
      'peak RSS = the target process\'s peak resident memory during that measurement (VmHWM, reset per measurement).',
  );
  lines.push('');
  lines.push('| target | connections | req/s | p50 ms | p99 ms | non-2xx | errors | GraphQL errors | peak RSS MB |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const connections of settings.connections) {
    for (const name of TARGET_NAMES) {
      const m = measurements.find((entry) => entry.target === name && entry.connections === connections);
      if (!m) continue;
      lines.push(
        `| ${name} | ${connections} | ${fixed(m.requestsPerSecond, 0)} | ${fixed(m.p50Ms, 2)} | ${fixed(m.p99Ms, 2)} | ` +
          `${m.non2xx} | ${m.errors} | ${m.bodyErrors} | ${fixed(m.peakRssMb, 1)} |`,
      );
    }
  }
  lines.push('');
  lines.push('Ratios (throughput: higher is better for the gateway; p99: lower is better for the gateway):', '');
  lines.push(
    '| connections | req/s gateway/floor | req/s gateway/peer | p99 gateway/floor | p99 gateway/peer | req/s gateway/bare-apollo | req/s bare-apollo/peer |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|');
  for (const connections of settings.connections) {
    const get = (name: TargetName): Measurement | undefined =>
      measurements.find((entry) => entry.target === name && entry.connections === connections);
    const [gateway, floor, peer, bare] = [get('gateway'), get('floor'), get('peer'), get('bare-apollo')];
    lines.push(
      `| ${connections} | ${ratio(gateway?.requestsPerSecond, floor?.requestsPerSecond)} | ${ratio(gateway?.requestsPerSecond, peer?.requestsPerSecond)} | ` +
        `${ratio(gateway?.p99Ms, floor?.p99Ms)} | ${ratio(gateway?.p99Ms, peer?.p99Ms)} | ` +
        `${ratio(gateway?.requestsPerSecond, bare?.requestsPerSecond)} | ${ratio(bare?.requestsPerSecond, peer?.requestsPerSecond)} |`,
    );
  }
  lines.push('');
  lines.push(`Idle RSS after start-up and one order: ${targets.map((t) => `${t.name} ${fixed(t.idleRssMb, 1)} MB`).join(', ')}.`);
  const failing = measurements.filter((m) => m.non2xx + m.errors + m.bodyErrors > 0);
  if (failing.length > 0) {
    lines.push('');
    lines.push(
      `**Warning:** failed requests in ${failing.map((m) => `${m.target}@${m.connections}`).join(', ')}; ` +
        'their throughput and latency include failures. See bench/results/*.log.tmp.',
    );
  }
  lines.push('', 'Reproduce: `npm run bench` (or `BENCH_DURATION_S=5 npm run bench`).', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const settings = readSettings();
  mkdirSync(RESULTS_DIR, { recursive: true });
  usePidFile(join(RESULTS_DIR, 'children.pid.tmp'), [
    ...TARGET_NAMES.map((name) => targetCommand(ROOT, name).script),
    join(ROOT, 'dist/bench/simulator-server.js'),
  ]);
  const busyBefore = await cpuBusyShare();
  if (busyBefore !== undefined && busyBefore >= 0.1) {
    say(`the CPU is ${(busyBefore * 100).toFixed(0)} % busy before the bench starts: other work is running, results will be noisy`);
  }
  rmSync(GATEWAY_DATA_DIR, { recursive: true, force: true });
  mkdirSync(GATEWAY_DATA_DIR);

  const withIdempotencyKey = schemaHasIdempotencyKey(join(ROOT, 'schema/schema.graphql'));
  const bodies = createBodyFactory(withIdempotencyKey);
  say(`schema ${withIdempotencyKey ? 'has' : 'has no'} CreateOtaOrderInput.idempotencyKey; ${withIdempotencyKey ? 'sending a unique one per request' : 'not sending one'}`);

  const simulator = await startSimulator();
  say(`simulator up at ${simulator.csss.baseUrl} (pid ${simulator.child.pid})`);
  const targets = await Promise.all(TARGET_NAMES.map((name) => startTarget(name, simulator.csss)));
  for (const target of targets) say(`${target.name} up at ${target.url} (pid ${target.child.pid})`);

  for (const target of targets) {
    const orderId = await checkCorrectness(target, bodies.next());
    target.idleRssMb = currentRssMb(target.child.pid);
    say(`${target.name}: correctness check passed (order ${orderId})`);
  }

  const maxConnections = Math.max(...settings.connections);
  for (const target of targets) {
    say(`${target.name}: warm-up ${settings.warmupS} s at ${maxConnections} connections`);
    await load(target, maxConnections, settings.warmupS, bodies.next);
    await sleep(500);
  }

  const measurements: Measurement[] = [];
  for (const connections of settings.connections) {
    for (const target of targets) {
      const rss = new PeakRss(target.child.pid);
      rss.start();
      const measured = await load(target, connections, settings.durationS, bodies.next);
      const measurement: Measurement = { ...measured, peakRssMb: rss.stop() };
      measurements.push(measurement);
      say(
        `${target.name} @ ${connections}: ${fixed(measurement.requestsPerSecond, 0)} req/s, p50 ${fixed(measurement.p50Ms, 2)} ms, ` +
          `p99 ${fixed(measurement.p99Ms, 2)} ms, non-2xx ${measurement.non2xx}, errors ${measurement.errors}, ` +
          `GraphQL errors ${measurement.bodyErrors}, peak RSS ${fixed(measurement.peakRssMb, 1)} MB`,
      );
      await sleep(500);
    }
  }

  const markdown = renderMarkdown({ settings, measurements, targets, withIdempotencyKey, startedAt, busyBefore });
  const outPath = join(RESULTS_DIR, 'latest.md');
  writeFileSync(outPath, markdown);
  process.stdout.write(`${markdown}\n`);
  say(`written to ${relative(ROOT, outPath)}`);
}

// Every child dies with the runner, however it ends.
process.on('exit', killAllChildrenNow);
let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    await stopAllChildren();
    rmSync(GATEWAY_DATA_DIR, { recursive: true, force: true });
  }
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
    say(error instanceof BenchFailure ? error.message : `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void shutdown(1);
  },
);
