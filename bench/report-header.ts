/**
 * The head of the bench's report: the machine, the commits measured, the settings, the
 * upstream, the request, the targets and what each column means.
 */
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';
import type { ReportInput } from './report.js';

const shorten = (text: string, length: number): string => (text.length <= length ? text : `${text.slice(0, length - 1)}…`);

export function headerLines(input: ReportInput): string[] {
  const { settings } = input;
  const cpuList = cpus();
  const lines: string[] = [];
  const names = input.targets.map((target) => target.name);
  lines.push(`# Benchmark: createOtaOrder through ${names.join(', ')}`, '');
  if (settings.quick) {
    lines.push('**Quick mode (BENCH_QUICK=1): a smoke run of the harness; its numbers are not results.**', '');
  }
  if (input.cpuProfileSection) {
    lines.push(
      '**Profiled run (BENCH_CPU_PROF=1): every target ran under the CPU profiler, which costs CPU, so its CPU µs/order is not comparable ' +
        'with a run without it. Read "Where the CPU goes" for shares and µs per order by area; take CPU per order from an unprofiled run.**',
      '',
    );
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
  const cheap = input.cheapUpstream;
  lines.push(
    (settings.upstream === 'cheap'
      ? '- Upstream of the fast scenarios (BENCH_UPSTREAM=cheap): `bench/cheap-upstream-server.ts`, which answers each order with the CSSS success envelope at once, ' +
        "checking neither fields nor sign, so the ratios measure the targets, not the upstream's sign checks on the same cores; each target's correctness check still goes to the repo's CSSS simulator, which checks every field and the sign" +
        (cheap ? ` (${cheap.checkedOrders} orders checked by the simulator, ${cheap.cheapOrders} answered unchecked)` : '')
      : "- Upstream of the fast scenarios (BENCH_UPSTREAM=simulator): the repo's CSSS simulator (src/simulator), which checks every field and the sign") +
      '; of the slow scenario: the simulator, answering after the delay. Each upstream runs in its own process on 127.0.0.1. ' +
      "The load generator, the target and the upstream share the same cores, so absolute numbers are this machine's, not a capacity.",
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
      "peak RSS = the target process's peak resident memory during that measurement (VmHWM, reset per measurement); " +
      'upstream CPU µs/order = the same for the upstream process, what it took from the shared cores.',
  );
  lines.push('');
  return lines;
}
