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
 * A call carries the Redis time after which its caller no longer waits for it (ARGV[3], 0
 * when not yet known): a call that a hung Redis runs late, after the gateway has decided
 * without it, leaves the bucket untouched instead of spending a token nobody was given.
 *
 * KEYS[1] the client's bucket; ARGV[1] tokens per millisecond; ARGV[2] the burst; ARGV[3]
 * the deadline in Redis milliseconds. Returns { allowed (1 or 0, -1 when too late),
 * milliseconds to wait, Redis time in milliseconds }.
 */
const TAKE_TOKEN_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local deadline = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
if deadline > 0 and now > deadline then
  return { -1, 0, math.floor(now) }
end
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
return { allowed, wait, math.floor(now) }
`;

/** How long one decision may wait for Redis before the fallback decides, unless given. */
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
/** After a call timed out, decisions stay with the fallback at least this long. */
const DEFAULT_COOL_DOWN_MS = 2_000;
const CONNECT_TIMEOUT_MS = 1_000;
/** How often a Redis in cool-down is asked (PING) whether it answers again. */
const PROBE_INTERVAL_MS = 500;

interface RedisTokenBucketsOptions {
  /** redis://…; it may carry a password, so it is never logged. */
  url: string;
  logger: Logger;
  metrics?: RateLimitStoreMetrics;
  commandTimeoutMs?: number;
  coolDownMs?: number;
  /** Prefix of every key, so that deployments sharing a Redis keep apart. */
  keyPrefix?: string;
}

/** One connection to Redis that every shared limit of this process draws through. */
export interface RedisTokenBuckets {
  /**
   * A per-client limit kept in Redis under `name`, shared by every replica; `fallback`
   * (this process's own bucket with the same rule) decides while Redis cannot.
   */
  limiter(name: string, rule: { ratePerSecond: number; burst: number }, fallback: RateLimiter): RateLimiter;
  /** True while decisions come from the in-memory fallbacks. */
  readonly fallingBack: boolean;
  /**
   * Settles once the first connection is ready, or after the connect timeout with the
   * fallback on: a gateway that awaits it serves its first requests with the shared limit.
   */
  readonly connected: Promise<void>;
  close(): Promise<void>;
}

type TakeToken = (key: string, tokensPerMs: string, burst: string, deadline: string) => Promise<[number, number, number]>;

/**
 * Buckets shared through Redis. If Redis cannot answer in time, requests and orders must
 * not stop: decisions fall back to each limit's in-memory bucket, a warning is logged once
 * per outage, the fallback shows in the metrics, and the shared limits apply again once
 * Redis answers. The fallback follows the connection itself ('close' and connection errors
 * start it, 'ready' ends it), so the gauge is right even while no request comes.
 *
 * A Redis that is connected but does not answer (a stopped process, a full disk stalling
 * it) would otherwise cost every decision the whole command timeout. After one timeout the
 * connection is dropped and opened anew, which fails every call still waiting on it, and
 * for a cool-down decisions go straight to the fallback while a PING in the background
 * (and the new connection's own ready check) finds out when Redis answers again.
 */
export function connectRedisTokenBuckets(options: RedisTokenBucketsOptions): RedisTokenBuckets {
  const { logger, metrics } = options;
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const coolDownMs = options.coolDownMs ?? DEFAULT_COOL_DOWN_MS;
  const keyPrefix = options.keyPrefix ?? 'csss-gateway:';
  const redis = new Redis(options.url, {
    // Commands fail at once while disconnected instead of queuing behind the outage, and
    // a slow Redis is cut off: either way the fallback decides without delaying the request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Reconnects forever, at most a second apart, so the shared limit returns by itself.
    retryStrategy: (tries) => Math.min(tries * 100, 1_000),
  });
  redis.defineCommand('csssTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN_LUA });
  const takeToken = (redis as unknown as { csssTakeToken: TakeToken }).csssTakeToken.bind(redis);

  let fallingBack = false;
  let closed = false;
  /** Until when decisions stay with the fallback after a timeout (Date.now milliseconds). */
  let coolDownUntil = 0;
  /** Redis's clock minus this host's, from the last answer; undefined until one came. */
  let redisClockOffsetMs: number | undefined;
  let probe: NodeJS.Timeout | undefined;
  metrics?.setRateLimitFallback(false);

  const startFallback = (reason: string): void => {
    if (fallingBack || closed) return;
    fallingBack = true;
    metrics?.setRateLimitFallback(true);
    logger.warn({ reason }, 'Redis cannot be reached: each replica now applies the rate limit on its own until it answers again');
    probe = setInterval(probeRedis, PROBE_INTERVAL_MS);
    probe.unref();
  };
  const endFallback = (): void => {
    if (!fallingBack || closed || Date.now() < coolDownUntil || redis.status !== 'ready') return;
    fallingBack = false;
    clearInterval(probe);
    metrics?.setRateLimitFallback(false);
    logger.info('Redis answers again: rate limits are shared by every replica again');
  };
  const onTimeout = (): void => {
    coolDownUntil = Date.now() + coolDownMs;
    startFallback('Redis did not answer in time');
    // Calls already sent would otherwise answer (or run) late; reconnecting fails them now.
    redis.disconnect(true);
  };
  function probeRedis(): void {
    if (Date.now() < coolDownUntil || redis.status !== 'ready') return;
    redis.ping().then(endFallback, (error: unknown) => {
      if (isTimeout(error)) onTimeout();
    });
  }

  const connected = new Promise<void>((resolve) => {
    const giveUp = setTimeout(() => {
      startFallback('not connected at start');
      resolve();
    }, CONNECT_TIMEOUT_MS);
    redis.once('ready', () => {
      clearTimeout(giveUp);
      resolve();
    });
  });
  redis.on('ready', endFallback);
  redis.on('close', () => startFallback('connection closed'));
  // Errors of the connection itself (refused, reset) are followed by 'close'; reported once per outage.
  redis.on('error', (error: Error) => startFallback(error.message));

  const take = async (key: string, tokensPerMs: string, burst: string): Promise<RateLimitDecision | undefined> => {
    if (fallingBack) return undefined;
    const sentAt = Date.now();
    const deadline = redisClockOffsetMs === undefined ? 0 : Math.ceil(sentAt + redisClockOffsetMs + commandTimeoutMs);
    try {
      const [allowed, waitMs, redisNow] = await takeToken(key, tokensPerMs, burst, String(deadline));
      redisClockOffsetMs = redisNow - (sentAt + Date.now()) / 2;
      if (allowed === -1) return undefined;
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(1, waitMs) };
    } catch (error) {
      if (isTimeout(error)) onTimeout();
      else startFallback(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };

  return {
    get fallingBack() {
      return fallingBack;
    },
    connected,
    limiter(name, rule, fallback) {
      const tokensPerMs = String(rule.ratePerSecond / 1000);
      const burst = String(rule.burst);
      return {
        async take(clientId) {
          const shared = await take(`${keyPrefix}${name}:${clientId}`, tokensPerMs, burst);
          if (shared) return shared;
          metrics?.countFallbackDecision();
          return fallback.take(clientId);
        },
      };
    },
    async close() {
      closed = true;
      clearInterval(probe);
      redis.disconnect();
    },
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}
