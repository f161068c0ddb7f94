import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `condition` holds; fails after `timeoutMs` (only a broken run waits that long). */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(intervalMs);
  }
}

/**
 * Between polls of a gateway's GraphQL API: a client asking every 10 ms would meet the
 * per-client request limit (50/s, burst 100) on a fast machine, as any client would.
 */
export const GRAPHQL_POLL_INTERVAL_MS = 100;

/** A wall clock that only moves when told, for cool-downs and refills without sleeping. */
export function manualClock(): { now: () => number; advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}
