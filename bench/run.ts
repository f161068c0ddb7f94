/**
 * `npm run bench`: the gateway as shipped against references (a floor of bare node:http +
 * undici, a peer of Apollo standalone + RESTDataSource, bare-apollo and apollo-http), each
 * in its own process in front of the same upstream. Two scenarios:
 *
 * - fast upstream (fast-scenario.ts): autocannon (closed loop) at several connection counts;
 * - slow upstream (slow-scenario.ts): the simulator answers after a delay, and a paced
 *   open-loop load runs against the simulator called directly (the baseline) and against
 *   each target.
 *
 * Before either it times one synced journal commit on the gateway's disk. With
 * BENCH_BASELINE=<git ref> it first builds that commit in a temporary worktree (baseline.ts)
 * and runs its gateway beside this one everywhere, as the "before" of a change. Prints CPU
 * time per order, req/s, latency and RSS, and checks the issues' targets (target-checks.ts).
 * With BENCH_CPU_PROF=1 every target runs under V8's CPU profiler, and the report ends with
 * where each one's CPU goes, by area and per order (profile-summary.ts).
 * Writes bench/results/latest.md (quick mode: bench/results/quick.md.tmp) and prints it.
 * Never run by tests or CI. Settings: settings.ts and bench/README.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BenchFailure } from './bench-failure.js';
import { BaselineError, buildBaseline, removeBaselineCheckout } from './baseline.js';
import { BASELINE_ROOT, DATA_ROOT, logPath, RESULTS_DIR, ROOT } from './bench-paths.js';
import { killAllChildrenNow, profiledCpuSeconds, stopAllChildren, tailOfLog, usePidFile, whenChildDies } from './children.js';
import { runFastScenario } from './fast-scenario.js';
import { measureJournalSync, type JournalSyncTime } from './journal-sync.js';
import { cpuBusyShare, gitDescription } from './machine-state.js';
import { placedOrders } from './order-tally.js';
import { createBodyFactory, schemaHasIdempotencyKey } from './order.js';
import { whereTheCpuGoesSection } from './profile-report.js';
import { summarizeRunDir } from './profile-summary.js';
import { say } from './progress.js';
import { renderReport, type ReportBaseline } from './report.js';
import { addTearDown, tearDownAll, upstreamScripts } from './running-targets.js';
import { readSettings, type Settings } from './settings.js';
import { runSlowScenario } from './slow-scenario.js';
import { baselineGatewayTarget, GATEWAY_TARGETS, shippedNodeArgs, targetScripts } from './targets.js';

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
  addTearDown(() => Promise.resolve(removeBaselineCheckout(ROOT, BASELINE_ROOT)));
  say(`baseline: building ${commit.shortCommit} (BENCH_BASELINE=${commit.ref}) in ${BASELINE_ROOT}`);
  const startedAt = Date.now();
  const build = await buildBaseline(ROOT, commit, BASELINE_ROOT, logPath('baseline-build'), shuttingDownSignal.signal);
  say(`baseline: built in ${((Date.now() - startedAt) / 1000).toFixed(0)} s; dependencies: ${build.dependencies}`);
  // Each gateway target of the run gets its own "before", right after it.
  const targets = settings.targets.flatMap((entry) =>
    GATEWAY_TARGETS.includes(entry) ? [entry, baselineGatewayTarget(entry, build)] : [entry],
  );
  const names = targets.filter((target) => target.role === 'baseline').map((target) => target.name);
  return {
    settings: { ...settings, targets },
    baseline: { ...build, name: names.join('**, **'), nodeArgs: shippedNodeArgs(build.root) },
  };
}

/**
 * BENCH_CPU_PROF: every target has exited by now (each scenario stops its own), so each
 * profile is written. Keeps the order counts and the sums beside the profiles, so
 * profile-summary.js can be rerun on them alone.
 */
function summarizeCpuProfiles(root: string): string[] {
  writeFileSync(join(root, 'orders.json'), `${JSON.stringify(placedOrders(), null, 2)}\n`);
  writeFileSync(join(root, 'process-cpu.json'), `${JSON.stringify(profiledCpuSeconds(), null, 2)}\n`);
  const summary = summarizeRunDir(root, placedOrders(), profiledCpuSeconds());
  writeFileSync(join(root, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  say(
    `CPU profiles of ${summary.targets.map((target) => target.target).join(', ')} summed in ${relative(ROOT, join(root, 'summary.json'))}`,
  );
  if (summary.missing.length > 0) say(`no CPU profile from ${summary.missing.join(', ')}: killed before it could write one`);
  return whereTheCpuGoesSection(summary);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const requested = readSettings();
  mkdirSync(RESULTS_DIR, { recursive: true });
  usePidFile(join(RESULTS_DIR, 'children.pid.tmp'), [...targetScripts(ROOT, [BASELINE_ROOT]), ...upstreamScripts(ROOT)]);
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
  if (settings.cpuProfileRoot !== undefined) {
    // Profiles of an earlier run would be summed with this one's.
    rmSync(settings.cpuProfileRoot, { recursive: true, force: true });
    mkdirSync(settings.cpuProfileRoot, { recursive: true });
  }

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
  const cpuProfileSection = settings.cpuProfileRoot === undefined ? undefined : summarizeCpuProfiles(settings.cpuProfileRoot);

  const markdown = renderReport({
    settings,
    startedAt,
    busyBefore,
    gatewayCommit: gitDescription(ROOT),
    gatewayNodeArgs: shippedNodeArgs(ROOT),
    baseline,
    withIdempotencyKey,
    targets: settings.targets,
    sync,
    fast: fast?.measurements,
    idleRssMb: fast?.idleRssMb ?? {},
    cheapUpstream: fast?.cheapUpstream,
    slow,
    cpuProfileSection,
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
    await tearDownAll(say);
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
