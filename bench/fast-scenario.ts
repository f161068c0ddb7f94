/**
 * The fast scenario: every target against an upstream that answers at once (BENCH_UPSTREAM:
 * the cheap upstream by default, or the simulator), one real order each checked by the
 * simulator, a warm-up, then the closed loop at each connection count, targets interleaved.
 * Beside each target's CPU per order it reads the upstream's, which shares the same cores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchFailure } from './bench-failure.js';
import { readCheapUpstreamState, switchToCheapAnswers, type CheapUpstreamState } from './cheap-upstream-control.js';
import { currentRssMb, stopChild } from './children.js';
import { closedLoad, measureClosedLoop } from './closed-loop-load.js';
import { startCpuWindow } from './process-cpu.js';
import { fixed, say } from './progress.js';
import type { FastMeasurement } from './report.js';
import { checkCorrectness, startTarget, startUpstream } from './running-targets.js';
import type { Settings } from './settings.js';

export interface FastScenarioResult {
  measurements: FastMeasurement[];
  idleRssMb: Record<string, number | undefined>;
  /** The cheap upstream's mode and counts at the end; undefined when the simulator was the upstream. */
  cheapUpstream: CheapUpstreamState | undefined;
}

export async function runFastScenario(settings: Settings, nextBody: () => string): Promise<FastScenarioResult> {
  const upstream = await startUpstream(settings.upstream === 'cheap' ? 'cheap-upstream' : 'simulator', settings.upstream);
  say(`${upstream.child.name} up at ${upstream.csss.baseUrl} (pid ${upstream.child.pid})`);
  const running = await Promise.all(
    settings.targets.map((target) => startTarget(target, target.name, upstream.csss, settings.cpuProfileRoot)),
  );
  for (const r of running) say(`${r.target.name} up at ${r.url} (pid ${r.child.pid})`);

  const idleRssMb: Record<string, number | undefined> = {};
  for (const r of running) {
    const orderId = await checkCorrectness(r, nextBody());
    idleRssMb[r.target.name] = currentRssMb(r.child.pid);
    say(`${r.target.name}: correctness check passed, the simulator checked and placed order ${orderId}`);
  }
  if (settings.upstream === 'cheap') {
    await switchToCheapAnswers(upstream.csss.baseUrl);
    say(`${upstream.child.name}: answering orders at once from now on, unchecked`);
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
      const upstreamCpu = startCpuWindow(upstream.child.pid);
      const measured = await measureClosedLoop(r, connections, settings.durationS, nextBody);
      const m = { ...measured, upstreamCpuUsPerOrder: upstreamCpu.perOrderUs(measured.total - measured.non2xx - measured.bodyErrors) };
      measurements.push(m);
      say(
        `${m.target} @ ${connections}: CPU ${fixed(m.cpuUsPerOrder, 0)} µs/order (upstream ${fixed(m.upstreamCpuUsPerOrder, 0)}), ` +
          `${fixed(m.requestsPerSecond, 0)} req/s, p50 ${fixed(m.p50Ms, 2)} ms, p99 ${fixed(m.p99Ms, 2)} ms, non-2xx ${m.non2xx}, ` +
          `errors ${m.errors}, GraphQL errors ${m.bodyErrors}, peak RSS ${fixed(m.peakRssMb, 1)} MB`,
      );
      await sleep(500);
    }
  }

  const cheapUpstream = settings.upstream === 'cheap' ? await readCheapUpstreamState(upstream.csss.baseUrl) : undefined;
  const placed = measurements.reduce((sum, m) => sum + m.total - m.non2xx - m.bodyErrors, 0);
  // Every order measured must have got the cheap answer; fewer would mean a target reached another upstream.
  if (cheapUpstream && cheapUpstream.cheapOrders < placed) {
    throw new BenchFailure(`the cheap upstream answered ${cheapUpstream.cheapOrders} orders, but the targets placed ${placed}`);
  }
  // The slow scenario starts its own instances; these would only hold memory and timers meanwhile.
  await Promise.all([...running.map((r) => stopChild(r.child)), stopChild(upstream.child)]);
  return { measurements, idleRssMb, cheapUpstream };
}
