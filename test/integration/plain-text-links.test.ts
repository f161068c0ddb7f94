import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { freePort } from '../support/free-port.js';
import { harnessPerTest } from '../support/gateway-harness.js';

const start = harnessPerTest();

/** The start-up warnings about plain-text links, as the operator reads them. */
function plainTextWarnings(lines: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return lines.filter((line) => line.level === 40 && typeof line.setting === 'string');
}

describe('start-up warnings about plain-text links in production', () => {
  // 0.0.0.0 is not a loopback name, so it counts as off this machine, yet a connection to
  // it fails at once here (nothing listens on the port): the gateway starts without waiting.
  it('names a redis:// link and a plain-http OTLP endpoint off this machine, without the password', async () => {
    const closedPort = await freePort();
    const h = await start({
      production: true,
      rateLimit: { perSecond: 1000, burst: 1000, redisUrl: new Secret(`redis://:hunter2-redis@0.0.0.0:${closedPort}`) },
      otelEndpoint: `http://0.0.0.0:${closedPort}`,
    });
    const warnings = plainTextWarnings(h.logs.entries());
    expect(warnings.map((line) => [line.setting, line.host])).toEqual([
      ['RATE_LIMIT_REDIS_URL', `0.0.0.0:${closedPort}`],
      ['OTEL_EXPORTER_OTLP_ENDPOINT', `0.0.0.0:${closedPort}`],
    ]);
    expect(String(warnings[0]!.msg)).toMatch(/use rediss:\/\//);
    expect(String(warnings[1]!.msg)).toMatch(/use https:\/\//);
    expect(h.logs.text).not.toContain('hunter2-redis');
  });

  it('says nothing for rediss://, for loopback links, or outside production', async () => {
    const closedPort = await freePort();
    const tls = await start({
      production: true,
      rateLimit: { perSecond: 1000, burst: 1000, redisUrl: new Secret(`rediss://:pw@0.0.0.0:${closedPort}`) },
      otelEndpoint: `http://127.0.0.1:${closedPort}`,
    });
    const development = await start({
      rateLimit: { perSecond: 1000, burst: 1000, redisUrl: new Secret(`redis://:pw@0.0.0.0:${closedPort}`) },
      otelEndpoint: `http://0.0.0.0:${closedPort}`,
    });
    expect(plainTextWarnings(tls.logs.entries())).toEqual([]);
    expect(plainTextWarnings(development.logs.entries())).toEqual([]);
  });
});
