import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { RateLimitStoreMetrics } from '../observability/store-metrics.js';
import type { RateLimitDecision, RateLimiter } from './rate-limiter.js';

/**
 * The token bucket of rate-limiter.ts, kept in Redis so that every replica draws from one
 * bucket per client: the same rate, burst, continuous refill and retry advice, so falling
 * back to the in-memory bucket changes only whose budget is counted, not the rule. One
 * script call is one atomic round trip; the time comes from Redis (TIME), so replicas whose
 * host clocks differ refill alike. The key expires once the bucket would be full again,
 * which carries no information (as the in-memory limiter drops full buckets).
 *
 * KEYS[1] the client's bucket; ARGV[1] tokens per millisecond; ARGV[2] the burst.
 * Returns { 1, 0 } when allowed, { 0, milliseconds to wait } when not.
 */
const TAKE_TOKEN_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local epsilon = 1e-9
local allowed = 0
local wait = 0
if tokens + epsilon >= 1 then
  tokens = math.max(0, tokens - 1)
  allowed = 1
else
  wait = math.max(1, math.ceil((1 - epsilon - tokens) / rate))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return { allowed, wait }
`;

interface RedisRateLimiterOptions {
  /** redis://…; it may carry a password, so it is never logged. */
  url: string;
  ratePerSecond: number;
  burst: number;
  /** Applies while Redis cannot be reached: this replica's own limit. */
  fallback: RateLimiter;
  logger: Logger;
  metrics?: RateLimitStoreMetrics;
  /** How long one decision may wait for Redis before the fallback decides; 500 ms unless given. */
  commandTimeoutMs?: number;
  /** Prefix of the bucket keys, so that deployments sharing a Redis keep apart. */
  keyPrefix?: string;
}

interface RedisRateLimiter extends RateLimiter {
  take(clientId: string): Promise<RateLimitDecision>;
  /** True while decisions come from the in-memory fallback. */
  readonly fallingBack: boolean;
  close(): Promise<void>;
}

type TakeToken = (key: string, tokensPerMs: string, burst: string) => Promise<[number, number]>;

/**
 * One bucket per client shared through Redis. If Redis cannot answer in time, orders
 * must not stop: the decision falls back to `fallback` (per replica), a warning is logged
 * once per outage, the fallback shows in the metrics, and the shared limit applies again
 * as soon as Redis answers.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const { logger, metrics, fallback } = options;
  const redis = new Redis(options.url, {
    // Commands fail at once while disconnected instead of queuing behind the outage, and
    // a slow Redis is cut off: either way the fallback decides without delaying the order.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 1_000,
    // Reconnects forever, at most a second apart, so the shared limit returns by itself.
    retryStrategy: (tries) => Math.min(tries * 100, 1_000),
  });
  // Connection errors are reported through failed decisions below, once per outage.
  redis.on('error', () => {});
  redis.defineCommand('csssTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN_LUA });
  const takeToken = (redis as unknown as { csssTakeToken: TakeToken }).csssTakeToken.bind(redis);
  const keyPrefix = options.keyPrefix ?? 'csss-gateway:rate:';
  const tokensPerMs = String(options.ratePerSecond / 1000);
  const burst = String(options.burst);
  let fallingBack = false;
  metrics?.setRateLimitFallback(false);

  return {
    get fallingBack() {
      return fallingBack;
    },
    async take(clientId) {
      try {
        const [allowed, waitMs] = await takeToken(`${keyPrefix}${clientId}`, tokensPerMs, burst);
        if (fallingBack) {
          fallingBack = false;
          metrics?.setRateLimitFallback(false);
          logger.info('Redis answers again: rate limits are shared by every replica again');
        }
        return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(1, waitMs) };
      } catch (error) {
        if (!fallingBack) {
          fallingBack = true;
          metrics?.setRateLimitFallback(true);
          logger.warn(
            { reason: error instanceof Error ? error.message : String(error) },
            'Redis cannot be reached: each replica now applies the rate limit on its own until it answers again',
          );
        }
        metrics?.countFallbackDecision();
        return fallback.take(clientId);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
