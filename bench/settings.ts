/**
 * The runner's settings, read from BENCH_* environment variables (bench/README.md lists
 * them). A bad value stops the run before anything starts.
 */
import { join } from 'node:path';
import { BenchFailure } from './bench-failure.js';
import { resolveBaselineCommit, type BaselineCommit } from './baseline.js';
import { PROFILES_DIR, RESULTS_DIR, ROOT } from './bench-paths.js';
import type { ReportSettings } from './report.js';
import { GATEWAY_TARGETS, TARGETS, type BenchTarget } from './targets.js';

export type Scenario = 'fast' | 'slow';

export interface Settings extends ReportSettings {
  targets: readonly BenchTarget[];
  /** BENCH_BASELINE's commit: built and run beside the gateway as its "before". */
  baseline: BaselineCommit | undefined;
  scenarios: ReadonlySet<Scenario>;
  syncCommits: number;
  outPath: string;
  /** BENCH_CPU_PROF=1: every target instance writes a V8 CPU profile into its own folder under this one. */
  cpuProfileRoot: string | undefined;
}

/**
 * BENCH_QUICK=1 shortens everything for a smoke run of the harness and writes to a
 * git-ignored file, so a run on a busy machine never replaces the committed results.
 * Explicit settings still win over its defaults.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
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
  // The baseline is the gateway targets' "before": it comes with BENCH_BASELINE whatever
  // BENCH_TARGETS says, and is pointless without a gateway to set it against.
  const baselineRef = env.BENCH_BASELINE?.trim() || undefined;
  if (baselineRef !== undefined && !targets.some((target) => GATEWAY_TARGETS.includes(target))) {
    throw new BenchFailure(
      `BENCH_BASELINE runs an earlier build beside each gateway target; BENCH_TARGETS must include ${GATEWAY_TARGETS.map((t) => t.name).join(' or ')}`,
    );
  }
  const upstream = env.BENCH_UPSTREAM?.trim() || 'cheap';
  if (upstream !== 'cheap' && upstream !== 'simulator') {
    throw new BenchFailure(`BENCH_UPSTREAM must be cheap or simulator, got "${upstream}"`);
  }
  const scenarioNames = list('BENCH_SCENARIOS', 'fast,slow');
  if (scenarioNames.some((name) => name !== 'fast' && name !== 'slow')) {
    throw new BenchFailure(`BENCH_SCENARIOS must list fast and/or slow, got "${scenarioNames.join(',')}"`);
  }
  const cpuProfile = env.BENCH_CPU_PROF?.trim() || '0';
  if (cpuProfile !== '0' && cpuProfile !== '1') throw new BenchFailure(`BENCH_CPU_PROF must be 0 or 1, got "${cpuProfile}"`);
  return {
    quick,
    durationS: number('BENCH_DURATION_S', quick ? 2 : 10, 0.5, 600),
    warmupS: number('BENCH_WARMUP_S', quick ? 1 : 3, 0.5, 600),
    connections,
    targets,
    baseline: baselineRef === undefined ? undefined : resolveBaselineCommit(ROOT, baselineRef),
    scenarios: new Set(scenarioNames as Scenario[]),
    upstream,
    slow: {
      ratePerSecond: number('BENCH_SLOW_RATE', quick ? 50 : 250, 1, 5000),
      durationS: number('BENCH_SLOW_DURATION_S', quick ? 3 : 20, 0.5, 600),
      delayMs: number('BENCH_SLOW_DELAY_MS', 2000, 0, 60_000),
    },
    syncCommits: number('BENCH_SYNC_COMMITS', quick ? 30 : 200, 1, 10_000),
    outPath: join(RESULTS_DIR, quick ? 'quick.md.tmp' : 'latest.md'),
    cpuProfileRoot: cpuProfile === '1' ? PROFILES_DIR : undefined,
  };
}
