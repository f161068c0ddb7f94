/**
 * The fast scenario: every target against an upstream that answers at once, one real order
 * each, a warm-up, then the closed loop at each connection count, targets interleaved.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { currentRssMb, stopChild } from './children.js';
import { closedLoad, measureClosedLoop } from './closed-loop-load.js';
import { fixed, say } from './progress.js';
import type { FastMeasurement } from './report.js';
import { checkCorrectness, startSimulator, startTarget } from './running-targets.js';
import type { Settings } from './settings.js';

export async function runFastScenario(
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
