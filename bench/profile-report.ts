/**
 * The report's "Where the CPU goes" section, from profile-summary.ts's sums: per profiled
 * target its areas and top functions, then each gateway target against apollo-http.
 */
import { fixed } from './progress.js';
import { START_UP } from './profile-areas.js';
import type { AreaCost, ProfileComparison, ProfileSummary, TargetProfile } from './profile-summary.js';

/** Areas below this share of the busy main thread are summed into one row. */
const SMALLEST_SHOWN_SHARE = 0.002;
/** Side by side, areas below this many µs per order on both sides are summed into one row. */
const SMALLEST_COMPARED_US = 0.5;

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
const seconds = (us: number): string => `${(us / 1e6).toFixed(2)} s`;
const perOrder = (us: number | undefined): string => fixed(us, 1);

function areaRows(target: TargetProfile): string[] {
  const shown = target.areas.filter((area) => area.share >= SMALLEST_SHOWN_SHARE);
  const rest = target.areas.filter((area) => area.share < SMALLEST_SHOWN_SHARE);
  const sum = (areas: AreaCost[], key: 'selfUs' | 'share'): number => areas.reduce((total, area) => total + area[key], 0);
  const lines = ['| area | share of busy | µs/order |', '|---|---:|---:|'];
  for (const area of shown) lines.push(`| ${area.area} | ${percent(area.share)} | ${perOrder(area.usPerOrder)} |`);
  if (rest.length > 0) {
    const selfUs = sum(rest, 'selfUs');
    lines.push(
      `| ${rest.length} smaller areas | ${percent(sum(rest, 'share'))} | ${perOrder(target.orders ? selfUs / target.orders : undefined)} |`,
    );
  }
  const startUpShare = target.busyUs > 0 ? target.startUpUs / target.busyUs : 0;
  lines.push(`| **all but start-up** | ${percent(1 - startUpShare)} | **${perOrder(target.usPerOrder)}** |`);
  lines.push(`| ${START_UP}, once | ${percent(startUpShare)} | — (${seconds(target.startUpUs)}) |`);
  return lines;
}

function targetLines(target: TargetProfile): string[] {
  const lines = [`### ${target.target}`, ''];
  lines.push(
    `Main thread busy ${seconds(target.busyUs)} (start-up ${seconds(target.startUpUs)}), ` +
      `${target.orders ?? 'an unknown number of'} orders placed: **${perOrder(target.usPerOrder)} µs/order** after start-up` +
      (target.files.length > 1 ? ` (${target.files.length} profiles summed)` : '') +
      (target.otherThreadsBusyUs > 0 ? `; worker threads, not in the tables: ${seconds(target.otherThreadsBusyUs)} busy` : '') +
      (target.processCpuUsPerOrder === undefined
        ? ''
        : `. The process's CPU time over its life, all threads, less that start-up: ${perOrder(target.processCpuUsPerOrder)} µs/order`) +
      '.',
    '',
  );
  lines.push(...areaRows(target), '');
  lines.push(`Top ${target.topFunctions.length} functions by self time (start-up left out):`, '');
  lines.push('| function | where | area | share of busy | µs/order |', '|---|---|---|---:|---:|');
  for (const entry of target.topFunctions) {
    lines.push(
      `| \`${entry.functionName}\` | ${entry.location} | ${entry.area} | ${percent(entry.share)} | ${perOrder(entry.usPerOrder)} |`,
    );
  }
  lines.push('');
  return lines;
}

export function profileSummaryLines(summary: ProfileSummary): string[] {
  const lines: string[] = [];
  if (summary.missing.length > 0) {
    lines.push(
      `**No profile from ${summary.missing.join(', ')}**: the process did not exit by itself in time (killed), so V8 never wrote it.`,
      '',
    );
  }
  for (const comparison of summary.comparisons) {
    lines.push(`### ${comparison.target} against ${comparison.reference}, µs per order by area`, '');
    lines.push(`Largest difference first; start-up left out.`, '');
    lines.push(`| area | ${comparison.target} µs/order | ${comparison.reference} µs/order | difference |`, '|---|---:|---:|---:|');
    const isSmall = (row: ProfileComparison['rows'][number]): boolean =>
      row.targetUsPerOrder < SMALLEST_COMPARED_US && row.referenceUsPerOrder < SMALLEST_COMPARED_US;
    for (const row of comparison.rows.filter((entry) => !isSmall(entry))) {
      lines.push(
        `| ${row.area} | ${perOrder(row.targetUsPerOrder)} | ${perOrder(row.referenceUsPerOrder)} | ${signed(row.differenceUs)} |`,
      );
    }
    const small = comparison.rows.filter(isSmall);
    if (small.length > 0) {
      const sum = (key: 'targetUsPerOrder' | 'referenceUsPerOrder'): number => small.reduce((total, row) => total + row[key], 0);
      const [target, reference] = [sum('targetUsPerOrder'), sum('referenceUsPerOrder')];
      lines.push(
        `| ${small.length} areas under ${SMALLEST_COMPARED_US} µs on both sides | ${perOrder(target)} | ${perOrder(reference)} | ${signed(target - reference)} |`,
      );
    }
    const total = (key: 'targetUsPerOrder' | 'referenceUsPerOrder'): number => comparison.rows.reduce((sum, row) => sum + row[key], 0);
    const [target, reference] = [total('targetUsPerOrder'), total('referenceUsPerOrder')];
    lines.push(`| **all** | **${perOrder(target)}** | **${perOrder(reference)}** | **${signed(target - reference)}** |`, '');
  }
  for (const target of summary.targets) lines.push(...targetLines(target));
  return lines;
}

const signed = (us: number): string => `${us >= 0 ? '+' : '−'}${Math.abs(us).toFixed(1)}`;

/** The report's section: what the figures are, then the tables. */
export function whereTheCpuGoesSection(summary: ProfileSummary): string[] {
  return [
    '## Where the CPU goes',
    '',
    "**A profiled run (BENCH_CPU_PROF=1)**: every target ran under V8's sampling profiler (`--cpu-prof`), which costs CPU itself, " +
      "so this run's CPU µs/order is not comparable with a run without it. Read the shares and the µs per order by area here; " +
      'take CPU per order from a run without BENCH_CPU_PROF.',
    '',
    "Self time of each process's main thread (V8 samples only the thread running JavaScript; libuv's pool and GC helper threads " +
      'are not in it, so on a quiet machine the totals are below the CPU µs/order column), summed by area (bench/README.md says how a sample gets its area), ' +
      'divided by the orders that process placed over its whole life (correctness check, warm-up, every measurement). ' +
      'Start-up (module loading and compiling) is its own line and outside every µs/order. ' +
      'V8 samples wall time: a main thread that is ready but waiting for a core (other processes on the machine) counts as busy, ' +
      "so each target's line also gives its process's CPU time per order over its life (all threads, /proc) to check the profile against. " +
      'The profiles and `summary.json` are in bench/results/profiles/.',
    '',
    ...profileSummaryLines(summary),
  ];
}
