/**
 * A paced, open-loop load generator: requests leave at a steady rate whether or not earlier
 * ones have been answered, as independent clients' orders do. A closed loop (autocannon)
 * sends the next request only when a connection's answer is back, so against a slow
 * upstream every connection fires in one wave per upstream delay and measures burst CPU;
 * here the number in flight is rate × latency and grows if the target falls behind.
 *
 * Each request's latency counts from the moment it was due, not from when it was written,
 * so a generator that falls behind still charges the delay to the result (no coordinated
 * omission); the largest such lag is reported so a busy generator is visible.
 *
 * Bounded: loopback targets only, at most MAX_REQUESTS requests, and the run ends at most
 * `timeoutMs` after the last request was due, whatever is still open.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface OpenLoopRequest {
  headers: Record<string, string>;
  body: string;
}

export interface OpenLoopOptions {
  /** Full URL of a loopback target, e.g. http://127.0.0.1:PORT/graphql. */
  url: string;
  ratePerSecond: number;
  durationS: number;
  /** Called when a request is due, so each can carry fresh content (an idempotency key, a signature's timestamp). */
  nextRequest: () => OpenLoopRequest;
  /** `undefined` when the answer is a success, otherwise a short label that groups failures (e.g. `HTTP 503 SERVICE_UNAVAILABLE`). */
  classify: (status: number, body: string) => string | undefined;
  /** A request still unanswered this long after it was due fails as `timeout`. Default 30 s. */
  timeoutMs?: number;
  /** Connections the generator may open (each carries one request at a time). Default 4096. */
  maxConnections?: number;
}

export interface OpenLoopResult {
  /** Requests that were due and sent. */
  sent: number;
  /** Answers classified as a success. */
  succeeded: number;
  /** Everything else, by label: answers that `classify` refused, socket errors, `timeout`. */
  failures: Record<string, number>;
  /** Latencies of the successful requests in ms, from when each was due, sorted ascending. */
  latenciesMs: Float64Array;
  /** The most requests in flight at once. */
  maxInFlight: number;
  /** The longest a request waited past its due time before it was handed to the socket pool, in ms. */
  maxSendLagMs: number;
  /** Seconds from the first due time until the last answer (or the deadline). */
  elapsedS: number;
}

export const MAX_REQUESTS = 200_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  if (!LOOPBACK_HOSTS.has(target.hostname)) throw new Error(`the open-loop generator only loads loopback targets, not ${target.hostname}`);
  const total = Math.round(options.ratePerSecond * options.durationS);
  if (!(options.ratePerSecond > 0) || !(options.durationS > 0) || total < 1 || total > MAX_REQUESTS) {
    throw new Error(
      `rate × duration must be between 1 and ${MAX_REQUESTS} requests, got ${options.ratePerSecond}/s × ${options.durationS} s`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = 1000 / options.ratePerSecond;
  const path = `${target.pathname}${target.search}`;
  const pool = new Pool(target.origin, {
    connections: options.maxConnections ?? 4096,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });

  const latencies = new Float64Array(total);
  const failures: Record<string, number> = {};
  const fail = (label: string): void => {
    failures[label] = (failures[label] ?? 0) + 1;
  };
  let succeeded = 0;
  let sent = 0;
  let settled = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let maxSendLagMs = 0;
  let lastAnswerAt = 0;
  const start = performance.now() + 10;

  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = (): void => {
    inFlight -= 1;
    settled += 1;
    lastAnswerAt = performance.now();
    if (settled === total) allSettled();
  };

  async function send(dueAt: number): Promise<void> {
    const { headers, body } = options.nextRequest();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), Math.max(0, dueAt + timeoutMs - performance.now()));
    try {
      const response = await pool.request({ path, method: 'POST', headers, body, signal: deadline.signal });
      const text = await response.body.text();
      const label = options.classify(response.statusCode, text);
      if (label === undefined) {
        latencies[succeeded] = performance.now() - dueAt;
        succeeded += 1;
      } else fail(label);
    } catch (error) {
      fail(deadline.signal.aborted ? 'timeout' : `socket ${(error as { code?: string }).code ?? (error as Error).name}`);
    } finally {
      clearTimeout(timer);
    }
  }

  // Each tick sends every request that has come due, then sleeps until the next one is due.
  const tick = (): void => {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
    while (sent < due) {
      const dueAt = start + sent * intervalMs;
      maxSendLagMs = Math.max(maxSendLagMs, now - dueAt);
      sent += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      void send(dueAt).finally(settle);
    }
    if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
  };
  setTimeout(tick, Math.max(0, start - performance.now()));

  // Every request has its own deadline; this one only guards against a bug leaving the run open.
  const lastDue = start + (total - 1) * intervalMs;
  let guard: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (guard = setTimeout(resolve, lastDue - performance.now() + timeoutMs + 5000)))]);
  clearTimeout(guard);
  const unsettled = total - settled;
  if (unsettled > 0) failures['not settled by the deadline'] = unsettled;
  await pool.destroy();

  return {
    sent,
    succeeded,
    failures,
    latenciesMs: latencies.subarray(0, succeeded).sort(),
    maxInFlight,
    maxSendLagMs,
    elapsedS: ((lastAnswerAt || performance.now()) - start) / 1000,
  };
}
