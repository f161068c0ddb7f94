import type { Secret } from '../secret.js';
import type { Logger } from '../logger.js';
import type { RateLimitStoreMetrics } from '../observability/store-metrics.js';
import { createTokenBucketLimiter, type RateLimiter } from './rate-limiter.js';
import { connectRedisTokenBuckets } from './redis-token-buckets.js';

/**
 * Orders per second per client, and the burst a client may use at once; with `redisUrl`,
 * one bucket per client shared by every replica (for the request limit too).
 */
export interface RateLimitSettings {
  perSecond: number;
  burst: number;
  redisUrl?: Secret;
}

/** The settings the rate limits read (GatewayConfig has them). */
interface RateLimitsSettings {
  rateLimit: RateLimitSettings;
  /** GraphQL requests of any kind per second per authenticated client, and their burst. */
  requestRateLimit: { perSecond: number; burst: number };
}

/** The per-client limits of this process. */
interface RateLimiters {
  /** Orders (RATE_LIMIT_*). */
  orders: RateLimiter;
  /** GraphQL requests of any kind (REQUEST_RATE_LIMIT_*). */
  requests: RateLimiter;
  close(): Promise<void>;
}

/**
 * The per-client limits the configuration asks for: shared by every replica through Redis
 * when RATE_LIMIT_REDIS_URL is set (each with this process's own bucket as the fallback),
 * otherwise this process's own buckets alone. With Redis, it waits for the connection (a
 * second at most) so that the first requests already meet the shared limit.
 */
export async function createRateLimiters(
  settings: RateLimitsSettings,
  deps: { logger: Logger; clock?: (() => number) | undefined; metrics?: RateLimitStoreMetrics },
): Promise<RateLimiters> {
  const orderRule = { ratePerSecond: settings.rateLimit.perSecond, burst: settings.rateLimit.burst };
  const requestRule = { ratePerSecond: settings.requestRateLimit.perSecond, burst: settings.requestRateLimit.burst };
  const localOrders = createTokenBucketLimiter({ ...orderRule, clock: deps.clock });
  const localRequests = createTokenBucketLimiter({ ...requestRule, clock: deps.clock });
  if (!settings.rateLimit.redisUrl) return { orders: localOrders, requests: localRequests, close: async () => {} };
  const buckets = connectRedisTokenBuckets({ url: settings.rateLimit.redisUrl.reveal(), logger: deps.logger, metrics: deps.metrics });
  await buckets.connected;
  return {
    // The order buckets keep the Redis name "rate" that every released version uses, so
    // replicas of different versions draw from the same buckets during a rolling update.
    orders: buckets.limiter('rate', orderRule, localOrders),
    requests: buckets.limiter('request-rate', requestRule, localRequests),
    close: () => buckets.close(),
  };
}
