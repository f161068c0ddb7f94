import type { EnvReader } from '../env/env-reader.js';
import { hasProtocol } from '../env/url-checks.js';
import { Secret } from '../secret.js';
import type { RateLimitSettings } from './create-rate-limiters.js';

/** Orders per second per client and burst, unless RATE_LIMIT_* say otherwise. */
const DEFAULT_RATE_LIMIT = { perSecond: 10, burst: 20 } as const;
/**
 * The default with the embedded simulator and no authentication: every caller is then the
 * one anonymous client and nothing is paid, so a frontend team's end-to-end suite (many
 * orders at once, from parallel workers) must not meet the limit meant for paid orders.
 */
const SIMULATOR_RATE_LIMIT = { perSecond: 1000, burst: 1000 } as const;

/** The per-client limits. */
export interface RateLimitsConfig {
  /** RATE_LIMIT_*: the per-client order limit, shared through Redis when its URL is set. */
  rateLimit: RateLimitSettings;
  /** GraphQL requests of any kind per second per authenticated client, and their burst. */
  requestRateLimit: { perSecond: number; burst: number };
}

/**
 * RATE_LIMIT_REDIS_URL (or its `_FILE`: it may hold a password), RATE_LIMIT_* and
 * REQUEST_RATE_LIMIT_*. `simulatorWithoutAuth`: orders go to the embedded simulator and
 * nobody authenticates, which raises the order limit's default.
 */
export function readRateLimitsConfig(env: EnvReader, simulatorWithoutAuth: boolean): RateLimitsConfig {
  const defaultRateLimit = simulatorWithoutAuth ? SIMULATOR_RATE_LIMIT : DEFAULT_RATE_LIMIT;
  const redisUrl = env.secret('RATE_LIMIT_REDIS_URL')?.trim() || undefined;
  // The URL may carry a password, so it is never quoted back.
  if (redisUrl !== undefined && !hasProtocol(redisUrl, ['redis:', 'rediss:'])) {
    env.problem('RATE_LIMIT_REDIS_URL must be a redis:// or rediss:// URL');
  }
  const rateLimit = {
    perSecond: env.integer('RATE_LIMIT_PER_SECOND', defaultRateLimit.perSecond, 1, 100_000),
    burst: env.integer('RATE_LIMIT_BURST', defaultRateLimit.burst, 1, 100_000),
    ...(redisUrl === undefined ? {} : { redisUrl: new Secret(redisUrl) }),
  };
  const requestRateLimit = {
    perSecond: env.integer('REQUEST_RATE_LIMIT_PER_SECOND', 50, 1, 1_000_000),
    burst: env.integer('REQUEST_RATE_LIMIT_BURST', 100, 1, 1_000_000),
  };
  return { rateLimit, requestRateLimit };
}
