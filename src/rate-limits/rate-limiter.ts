import { performance } from 'node:perf_hooks';

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Decides whether one more request from a client may go ahead now. The in-memory token
 * bucket below is per process; the Redis limiter (redis-token-buckets.ts) implements the
 * same contract over a shared store, so that every replica draws from one budget. A store
 * answers asynchronously, so callers `await` the decision.
 */
export interface RateLimiter {
  take(clientId: string): RateLimitDecision | Promise<RateLimitDecision>;
}

export interface TokenBucketOptions {
  /** Sustained requests per second per client. */
  ratePerSecond: number;
  /** Requests a client that has been idle may make at once. */
  burst: number;
  /** Milliseconds from a monotonic source; `performance.now` unless a test pins it. */
  clock?: () => number;
  /** Most buckets kept at once; 10 000 unless given. */
  maxClients?: number;
}

interface TokenBucketLimiter extends RateLimiter {
  take(clientId: string): RateLimitDecision;
  /** How many buckets are held right now (for tests and metrics). */
  readonly trackedClients: number;
}

const DEFAULT_MAX_CLIENTS = 10_000;

/**
 * Token counts are fractions summed over many refills, so they drift by tiny amounts
 * (0.4 + 0.598 is not 0.998); without this slack a client that waits exactly
 * `retryAfterMs` could be refused again by a rounding error.
 */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One bucket per client, refilled continuously at `ratePerSecond` up to `burst`.
 *
 * A client without a bucket is treated as having a full one, so a bucket that has filled
 * up again carries no information and can be dropped. The map is kept in least recently
 * used order; each `take` first drops full buckets from the idle end (each bucket is
 * dropped at most once, so this costs O(1) amortized), and a new client arriving while
 * the map is at `maxClients` pushes out the least recently used bucket even though it is
 * not full. That hands the idlest client a fresh burst early, the price of bounded
 * memory when more clients are active at once than `maxClients`.
 */
export function createTokenBucketLimiter(options: TokenBucketOptions): TokenBucketLimiter {
  const { ratePerSecond, burst } = options;
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  const clock = options.clock ?? (() => performance.now());
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) throw new Error('ratePerSecond must be a positive number');
  if (!Number.isFinite(burst) || burst < 1) throw new Error('burst must be a number of at least 1');
  if (!Number.isSafeInteger(maxClients) || maxClients < 1) throw new Error('maxClients must be a positive integer');

  const tokensPerMs = ratePerSecond / 1000;
  const buckets = new Map<string, Bucket>();

  // A clock that steps backwards (an injected wall clock) must not drain buckets.
  const tokensAt = (bucket: Bucket, now: number): number =>
    Math.min(burst, bucket.tokens + Math.max(0, now - bucket.updatedAt) * tokensPerMs);

  const dropFullBuckets = (now: number): void => {
    for (const [clientId, bucket] of buckets) {
      if (tokensAt(bucket, now) + EPSILON < burst) break;
      buckets.delete(clientId);
    }
  };

  return {
    get trackedClients() {
      return buckets.size;
    },

    take(clientId: string): RateLimitDecision {
      const now = clock();
      dropFullBuckets(now);
      const existing = buckets.get(clientId);
      let tokens: number;
      if (existing) {
        tokens = tokensAt(existing, now);
        // Re-inserting below moves the client to the most recently used end of the map.
        buckets.delete(clientId);
      } else {
        while (buckets.size >= maxClients) {
          const leastRecent = buckets.keys().next();
          if (leastRecent.done === true) break;
          buckets.delete(leastRecent.value);
        }
        tokens = burst;
      }

      if (tokens + EPSILON >= 1) {
        buckets.set(clientId, { tokens: Math.max(0, tokens - 1), updatedAt: now });
        return { allowed: true };
      }
      buckets.set(clientId, { tokens, updatedAt: now });
      // The wait ends when the check above would pass, slack included.
      const waitMs = (1 - EPSILON - tokens) / tokensPerMs;
      return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(waitMs)) };
    },
  };
}
