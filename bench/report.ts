/**
 * The bench's printed report (Markdown, also written to bench/results/): the machine and
 * settings, the journal sync time, the closed-loop table with CPU per order first, the
 * ratios, the gateway against its BENCH_BASELINE build (if any), the slow-upstream table,
 * issue 22's ratios and goals, and issue 10's targets, each checked one by one.
 */
import type { BaselineBuild } from './baseline.js';
import type { CheapUpstreamState } from './cheap-upstream-control.js';
import { checkCostGoals } from './cost-goals.js';
import type { JournalSyncTime } from './journal-sync.js';
import { fixed, ratio } from './progress.js';
import { headerLines } from './report-header.js';
import type { UpstreamKind } from './running-targets.js';
import { checkTargets, type FastResult, type SlowResult, type TargetCheck } from './target-checks.js';
import { APOLLO_HTTP, FLOOR, GATEWAY_POSTGRES_TARGET, GATEWAY_TARGET, PEER, type BenchTarget } from './targets.js';

/** One target at one connection count under autocannon. */
export interface FastMeasurement extends FastResult {
  /** Completed responses. */
  total: number;
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** 2xx answers whose body has `errors` or no `orderId`. */
  bodyErrors: number;
  /** The upstream's CPU over the same measurement ÷ orders placed: what it took from the shared cores. */
  upstreamCpuUsPerOrder?: number | undefined;
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
  /** What stands in for CSSS in the fast scenario (BENCH_UPSTREAM). */
  upstream: UpstreamKind;
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
  /** The cheap upstream's counts after the fast scenario; undefined when it was not the upstream. */
  cheapUpstream: CheapUpstreamState | undefined;
  slow: { baseline: SlowMeasurement | undefined; results: SlowMeasurement[] } | undefined;
  /** BENCH_CPU_PROF's "Where the CPU goes" section (profile-report.ts); undefined in a run without profiles. */
  cpuProfileSection: string[] | undefined;
}

/** The name of the slow-upstream baseline: the load generator calling the simulator itself. */
export const DIRECT = 'direct';

const failureList = (failures: Record<string, number>): string =>
  Object.entries(failures)
    .sort((a, b) => b[1] - a[1])
    .map(([label, count]) => `${count} ${label}`)
    .join(', ') || '0';

export function renderReport(input: ReportInput): string {
  const { settings, sync, fast, slow } = input;
  const lines: string[] = headerLines(input);
  const names = input.targets.map((target) => target.name);
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
    lines.push(
      '| target | connections | CPU µs/order | req/s | p50 ms | p99 ms | non-2xx | errors | GraphQL errors | peak RSS MB | upstream CPU µs/order |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const connections of settings.connections) {
      for (const name of names) {
        const m = fast.find((entry) => entry.target === name && entry.connections === connections);
        if (!m) continue;
        lines.push(
          `| ${name} | ${connections} | ${fixed(m.cpuUsPerOrder, 0)} | ${fixed(m.requestsPerSecond, 0)} | ${fixed(m.p50Ms, 2)} | ${fixed(m.p99Ms, 2)} | ` +
            `${m.non2xx} | ${m.errors} | ${m.bodyErrors} | ${fixed(m.peakRssMb, 1)} | ${fixed(m.upstreamCpuUsPerOrder, 0)} |`,
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

  lines.push(...costGoalLines(input));

  lines.push('## Issue 10 targets', '');
  lines.push(`Measured on the fast scenario's upstream above (issue 10 set them with the simulator as the upstream).`, '');
  lines.push(
    ...checkTable(
      checkTargets({
        contenders: input.targets.filter((target) => target.role === 'contender'),
        fast: fast ?? [],
        slow,
        syncMedianMs: sync?.medianMs,
        peer: PEER,
        apolloHttp: APOLLO_HTTP,
      }),
    ),
  );
  if (input.cpuProfileSection) lines.push(...input.cpuProfileSection, '');
  lines.push('Reproduce: `npm run bench` (`BENCH_QUICK=1 npm run bench` for a smoke run of the harness).', '');
  return lines.join('\n');
}

function checkTable(checks: readonly TargetCheck[]): string[] {
  const lines = ['| target | check | measured | verdict |', '|---|---|---|---|'];
  for (const check of checks) {
    lines.push(`| ${check.target} | ${check.check} | ${check.measured} | ${check.verdict === 'met' ? 'met' : `**${check.verdict}**`} |`);
  }
  const met = checks.filter((check) => check.verdict === 'met').length;
  lines.push('', `${met} of ${checks.length} checks met.`, '');
  return lines;
}

/** Issue 22: the ratios it asks for at every connection count, then its goals checked one by one. */
function costGoalLines(input: ReportInput): string[] {
  const fast = input.fast ?? [];
  const [gateway, postgres] = [GATEWAY_TARGET.name, GATEWAY_POSTGRES_TARGET.name];
  const lines = ['## Issue 22 goals', ''];
  lines.push(
    `CPU per order and p99: lower is better; req/s: higher is better. ${gateway} keeps its journal in SQLite, ${postgres} in PostgreSQL.`,
    '',
  );
  lines.push(
    `| connections | CPU/order ${gateway} ÷ ${APOLLO_HTTP} | CPU/order ${postgres} ÷ ${gateway} | req/s ${gateway} ÷ ${PEER} | ` +
      `p99 ${gateway} ÷ ${PEER} | req/s ${postgres} ÷ ${PEER} |`,
  );
  lines.push('|---:|---:|---:|---:|---:|---:|');
  for (const connections of input.settings.connections) {
    const get = (name: string): FastMeasurement | undefined =>
      fast.find((entry) => entry.target === name && entry.connections === connections);
    const [sqlite, pg, apolloHttp, peer] = [get(gateway), get(postgres), get(APOLLO_HTTP), get(PEER)];
    lines.push(
      `| ${connections} | ${ratio(sqlite?.cpuUsPerOrder, apolloHttp?.cpuUsPerOrder)} | ${ratio(pg?.cpuUsPerOrder, sqlite?.cpuUsPerOrder)} | ` +
        `${ratio(sqlite?.requestsPerSecond, peer?.requestsPerSecond)} | ${ratio(sqlite?.p99Ms, peer?.p99Ms)} | ` +
        `${ratio(pg?.requestsPerSecond, peer?.requestsPerSecond)} |`,
    );
  }
  lines.push('');
  lines.push(
    ...checkTable(checkCostGoals({ fast, slow: input.slow, gateway, gatewayPostgres: postgres, peer: PEER, apolloHttp: APOLLO_HTTP })),
  );
  return lines;
}
