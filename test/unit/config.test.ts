import { describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../../src/auth/api-key-store.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const API_KEY_AUTH = {
  AUTH_MODE: 'apikey',
  AUTH_API_KEYS: JSON.stringify([generateApiKey('backend-a', ['ota:order']).record]),
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the embedded simulator on 0.0.0.0:4000 with zh-CN, a 10 s deadline and a journal in ./data', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '0.0.0.0',
      metrics: { port: 9464, host: '0.0.0.0' },
      http: { headersTimeoutMs: 10_000, bodyIdleTimeoutMs: 5_000, requestTimeoutMs: 30_000, maxConnections: 1_000 },
      csss: { kind: 'simulator' },
      csssTimeoutMs: 10_000,
      orderSendBudgetMs: 2_000,
      csssDefaultLanguage: 'zh-CN',
      csssMaxInFlight: 1_000,
      csssBreakerFailureThreshold: 5,
      csssBreakerCooldownMs: 10_000,
      dataDir: './data',
      otelEndpoint: undefined,
      shutdownDelayMs: 0,
      logLevel: 'info',
      logPretty: false,
      auth: { mode: 'none', orderScope: 'ota:order' },
      rateLimit: { perSecond: 1000, burst: 1000 },
      trustedDocuments: { documents: new Map(), only: false },
      requestRateLimit: { perSecond: 50, burst: 100 },
      corsOrigins: [],
      production: false,
      sandboxEnabled: true,
      sandboxTelemetry: false,
      reconcile: { mode: 'report', afterMs: 60_000, clockSkewMs: 120_000, maxPerMinute: 30, intervalMs: 15_000, recheckAfterMs: 600_000 },
    });
  });

  it('reads the reconciler settings and refuses a mode it does not know', () => {
    const config = loadConfig({
      RECONCILE_MODE: 'settle',
      RECONCILE_AFTER_MS: '1000',
      RECONCILE_CLOCK_SKEW_MS: '0',
      RECONCILE_MAX_PER_MINUTE: '5',
      RECONCILE_INTERVAL_MS: '500',
      RECONCILE_RECHECK_AFTER_MS: '0',
    });
    expect(config.reconcile).toStrictEqual({
      mode: 'settle',
      afterMs: 1000,
      clockSkewMs: 0,
      maxPerMinute: 5,
      intervalMs: 500,
      recheckAfterMs: 0,
    });
    expect(loadConfig({ RECONCILE_MODE: 'off' }).reconcile.mode).toBe('off');
    expect(problemsOf({ RECONCILE_MODE: 'auto' })).toEqual(['RECONCILE_MODE must be one of off, report, settle (got "auto")']);
    expect(problemsOf({ RECONCILE_MAX_PER_MINUTE: '0' })).toEqual(['RECONCILE_MAX_PER_MINUTE must be an integer from 1 to 6000 (got "0")']);
  });

  it('reads the journal folder and the limits towards CSSS', () => {
    const config = loadConfig({
      DATA_DIR: '/var/lib/gateway',
      CSSS_MAX_IN_FLIGHT: '8',
      CSSS_BREAKER_FAILURE_THRESHOLD: '3',
      CSSS_BREAKER_COOLDOWN_MS: '2500',
      ORDER_SEND_BUDGET_MS: '750',
    });
    expect(config).toMatchObject({
      dataDir: '/var/lib/gateway',
      orderSendBudgetMs: 750,
      csssMaxInFlight: 8,
      csssBreakerFailureThreshold: 3,
      csssBreakerCooldownMs: 2500,
    });
    expect(problemsOf({ CSSS_MAX_IN_FLIGHT: '0' })).toEqual(['CSSS_MAX_IN_FLIGHT must be an integer from 1 to 10000 (got "0")']);
    expect(problemsOf({ ORDER_SEND_BUDGET_MS: '5' })).toEqual(['ORDER_SEND_BUDGET_MS must be an integer from 10 to 600000 (got "5")']);
  });

  it('reads a real CSSS target and keeps the secret out of its JSON and string forms', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      CSSS_BASE_URL: 'https://apiv3.example.test',
      CSSS_ACCESS_CODE: 'QY-000001',
      CSSS_SECRET: ' secret with spaces ',
      CSSS_TIMEOUT_MS: '2500',
      CSSS_DEFAULT_LANGUAGE: 'en-us',
      ...API_KEY_AUTH,
    });
    expect(config.port).toBe(8080);
    expect(config.csssTimeoutMs).toBe(2500);
    expect(config.csssDefaultLanguage).toBe('en-US');
    if (config.csss.kind !== 'remote') throw new Error('expected a remote target');
    expect(config.csss.secret.reveal()).toBe(' secret with spaces ');
    expect(JSON.stringify(config)).not.toContain('secret with spaces');
    expect(String(config.csss.secret)).toBe('[redacted]');
  });

  it('names every bad variable in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      CSSS_TIMEOUT_MS: '0',
      CSSS_DEFAULT_LANGUAGE: 'fr-FR',
      CSSS_BASE_URL: 'ftp://csss',
      LOG_LEVEL: 'loud',
    });
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'PORT',
      'CSSS_TIMEOUT_MS',
      'CSSS_DEFAULT_LANGUAGE',
      'LOG_LEVEL',
      'CSSS_BASE_URL',
      'CSSS_ACCESS_CODE',
      'CSSS_SECRET',
      'AUTH_MODE',
    ]);
  });

  it('requires credentials with a real CSSS and never prints the secret', () => {
    const missing = problemsOf({ CSSS_BASE_URL: 'https://csss.test', CSSS_SECRET: 'hunter2-secret', ...API_KEY_AUTH });
    expect(missing).toEqual(['CSSS_ACCESS_CODE is required when CSSS_BASE_URL is set']);
    const error = (() => {
      try {
        loadConfig({ CSSS_BASE_URL: 'https://csss.test', CSSS_SECRET: 'hunter2-secret', PORT: 'x' });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('CSSS_ACCESS_CODE');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('rejects a port out of range and accepts port 0', () => {
    expect(problemsOf({ PORT: '65536' })).toEqual(['PORT must be an integer from 0 to 65535 (got "65536")']);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it('refuses to start against a real CSSS without authentication', () => {
    const problems = problemsOf({ CSSS_BASE_URL: 'https://csss.test', CSSS_ACCESS_CODE: 'QY-1', CSSS_SECRET: 's' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^AUTH_MODE must be jwt, apikey or both when CSSS_BASE_URL is set/);
    expect(problems[0]).toContain('(see docs/security.md)');
    expect(problemsOf({ CSSS_BASE_URL: 'https://csss.test', CSSS_ACCESS_CODE: 'QY-1', CSSS_SECRET: 's', AUTH_MODE: 'none' })).toHaveLength(
      1,
    );
    expect(problemsOf({ CSSS_BASE_URL: 'https://csss.test', CSSS_ACCESS_CODE: 'QY-1', CSSS_SECRET: 's', AUTH_MODE: 'none' })).toEqual(
      problems,
    );
  });

  it('reads JWT settings with RS256 pinned by default, and the order scope', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = loadConfig({
      AUTH_MODE: 'jwt',
      AUTH_JWT_ISSUER: 'https://idp.example',
      AUTH_JWT_AUDIENCE: 'csss-gateway',
      AUTH_JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      AUTH_ORDER_SCOPE: 'orders:write',
    });
    expect(config.auth).toMatchObject({
      mode: 'jwt',
      orderScope: 'orders:write',
      jwt: { issuer: 'https://idp.example', audience: 'csss-gateway', algorithms: ['RS256'] },
    });
  });

  it('names every missing or bad authentication setting', () => {
    const problems = problemsOf({ AUTH_MODE: 'both', AUTH_JWT_ALGORITHMS: 'HS256', AUTH_API_KEYS: '[{"keyId":1}]' });
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'AUTH_JWT_ISSUER',
      'AUTH_JWT_AUDIENCE',
      'AUTH_JWT_ALGORITHMS',
      'exactly',
      'AUTH_API_KEYS',
    ]);
    expect(problemsOf({ AUTH_MODE: 'sometimes' })).toEqual(['AUTH_MODE must be one of none, jwt, apikey, both (got "sometimes")']);
  });

  it('reads API keys from a file and reports an unreadable one without its content', () => {
    const { record } = generateApiKey('backend-file', ['ota:order']);
    const file = join(mkdtempSync(join(tmpdir(), 'csss-keys-')), 'keys.json');
    writeFileSync(file, JSON.stringify([record]));
    expect(loadConfig({ AUTH_MODE: 'apikey', AUTH_API_KEYS_FILE: file }).auth.apiKeys).toEqual([record]);
    expect(problemsOf({ AUTH_MODE: 'apikey', AUTH_API_KEYS_FILE: '/nonexistent/keys.json' })).toEqual([
      'AUTH_API_KEYS_FILE (/nonexistent/keys.json) cannot be read (ENOENT)',
    ]);
  });

  it('reads CORS origins, production mode and the rate limit', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      NODE_ENV: 'production',
      RATE_LIMIT_PER_SECOND: '5',
      RATE_LIMIT_BURST: '7',
    });
    expect(config).toMatchObject({
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      production: true,
      sandboxEnabled: false,
      rateLimit: { perSecond: 5, burst: 7 },
    });
    expect(loadConfig({ NODE_ENV: 'production', SANDBOX_ENABLED: 'true' }).sandboxEnabled).toBe(true);
    expect(loadConfig({ SANDBOX_TELEMETRY: 'true' }).sandboxTelemetry).toBe(true);
    expect(problemsOf({ SANDBOX_TELEMETRY: 'yes' })).toEqual(['SANDBOX_TELEMETRY must be true or false (got "yes")']);
    expect(problemsOf({ CORS_ORIGINS: 'https://app.example.com/path' })).toHaveLength(1);
    expect(problemsOf({ CORS_ORIGINS: 'https://app.example.com/path' })).toEqual([
      'CORS_ORIGINS must list origins such as https://app.example.com, without paths (got "https://app.example.com/path")',
    ]);
  });

  it('limits orders to 10 per second (burst 20) per client once callers authenticate or CSSS is real, and explicit values win', () => {
    expect(loadConfig({}).rateLimit).toEqual({ perSecond: 1000, burst: 1000 });
    expect(loadConfig(API_KEY_AUTH).rateLimit).toEqual({ perSecond: 10, burst: 20 });
    expect(
      loadConfig({ ...API_KEY_AUTH, CSSS_BASE_URL: 'https://csss.example.com', CSSS_ACCESS_CODE: 'QY-1', CSSS_SECRET: 's' }).rateLimit,
    ).toEqual({
      perSecond: 10,
      burst: 20,
    });
    expect(loadConfig({ RATE_LIMIT_PER_SECOND: '3', RATE_LIMIT_BURST: '4' }).rateLimit).toEqual({ perSecond: 3, burst: 4 });
  });

  it('reads trusted-document manifests, several of them, and refuses one whose hashes are not SHA-256', () => {
    const folder = mkdtempSync(join(tmpdir(), 'csss-trusted-'));
    const query = 'query A { ordersSimulated }';
    const mutation = 'mutation B { __typename }';
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
    // The client preset's spelling, and bare hex as APQ sends it.
    writeFileSync(join(folder, 'a.json'), JSON.stringify({ [`sha256:${sha256(query)}`]: query }));
    writeFileSync(join(folder, 'b.json'), JSON.stringify({ [sha256(mutation)]: mutation }));
    writeFileSync(join(folder, 'sha1.json'), JSON.stringify({ [createHash('sha1').update(query).digest('hex')]: query }));
    const config = loadConfig({
      TRUSTED_DOCUMENTS_FILE: `${join(folder, 'a.json')}, ${join(folder, 'b.json')}`,
      TRUSTED_DOCUMENTS_ONLY: 'true',
    });
    expect(config.trustedDocuments).toEqual({
      documents: new Map([
        [sha256(query), query],
        [sha256(mutation), mutation],
      ]),
      only: true,
    });
    expect(problemsOf({ TRUSTED_DOCUMENTS_FILE: join(folder, 'sha1.json') })).toEqual([
      `TRUSTED_DOCUMENTS_FILE (${join(folder, 'sha1.json')}) has ${createHash('sha1').update(query).digest('hex')}, which is not the SHA-256 of its document; generate it with persistedDocuments: { hashAlgorithm: 'sha256' }`,
    ]);
    expect(problemsOf({ TRUSTED_DOCUMENTS_FILE: '/nonexistent/manifest.json', TRUSTED_DOCUMENTS_ONLY: 'yes' })).toEqual([
      'TRUSTED_DOCUMENTS_ONLY must be true or false (got "yes")',
      'TRUSTED_DOCUMENTS_FILE (/nonexistent/manifest.json) cannot be read (ENOENT)',
    ]);
    expect(problemsOf({ TRUSTED_DOCUMENTS_ONLY: 'true' })).toEqual([
      'TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_FILE: without a manifest every operation would be refused',
    ]);
  });

  it('reads the tracing endpoint, the shutdown delay and pretty logs, and names each bad value', () => {
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', SHUTDOWN_DELAY_MS: '250', LOG_PRETTY: 'true' }),
    ).toMatchObject({
      otelEndpoint: 'http://collector:4318',
      shutdownDelayMs: 250,
      logPretty: true,
    });
    expect(problemsOf({ SHUTDOWN_DELAY_MS: 'x', LOG_PRETTY: 'yes', OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' })).toEqual([
      'SHUTDOWN_DELAY_MS must be an integer from 0 to 600000 (got "x")',
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got "ftp://collector")',
      'LOG_PRETTY must be true or false (got "yes")',
    ]);
  });

  it('reads the HTTP limits, the metrics listener and the request rate limit', () => {
    expect(
      loadConfig({
        HOST: '10.0.0.5',
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_BODY_IDLE_TIMEOUT_MS: '1500',
        HTTP_REQUEST_TIMEOUT_MS: '8000',
        HTTP_MAX_CONNECTIONS: '50',
        REQUEST_RATE_LIMIT_PER_SECOND: '5',
        REQUEST_RATE_LIMIT_BURST: '9',
      }),
    ).toMatchObject({
      metrics: { port: 9464, host: '10.0.0.5' },
      http: { headersTimeoutMs: 2000, bodyIdleTimeoutMs: 1500, requestTimeoutMs: 8000, maxConnections: 50 },
      requestRateLimit: { perSecond: 5, burst: 9 },
    });
    expect(loadConfig({ HOST: '0.0.0.0', METRICS_HOST: '127.0.0.1', METRICS_PORT: '9100' }).metrics).toEqual({
      port: 9100,
      host: '127.0.0.1',
    });
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: '60000', HTTP_REQUEST_TIMEOUT_MS: '30000', METRICS_PORT: '70000' })).toEqual([
      'METRICS_PORT must be an integer from 0 to 65535 (got "70000")',
      'HTTP_HEADERS_TIMEOUT_MS (60000) must not exceed HTTP_REQUEST_TIMEOUT_MS (30000)',
    ]);
  });

  it('refuses plain http for a CSSS or a JWKS off this machine, and says why', () => {
    const jwt = { AUTH_MODE: 'jwt', AUTH_JWT_ISSUER: 'https://idp.example', AUTH_JWT_AUDIENCE: 'csss-gateway' };
    expect(problemsOf({ CSSS_BASE_URL: 'http://apiv3.example.test', CSSS_ACCESS_CODE: 'QY-1', CSSS_SECRET: 's', ...API_KEY_AUTH })).toEqual(
      [
        'CSSS_BASE_URL must be an https:// URL (got "http://apiv3.example.test"): over plain http anyone on the network path can read and forge orders and their signatures; http is allowed only for loopback addresses',
      ],
    );
    expect(problemsOf({ ...jwt, AUTH_JWKS_URL: 'http://idp.example/.well-known/jwks.json' })).toEqual([
      'AUTH_JWKS_URL must be an https:// URL (got "http://idp.example/.well-known/jwks.json"): over plain http anyone on the network path can swap the keys and forge any token; http is allowed only for loopback addresses',
    ]);
    // Loopback never leaves the machine: local work and tests keep plain http.
    for (const loopback of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']) {
      expect(loadConfig({ CSSS_BASE_URL: loopback, CSSS_ACCESS_CODE: 'QY-1', CSSS_SECRET: 's', ...API_KEY_AUTH }).csss).toMatchObject({
        kind: 'remote',
        baseUrl: loopback,
      });
      expect(loadConfig({ ...jwt, AUTH_JWKS_URL: `${loopback}/jwks.json` }).auth.jwt?.jwksUrl).toBe(`${loopback}/jwks.json`);
    }
  });

  it('gives a CSSS off this machine the production defaults unless SANDBOX_ENABLED says otherwise', () => {
    const real = { CSSS_BASE_URL: 'https://apiv3.example.test', CSSS_ACCESS_CODE: 'QY-1', CSSS_SECRET: 's', ...API_KEY_AUTH };
    expect(loadConfig({ ...real })).toMatchObject({ production: true, sandboxEnabled: false });
    expect(loadConfig({ ...real, SANDBOX_ENABLED: 'true' })).toMatchObject({ production: true, sandboxEnabled: true });
    const local = { ...real, CSSS_BASE_URL: 'http://127.0.0.1:9000' };
    expect(loadConfig({ ...local })).toMatchObject({ production: false, sandboxEnabled: true });
  });

  it('reads the maximum token age, 24 h by default, in seconds or with a unit', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwt = {
      AUTH_MODE: 'jwt',
      AUTH_JWT_ISSUER: 'https://idp.example',
      AUTH_JWT_AUDIENCE: 'csss-gateway',
      AUTH_JWT_ALGORITHMS: 'ES256',
      AUTH_JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    expect(loadConfig({ ...jwt }).auth.jwt?.maxTokenAgeSeconds).toBe(86_400);
    expect(loadConfig({ ...jwt, AUTH_JWT_MAX_AGE: '15m' }).auth.jwt?.maxTokenAgeSeconds).toBe(900);
    expect(loadConfig({ ...jwt, AUTH_JWT_MAX_AGE: '3600' }).auth.jwt?.maxTokenAgeSeconds).toBe(3600);
    expect(problemsOf({ ...jwt, AUTH_JWT_MAX_AGE: '100y' })).toEqual([
      'AUTH_JWT_MAX_AGE must be a duration from 60s to 31d, in seconds or with a unit such as 15m, 24h, 7d (got "100y")',
    ]);
  });

  it('reads the database and Redis URLs, which may hold passwords, from _FILE variables too, and removes them once read', () => {
    const folder = mkdtempSync(join(tmpdir(), 'csss-store-urls-'));
    writeFileSync(join(folder, 'database-url'), 'postgres://gateway:pw-from-file@db.internal:5432/orders\n');
    writeFileSync(join(folder, 'redis-url'), 'rediss://:pw-from-file@cache.internal:6380\n');
    const env: Record<string, string | undefined> = {
      DATABASE_URL_FILE: join(folder, 'database-url'),
      RATE_LIMIT_REDIS_URL_FILE: join(folder, 'redis-url'),
    };
    const config = loadConfig(env);
    expect(config.database?.url.reveal()).toBe('postgres://gateway:pw-from-file@db.internal:5432/orders');
    expect(config.rateLimit.redisUrl?.reveal()).toBe('rediss://:pw-from-file@cache.internal:6380');

    const inline: Record<string, string | undefined> = {
      DATABASE_URL: 'postgres://gateway:pw@db.internal/orders',
      RATE_LIMIT_REDIS_URL: 'redis://cache.internal',
    };
    expect(loadConfig(inline).database?.url.reveal()).toBe('postgres://gateway:pw@db.internal/orders');
    expect(inline).not.toHaveProperty('DATABASE_URL');
    expect(inline).not.toHaveProperty('RATE_LIMIT_REDIS_URL');
  });

  it('reads secrets from _FILE variables (container secret mounts) and removes them from the environment once read', () => {
    const folder = mkdtempSync(join(tmpdir(), 'csss-secrets-'));
    writeFileSync(join(folder, 'secret'), 'hunter2-from-file\n');
    writeFileSync(join(folder, 'access-code'), 'QY-000042\n');
    const env: Record<string, string | undefined> = {
      CSSS_BASE_URL: 'https://apiv3.example.test',
      CSSS_SECRET_FILE: join(folder, 'secret'),
      CSSS_ACCESS_CODE_FILE: join(folder, 'access-code'),
      ...API_KEY_AUTH,
    };
    const config = loadConfig(env);
    if (config.csss.kind !== 'remote') throw new Error('expected a remote target');
    expect(config.csss.secret.reveal()).toBe('hunter2-from-file');
    expect(config.csss.accessCode).toBe('QY-000042');

    const inline: Record<string, string | undefined> = {
      CSSS_BASE_URL: 'https://apiv3.example.test',
      CSSS_ACCESS_CODE: 'QY-1',
      CSSS_SECRET: 'hunter2-inline',
      ...API_KEY_AUTH,
    };
    loadConfig(inline);
    expect(inline).not.toHaveProperty('CSSS_SECRET');
    expect(inline).not.toHaveProperty('CSSS_ACCESS_CODE');

    const problems = problemsOf({
      CSSS_BASE_URL: 'https://apiv3.example.test',
      CSSS_ACCESS_CODE: 'QY-1',
      CSSS_SECRET_FILE: '/nonexistent/secret',
      ...API_KEY_AUTH,
    });
    expect(problems).toEqual([
      'CSSS_SECRET_FILE (/nonexistent/secret) cannot be read (ENOENT)',
      'CSSS_SECRET is required when CSSS_BASE_URL is set',
    ]);
    expect(
      problemsOf({
        CSSS_BASE_URL: 'https://apiv3.example.test',
        CSSS_ACCESS_CODE: 'QY-1',
        CSSS_SECRET: 'x',
        CSSS_SECRET_FILE: join(folder, 'secret'),
        ...API_KEY_AUTH,
      }),
    ).toEqual(['set either CSSS_SECRET or CSSS_SECRET_FILE, not both', 'CSSS_SECRET is required when CSSS_BASE_URL is set']);
  });
});
