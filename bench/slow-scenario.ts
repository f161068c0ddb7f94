/**
 * The slow-upstream scenario: a simulator that answers after a delay, fresh instances of
 * the targets that take part, and the same paced open-loop load against the simulator
 * directly (the baseline) and then each target in turn, each after a warm-up at that rate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE } from '../src/csss/csss.wire.js';
import { PeakRss, stopChild } from './children.js';
import { percentile } from './latency-percentile.js';
import { runOpenLoop, type OpenLoopRequest } from './open-loop-load.js';
import { tallyPlaced } from './order-tally.js';
import { BENCH_ORDER_INPUT, signedParams, toWire } from './order.js';
import { startCpuWindow } from './process-cpu.js';
import { fixed, say } from './progress.js';
import { DIRECT, type SlowMeasurement } from './report.js';
import { checkCorrectness, orderIdIn, startTarget, startUpstream, type RunningTarget } from './running-targets.js';
import type { Settings } from './settings.js';
import type { CsssEndpoint } from './targets.js';

/** How the open-loop generator calls something: requests and what counts as a placed order. */
interface OpenLoopTarget {
  name: string;
  url: string;
  nextRequest: () => OpenLoopRequest;
  classify: (status: number, body: string) => string | undefined;
  pid: number | undefined;
  /** The process's instance name, whose orders are tallied (order-tally.ts); undefined for the direct call. */
  instance: string | undefined;
}

/** A GraphQL target: placed when the answer is HTTP 200 with an order id and no errors. */
function graphqlOpenLoopTarget(running: RunningTarget, nextBody: () => string): OpenLoopTarget {
  return {
    name: running.target.name,
    url: running.url,
    pid: running.child.pid,
    instance: running.child.name,
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
    instance: undefined,
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
  if (target.instance !== undefined) tallyPlaced(target.instance, result.succeeded);
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

export async function runSlowScenario(
  settings: Settings,
  nextBody: () => string,
): Promise<{ baseline: SlowMeasurement; results: SlowMeasurement[] }> {
  const { slow } = settings;
  const simulator = await startUpstream('simulator-slow', 'simulator', slow.delayMs);
  say(`slow simulator up at ${simulator.csss.baseUrl}, answering after ${slow.delayMs} ms (pid ${simulator.child.pid})`);
  const participants = settings.targets.filter((target) => target.slowUpstream);
  const running = await Promise.all(
    participants.map((target) => startTarget(target, `${target.name}-slow`, simulator.csss, settings.cpuProfileRoot)),
  );
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
