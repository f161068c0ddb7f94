import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createStoreMetrics } from '../../src/observability/store-metrics.js';
import { createTokenBucketLimiter } from '../../src/rate-limits/rate-limiter.js';
import { connectRedisTokenBuckets, type RedisTokenBuckets } from '../../src/rate-limits/redis-token-buckets.js';
import { Secret } from '../../src/secret.js';
import { CreateOtaOrderDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { harnessPerTest } from '../support/gateway-harness.js';
import { LogCapture } from '../support/log-capture.js';
import { orderInput } from '../support/order-input.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { waitFor } from '../support/timing.js';

const COMMAND_TIMEOUT_MS = 300;
/** One token per thousand seconds: nothing refills while a test runs. */
const NO_REFILL = { ratePerSecond: 0.001, burst: 5 };

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await startPrivateRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

const opened: RedisTokenBuckets[] = [];
afterEach(async () => {
  redis.resume();
  await redis.start();
  await Promise.all(opened.splice(0).map((buckets) => buckets.close()));
});

function buckets(keyPrefix: string): { buckets: RedisTokenBuckets; gauge: () => Promise<string>; logs: LogCapture } {
  const registry = new Registry();
  const logs = new LogCapture();
  const opened_ = connectRedisTokenBuckets({
    url: redis.url,
    logger: createLogger({ level: 'debug', destination: logs }),
    metrics: createStoreMetrics(registry),
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    coolDownMs: 500,
    keyPrefix,
  });
  opened.push(opened_);
  // The gateway awaits the connection at start (createRateLimiters).
  const gauge = async (): Promise<string> =>
    /^csss_gateway_rate_limit_fallback (\d)$/m.exec(await registry.getSingleMetricAsString('csss_gateway_rate_limit_fallback'))?.[1] ?? '';
  return { buckets: opened_, gauge, logs };
}

describe('rate limits shared through Redis', () => {
  it('with Redis hung (SIGSTOP), decide at once from the fallback after the first timeout, and the calls Redis runs late do not drain the bucket', async () => {
    const { buckets: shared, gauge } = buckets(`hung-${Date.now()}:`);
    const limiter = shared.limiter('rate', NO_REFILL, createTokenBucketLimiter({ ...NO_REFILL, burst: 1000 }));
    await shared.connected;
    // Two of the client's five tokens are spent in Redis: three are left.
    expect(await limiter.take('client')).toEqual({ allowed: true });
    expect(await limiter.take('client')).toEqual({ allowed: true });
    expect(await gauge()).toBe('0');

    redis.pause();
    // Five calls reach the hung Redis at once: if it ran them late, they would spend the
    // three tokens left and more.
    const stale = await Promise.all(Array.from({ length: 5 }, () => limiter.take('client')));
    expect(stale.every((decision) => decision.allowed)).toBe(true); // the fallback's own bucket
    expect(await gauge()).toBe('1');
    // From now on no decision waits for the hung Redis.
    for (let i = 0; i < 20; i += 1) {
      const started = performance.now();
      await limiter.take(`other-${i}`);
      expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS);
    }
    expect(await gauge()).toBe('1');

    redis.resume();
    await waitFor(async () => !shared.fallingBack && (await gauge()) === '0', 10_000);
    // Back on Redis, with the three tokens the client had before the hang, no fewer.
    const after = await Promise.all(Array.from({ length: 4 }, () => limiter.take('client')));
    expect(after.filter((decision) => decision.allowed)).toHaveLength(3);
    expect(after.at(-1)).toMatchObject({ allowed: false });
  }, 30_000);

  it('shows the fallback in the gauge when the connection closes and ends it when Redis is back, without any decision', async () => {
    const { buckets: shared, gauge, logs } = buckets(`events-${Date.now()}:`);
    await shared.connected;
    expect(await gauge()).toBe('0');
    await redis.stop();
    await waitFor(async () => (await gauge()) === '1');
    expect(logs.text).toContain('Redis cannot be reached');
    await redis.start();
    await waitFor(async () => (await gauge()) === '0', 10_000);
    expect(logs.text).toContain('Redis answers again');
  }, 30_000);

  it('share the per-client request limit between two gateways on one Redis: together they allow it once', async () => {
    const start = harnessPerTest();
    const caller = testApiKey(`request-limit-${Date.now()}`);
    const options = {
      auth: { mode: 'apikey' as const, orderScope: 'ota:order', apiKeys: [caller.record] },
      rateLimit: { perSecond: 1000, burst: 1000, redisUrl: new Secret(redis.url) },
      requestRateLimit: { perSecond: 0.001, burst: 4 },
    };
    const gateways = await Promise.all([start(options), start(options)]);
    const codes: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const { body } = await gateways[i % 2]!.execute(CreateOtaOrderDocument, { input: orderInput() }, caller.headers);
      codes.push(body.errors?.[0]?.extensions?.code === 'RATE_LIMITED' ? 'limited' : 'served');
    }
    // Each gateway alone would serve four of its four.
    expect(codes).toEqual(['served', 'served', 'served', 'served', 'limited', 'limited', 'limited', 'limited']);
    // Both decided through Redis, not their own buckets.
    for (const gateway of gateways) {
      const metrics = await (await fetch(gateway.gateway.metricsUrl)).text();
      expect(metrics).toContain('csss_gateway_rate_limit_fallback_decisions_total 0');
    }
  }, 30_000);
});

// A direct look at the store, to show the keys the shared limits use.
describe('the keys of the shared limits', () => {
  it('keep the order buckets where earlier versions kept them, and the request buckets apart', async () => {
    const { buckets: shared } = buckets('csss-gateway:');
    await shared.connected;
    await shared.limiter('rate', NO_REFILL, createTokenBucketLimiter(NO_REFILL)).take('key-check');
    await shared.limiter('request-rate', NO_REFILL, createTokenBucketLimiter(NO_REFILL)).take('key-check');
    const direct = new Redis(redis.url);
    try {
      expect(await direct.exists('csss-gateway:rate:key-check', 'csss-gateway:request-rate:key-check')).toBe(2);
    } finally {
      direct.disconnect();
    }
  });
});
