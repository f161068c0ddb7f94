/**
 * The bench's printed report (Markdown, also written to bench/results/): the machine and
 * settings, the journal sync time, the closed-loop table with CPU per order first, the
 * ratios, the gateway against its BENCH_BASELINE build (if any), the slow-upstream table, and
 * issue 10's targets checked one by one.
 */
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import type { BaselineBuild } from './baseline.js';
import type { JournalSyncTime } from './journal-sync.js';
import { fixed, ratio } from './progress.js';
import { checkTargets, type FastResult, type SlowResult } from './target-checks.js';
import { APOLLO_HTTP, FLOOR, PEER, type BenchTarget } from './targets.js';

/** One target at one connection count under autocannon. */
export interface FastMeasurement extends FastResult {
  /** Completed responses. */
  total: number;
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** 2xx answers whose body has `errors` or no `orderId`. */
  bodyErrors: number;
}

/** One target (or the direct baseline) under the slow-upstream open-loop load. */
export interface SlowMeasurement extends SlowResult {
  sent: number;
  succeeded: number;
  failures: Record<string, number>;
  cpuUsPerOrder: number | undefined;
  maxInFlight: number;
  maxSendLagMs: number;
}

export interface ReportSettings {
  durationS: number;
  warmupS: number;
  connections: number[];
  slow: { ratePerSecond: number; durationS: number; delayMs: number };
  quick: boolean;
}

/** The BENCH_BASELINE build the report names in its header. */
export interface ReportBaseline extends BaselineBuild {
  /** Its target's name, e.g. `gateway@1a2b3c4`. */
  name: string;
  /** The node arguments of its own `npm start`. */
  nodeArgs: string[];
}

export interface ReportInput {
  settings: ReportSettings;
  startedAt: Date;
  busyBefore: number | undefined;
  gatewayCommit: string;
  gatewayNodeArgs: string[];
  baseline: ReportBaseline | undefined;
  withIdempotencyKey: boolean;
  targets: readonly BenchTarget[];
  sync: JournalSyncTime | undefined;
  fast: FastMeasurement[] | undefined;
  idleRssMb: Record<string, number | undefined>;
  slow: { baseline: SlowMeasurement | undefined; results: SlowMeasurement[] } | undefined;
}

/** The name of the slow-upstream baseline: the load generator calling the simulator itself. */
export const DIRECT = 'direct';

const shorten = (text: string, length: number): string => (text.length <= length ? text : `${text.slice(0, length - 1)}…`);
const failureList = (failures: Record<string, number>): string =>
  Object.entries(failures)
    .sort((a, b) => b[1] - a[1])
    .map(([label, count]) => `${count} ${label}`)
    .join(', ') || '0';

export function renderReport(input: ReportInput): string {
  const { settings, sync, fast, slow } = input;
  const cpuList = cpus();
  const lines: string[] = [];
  const names = input.targets.map((target) => target.name);
  lines.push(`# Benchmark: createOtaOrder through ${names.join(', ')}`, '');
  if (settings.quick) {
    lines.push('**Quick mode (BENCH_QUICK=1): a smoke run of the harness; its numbers are not results.**', '');
  }
  lines.push(`- Date: ${input.startedAt.toISOString()}`);
  lines.push(`- Node: ${process.version} on ${platform()} ${release()}`);
  lines.push(
    `- CPU: ${cpuList[0]?.model.trim() ?? 'unknown'}, ${cpuList.length} cores; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at the end)`,
  );
  lines.push(`- Gateway commit: ${input.gatewayCommit}`);
  const argList = (args: string[]): string => args.map((arg) => `\`${arg}\``).join(' ') || 'none';
  lines.push(`- Gateway node arguments (from \`npm start\`): ${argList(input.gatewayNodeArgs)}`);
  const baseline = input.baseline;
  if (baseline) {
    lines.push(
      `- Baseline (BENCH_BASELINE=\`${baseline.ref}\`): **${baseline.name}**, commit ${baseline.commit} (${baseline.date}) "${shorten(baseline.subject, 120)}"; ` +
        `checked out in a temporary git worktree and built by its own \`npm run build\`; dependencies: ${baseline.dependencies}; ` +
        `node arguments (from its \`npm start\`): ${argList(baseline.nodeArgs)}`,
    );
  }
  const busy = input.busyBefore;
  lines.push(
    `- CPU busy over 1 s before the bench started its processes: ${busy === undefined ? 'n/a' : `${(busy * 100).toFixed(0)} %`}` +
      (busy !== undefined && busy >= 0.1
        ? ` — **the machine was not idle**: other work competed for the ${cpuList.length} cores, so treat these numbers as noisy (CPU per order least so)`
        : '') +
      `; load average (1 min) at the end: ${(loadavg()[0] ?? 0).toFixed(2)}`,
  );
  lines.push(
    `- Fast scenarios: ${settings.durationS} s per measurement (BENCH_DURATION_S), ${settings.warmupS} s warm-up per target at ` +
      `${Math.max(...settings.connections)} connections (BENCH_WARMUP_S), connections ${settings.connections.join(', ')} (BENCH_CONNECTIONS), ` +
      'autocannon 9 without pipelining (closed loop), 10 s request timeout, measurements interleaved by connection count',
  );
  lines.push(
    `- Slow upstream: the simulator answers ${settings.slow.delayMs} ms after each order arrives (BENCH_SLOW_DELAY_MS); ` +
      `an open-loop load of ${settings.slow.ratePerSecond} orders/s (BENCH_SLOW_RATE) for ${settings.slow.durationS} s (BENCH_SLOW_DURATION_S) ` +
      `after a warm-up of ${settings.warmupS} s at that rate, against the simulator called directly (the baseline) and then each target, one after the other`,
  );
  lines.push(
    `- Request: the README's createOtaOrder mutation (success ICCID, Chinese plan name), \`Accept-Language: en-US\`, ` +
      (input.withIdempotencyKey
        ? 'a unique `idempotencyKey` per request (the schema has the field)'
        : 'no `idempotencyKey` (the schema has no such field yet)'),
  );
  lines.push(
    "- Upstream: the repo's CSSS simulator (src/simulator) in its own process on 127.0.0.1; it checks every field and the sign. " +
      "The load generator, the target and the simulator share the same cores, so absolute numbers are this machine's, not a capacity.",
  );
  lines.push(
    '- Only contenders do production work per order (input rules, authentication, the order journal on this disk, logs, metrics); ' +
      'the references validate nothing and keep no journal. The ratios measure that work plus the framework.',
  );
  lines.push('- Targets:');
  for (const target of input.targets) lines.push(`  - **${target.name}** (${target.role}): ${target.description}`);
  lines.push(
    '- Columns: CPU µs/order = user + system CPU time of the target process (all threads, /proc/PID/stat) over the measurement ÷ orders placed; ' +
      'req/s = completed responses / elapsed time; p50/p99 = exact percentiles of every response time; ' +
      'non-2xx = HTTP status outside 2xx; errors = socket errors and timeouts; GraphQL errors = 2xx bodies with `errors` or without `orderId`; ' +
      "peak RSS = the target process's peak resident memory during that measurement (VmHWM, reset per measurement).",
  );
  lines.push('');

  lines.push('## Journal sync', '');
  lines.push(
    sync
      ? `One synced SQLite commit (WAL, one row, then the journal's fdatasync of the WAL) on the disk of the gateway's DATA_DIR: median **${sync.medianMs.toFixed(2)} ms**, ` +
          `p90 ${sync.p90Ms.toFixed(2)} ms, max ${sync.maxMs.toFixed(2)} ms over ${sync.commits} commits (BENCH_SYNC_COMMITS).`
      : 'Not measured.',
  );
  lines.push('');

  if (fast) {
    lines.push('## Fast upstream (closed loop)', '');
    lines.push('| target | connections | CPU µs/order | req/s | p50 ms | p99 ms | non-2xx | errors | GraphQL errors | peak RSS MB |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const connections of settings.connections) {
      for (const name of names) {
        const m = fast.find((entry) => entry.target === name && entry.connections === connections);
        if (!m) continue;
        lines.push(
          `| ${name} | ${connections} | ${fixed(m.cpuUsPerOrder, 0)} | ${fixed(m.requestsPerSecond, 0)} | ${fixed(m.p50Ms, 2)} | ${fixed(m.p99Ms, 2)} | ` +
            `${m.non2xx} | ${m.errors} | ${m.bodyErrors} | ${fixed(m.peakRssMb, 1)} |`,
        );
      }
    }
    lines.push('');
    lines.push('Ratios of each target to the references (CPU per order and p99: lower is better; req/s: higher is better):', '');
    lines.push(
      `| connections | target | CPU/order ÷ ${PEER} | CPU/order ÷ ${APOLLO_HTTP} | req/s ÷ ${PEER} | req/s ÷ ${APOLLO_HTTP} | req/s ÷ ${FLOOR} | p99 ÷ ${PEER} | p99 ÷ ${FLOOR} |`,
    );
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const connections of settings.connections) {
      const get = (name: string): FastMeasurement | undefined =>
        fast.find((entry) => entry.target === name && entry.connections === connections);
      const [peer, apolloHttp, floor] = [get(PEER), get(APOLLO_HTTP), get(FLOOR)];
      for (const name of names) {
        const m = get(name);
        if (!m || name === PEER) continue;
        lines.push(
          `| ${connections} | ${name} | ${ratio(m.cpuUsPerOrder, peer?.cpuUsPerOrder)} | ${ratio(m.cpuUsPerOrder, apolloHttp?.cpuUsPerOrder)} | ` +
            `${ratio(m.requestsPerSecond, peer?.requestsPerSecond)} | ${ratio(m.requestsPerSecond, apolloHttp?.requestsPerSecond)} | ` +
            `${ratio(m.requestsPerSecond, floor?.requestsPerSecond)} | ${ratio(m.p99Ms, peer?.p99Ms)} | ${ratio(m.p99Ms, floor?.p99Ms)} |`,
        );
      }
    }
    lines.push('');
    for (const before of input.targets.filter((target) => target.role === 'baseline' && target.baselineOf !== undefined)) {
      const after = before.baselineOf!;
      lines.push(
        `Before and after: ${after} against ${before.name} (its build of an earlier commit), measured interleaved in this run. ` +
          'Below 1× is a gain for CPU per order and p99, above 1× for req/s:',
        '',
      );
      lines.push(
        `| connections | CPU µs/order ${before.name} → ${after} | CPU/order ${after} ÷ ${before.name} | req/s ${after} ÷ ${before.name} | p99 ${after} ÷ ${before.name} |`,
      );
      lines.push('|---:|---:|---:|---:|---:|');
      for (const connections of settings.connections) {
        const [was, now] = [before.name, after].map((name) =>
          fast.find((entry) => entry.target === name && entry.connections === connections),
        );
        if (!was || !now) continue;
        lines.push(
          `| ${connections} | ${fixed(was.cpuUsPerOrder, 0)} → ${fixed(now.cpuUsPerOrder, 0)} | ${ratio(now.cpuUsPerOrder, was.cpuUsPerOrder)} | ` +
            `${ratio(now.requestsPerSecond, was.requestsPerSecond)} | ${ratio(now.p99Ms, was.p99Ms)} |`,
        );
      }
      lines.push('');
    }
    lines.push(
      `Idle RSS after start-up and one order: ${names.map((name) => `${name} ${fixed(input.idleRssMb[name], 1)} MB`).join(', ')}.`,
    );
    const failing = fast.filter((m) => m.failed > 0);
    if (failing.length > 0) {
      lines.push('');
      lines.push(
        `**Warning:** failed requests in ${failing.map((m) => `${m.target}@${m.connections}`).join(', ')}; ` +
          'their throughput and latency include failures. See bench/results/*.log.tmp.',
      );
    }
    lines.push('');
  }

  if (slow) {
    lines.push('## Slow upstream (open loop)', '');
    lines.push(
      `Latency counts from when each order was due and covers placed orders only; "added" is the target's percentile minus the direct call's. ` +
        "CPU and RSS are the target process's over the measurement.",
      '',
    );
    lines.push(
      '| target | CPU µs/order | orders sent | placed | failed | p50 ms | p99 ms | p50 added ms | p99 added ms | most in flight | peak RSS MB |',
    );
    lines.push('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
    const base = slow.baseline;
    for (const m of [...(base ? [base] : []), ...slow.results]) {
      const isBase = m === base;
      lines.push(
        `| ${m.target} | ${isBase ? '—' : fixed(m.cpuUsPerOrder, 0)} | ${m.sent} | ${m.succeeded} | ${failureList(m.failures)} | ` +
          `${fixed(m.p50Ms, 1)} | ${fixed(m.p99Ms, 1)} | ${isBase ? '—' : fixed(m.p50Ms - (base?.p50Ms ?? Number.NaN), 1)} | ` +
          `${isBase ? '—' : fixed(m.p99Ms - (base?.p99Ms ?? Number.NaN), 1)} | ${m.maxInFlight} | ${isBase ? '—' : fixed(m.peakRssMb, 1)} |`,
      );
    }
    for (const before of input.targets.filter((target) => target.role === 'baseline' && target.baselineOf !== undefined)) {
      const [was, now] = [before.name, before.baselineOf].map((name) => slow.results.find((m) => m.target === name));
      if (!was || !now) continue;
      const added = (m: SlowMeasurement, key: 'p50Ms' | 'p99Ms'): string => fixed(m[key] - (base?.[key] ?? Number.NaN), 1);
      lines.push('');
      lines.push(
        `Before and after: ${now.target} against ${was.target}: CPU µs/order ${fixed(was.cpuUsPerOrder, 0)} → ${fixed(now.cpuUsPerOrder, 0)} ` +
          `(${ratio(now.cpuUsPerOrder, was.cpuUsPerOrder)}); p50 added ${added(was, 'p50Ms')} → ${added(now, 'p50Ms')} ms; ` +
          `p99 added ${added(was, 'p99Ms')} → ${added(now, 'p99Ms')} ms.`,
      );
    }
    const lag = Math.max(...[...(base ? [base] : []), ...slow.results].map((m) => m.maxSendLagMs));
    lines.push('');
    lines.push(
      `The load generator sent each order at most ${fixed(lag, 1)} ms after it was due` +
        (lag > 50 ? ' — **it fell behind**: the latencies include that lag.' : '.'),
    );
    lines.push('');
  }

  lines.push('## Issue 10 targets', '');
  const checks = checkTargets({
    contenders: input.targets.filter((target) => target.role === 'contender'),
    fast: fast ?? [],
    slow,
    syncMedianMs: sync?.medianMs,
    peer: PEER,
    apolloHttp: APOLLO_HTTP,
  });
  lines.push('| target | check | measured | verdict |');
  lines.push('|---|---|---|---|');
  for (const check of checks) {
    lines.push(`| ${check.target} | ${check.check} | ${check.measured} | ${check.verdict === 'met' ? 'met' : `**${check.verdict}**`} |`);
  }
  const met = checks.filter((check) => check.verdict === 'met').length;
  lines.push('', `${met} of ${checks.length} checks met.`);
  lines.push('', 'Reproduce: `npm run bench` (`BENCH_QUICK=1 npm run bench` for a smoke run of the harness).', '');
  return lines.join('\n');
}
