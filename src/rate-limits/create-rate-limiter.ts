import type { Secret } from '../secret.js';
import type { Logger } from '../logger.js';
import type { RateLimitStoreMetrics } from '../observability/store-metrics.js';
import { createTokenBucketLimiter, type RateLimiter } from './rate-limiter.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

/**
 * Orders per second per client, and the burst a client may use at once; with `redisUrl`,
 * one bucket per client shared by every replica.
 */
export interface RateLimitSettings {
  perSecond: number;
  burst: number;
  redisUrl?: Secret;
}

/**
 * The per-client limit the configuration asks for: shared by every replica through Redis
 * when RATE_LIMIT_REDIS_URL is set (with this process's own bucket as the fallback),
 * otherwise this process's own bucket alone.
 */
export function createRateLimiter(
  settings: RateLimitSettings,
  deps: { logger: Logger; clock?: () => number; metrics?: RateLimitStoreMetrics },
): RateLimiter & { close(): Promise<void> } {
  const local = createTokenBucketLimiter({ ratePerSecond: settings.perSecond, burst: settings.burst, clock: deps.clock });
  if (!settings.redisUrl) return Object.assign(local, { close: async () => {} });
  return createRedisRateLimiter({
    url: settings.redisUrl.reveal(),
    ratePerSecond: settings.perSecond,
    burst: settings.burst,
    fallback: local,
    logger: deps.logger,
    metrics: deps.metrics,
  });
}
