/**
 * The fast scenario's load: autocannon's closed loop (each connection sends its next order
 * when the last is answered) against one running target, with every response time kept for
 * exact percentiles, and the target's CPU per order and peak RSS over the same window.
 */
import autocannon from 'autocannon';
import { PeakRss } from './children.js';
import { percentile } from './latency-percentile.js';
import { tallyPlaced } from './order-tally.js';
import { startCpuWindow } from './process-cpu.js';
import type { FastMeasurement } from './report.js';
import type { RunningTarget } from './running-targets.js';

type ClosedLoopResult = Omit<FastMeasurement, 'peakRssMb' | 'cpuUsPerOrder'>;

export async function closedLoad(
  running: RunningTarget,
  connections: number,
  durationS: number,
  nextBody: () => string,
): Promise<ClosedLoopResult> {
  let bodyErrors = 0;
  // autocannon's own histogram has 1 ms resolution; keep every response time instead.
  let times = new Float64Array(1 << 16);
  let count = 0;
  const result = await new Promise<autocannon.Result>((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: running.url,
        method: 'POST',
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
        headers: running.target.headers,
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
      (error: unknown, finished: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolvePromise(finished),
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
  const errors = result.errors + result.timeouts;
  // Warm-ups too: a CPU profile spans them.
  tallyPlaced(running.child.name, result.requests.total - result.non2xx - bodyErrors);
  return {
    target: running.target.name,
    connections,
    requestsPerSecond: result.requests.total / result.duration,
    total: result.requests.total,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    non2xx: result.non2xx,
    errors,
    bodyErrors,
    failed: result.non2xx + errors + bodyErrors,
  };
}

/** Closed-loop load on one target with its CPU per order and peak RSS over the same window. */
export async function measureClosedLoop(
  running: RunningTarget,
  connections: number,
  durationS: number,
  nextBody: () => string,
): Promise<FastMeasurement> {
  const rss = new PeakRss(running.child.pid);
  rss.start();
  const cpu = startCpuWindow(running.child.pid);
  const measured = await closedLoad(running, connections, durationS, nextBody);
  const placed = measured.total - measured.non2xx - measured.bodyErrors;
  return { ...measured, cpuUsPerOrder: cpu.perOrderUs(placed), peakRssMb: rss.stop() };
}
