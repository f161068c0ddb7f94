import { describe, expect, it } from 'vitest';
import { plainTextLinks } from '../../src/plain-text-links.js';
import { Secret } from '../../src/secret.js';

const NO_LINKS = { rateLimit: { perSecond: 1, burst: 1 }, database: undefined, otelEndpoint: undefined };
const database = (url: string) => ({ ...NO_LINKS, database: { url: new Secret(url), poolSize: 1, statementTimeoutMs: 1000 } });

describe('plain-text links', () => {
  it('flags a PostgreSQL URL off this machine unless sslmode is require or stricter, and never carries the password', () => {
    const [link] = plainTextLinks(database('postgres://gateway:hunter2-pg@db.internal:5432/orders'));
    expect(link).toMatchObject({ variable: 'DATABASE_URL', host: 'db.internal:5432' });
    expect(JSON.stringify(link)).not.toContain('hunter2-pg');
    expect(plainTextLinks(database('postgres://gateway:pw@db.internal/orders?sslmode=prefer'))).toHaveLength(1);
    expect(plainTextLinks(database('postgres://gateway:pw@db.internal/orders?sslmode=disable'))).toHaveLength(1);
    for (const mode of ['require', 'verify-ca', 'verify-full']) {
      expect(plainTextLinks(database(`postgres://gateway:pw@db.internal/orders?sslmode=${mode}`))).toEqual([]);
    }
    expect(plainTextLinks(database('postgres://gateway:pw@127.0.0.1:5432/orders'))).toEqual([]);
    expect(plainTextLinks(database('postgresql://gateway:pw@localhost/orders'))).toEqual([]);
    // A Unix socket never leaves the machine.
    expect(plainTextLinks(database('postgres:///orders?host=/var/run/postgresql'))).toEqual([]);
  });

  it('flags redis:// but not rediss:// off this machine, and plain-http OTLP but not https', () => {
    const redis = (url: string) => plainTextLinks({ ...NO_LINKS, rateLimit: { perSecond: 1, burst: 1, redisUrl: new Secret(url) } });
    expect(redis('redis://:hunter2@cache.internal:6379')).toMatchObject([
      { variable: 'RATE_LIMIT_REDIS_URL', host: 'cache.internal:6379' },
    ]);
    expect(JSON.stringify(redis('redis://:hunter2@cache.internal:6379'))).not.toContain('hunter2');
    expect(redis('rediss://:pw@cache.internal:6380')).toEqual([]);
    expect(redis('redis://[::1]:6379')).toEqual([]);
    const otlp = (url: string) => plainTextLinks({ ...NO_LINKS, otelEndpoint: url });
    expect(otlp('http://collector.internal:4318')).toMatchObject([
      { variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', host: 'collector.internal:4318' },
    ]);
    expect(otlp('https://collector.internal:4318')).toEqual([]);
    expect(otlp('http://localhost:4318')).toEqual([]);
  });
});
