import { performance } from 'node:perf_hooks';

interface LogThrottle {
  /**
   * Whether a line may be logged now: the number of lines held back since the last one
   * let through, or undefined when this one should be held back too.
   */
  take(): number | undefined;
}

/**
 * Lets one log line through per interval. An outage that fails every request (the
 * identity provider down) then logs once per interval with a count, instead of once per
 * request: a flood of error lines would hide everything else and cost the disk.
 */
export function createLogThrottle(intervalMs: number, clock: () => number = () => performance.now()): LogThrottle {
  let lastAt: number | undefined;
  let heldBack = 0;
  return {
    take() {
      const now = clock();
      if (lastAt !== undefined && now - lastAt < intervalMs) {
        heldBack += 1;
        return undefined;
      }
      lastAt = now;
      const count = heldBack;
      heldBack = 0;
      return count;
    },
  };
}
