import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseApiKeyRecords } from './auth/api-key-store.js';
import { AUTH_MODES, DEFAULT_JWT_MAX_AGE_SECONDS, type AuthConfig } from './auth/auth.config.js';
import { JWT_PUBLIC_KEY_ALGORITHMS } from './auth/jwt-verifier.js';
import { CSSS_LANGUAGES, type CsssLanguage } from './csss/csss.wire.js';
import { parseTrustedDocumentManifest } from './graphql/trusted-documents.js';
import { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http/http-limits.js';
import type { RateLimitSettings } from './limits/create-rate-limiter.js';
import type { DatabaseConfig } from './journal/journal.config.js';
import { Secret } from './secret.js';

/** Where orders go: the embedded simulator (the default) or a real CSSS. */
export type CsssTarget = { kind: 'simulator' } | { kind: 'remote'; baseUrl: string; accessCode: string; secret: Secret };

/** Orders per second per client and burst, unless RATE_LIMIT_* say otherwise. */
export const DEFAULT_RATE_LIMIT = { perSecond: 10, burst: 20 } as const;
/**
 * The default with the embedded simulator and no authentication: every caller is then the
 * one anonymous client and nothing is paid, so a frontend team's end-to-end suite (many
 * orders at once, from parallel workers) must not meet the limit meant for paid orders.
 */
export const SIMULATOR_RATE_LIMIT = { perSecond: 1000, burst: 1000 } as const;

/**
 * CSSS calls in flight at once (the bulkhead, and the cap on connections to CSSS), unless
 * CSSS_MAX_IN_FLIGHT says otherwise. Calls in flight are orders/s times CSSS's latency
 * (Little's law): 250 orders/s answered after 2 s keep 500 in flight. Each order holds its
 * caller's connection until it is answered, so with the listener's default connection cap
 * (HTTP_MAX_CONNECTIONS) the bulkhead refuses no order while CSSS is merely slow; it still
 * bounds what pipelined requests or a raised connection cap could pile up, and a lower value
 * suits a CSSS that allows fewer calls at once.
 */
export const DEFAULT_CSSS_MAX_IN_FLIGHT = DEFAULT_HTTP_LIMITS.maxConnections;

/** METRICS_PORT unless set: the Prometheus exporters' customary port. */
export const DEFAULT_METRICS_PORT = 9464;

export interface GatewayConfig {
  port: number;
  host: string;
  /** The separate listener for `/metrics`, kept off the API port. */
  metrics: { port: number; host: string };
  http: HttpLimits;
  csss: CsssTarget;
  csssTimeoutMs: number;
  csssDefaultLanguage: CsssLanguage;
  /** Concurrent CSSS calls beyond which orders fail fast as CSSS_UNAVAILABLE. */
  csssMaxInFlight: number;
  /** Consecutive transport failures that open the circuit breaker. */
  csssBreakerFailureThreshold: number;
  /** How long the breaker stays open before one probe is let through. */
  csssBreakerCooldownMs: number;
  /** Folder of the order journal file (when `database` is unset). */
  dataDir: string;
  /** DATABASE_URL: the order journal on PostgreSQL, shared by every replica. */
  database: DatabaseConfig | undefined;
  /** OTLP/HTTP endpoint for traces; unset turns tracing off. */
  otelEndpoint: string | undefined;
  /** How long to keep serving, not ready, after a stop signal before draining. */
  shutdownDelayMs: number;
  logLevel: string;
  /** Human-readable logs instead of JSON lines (development only). */
  logPretty: boolean;
  auth: AuthConfig;
  /** RATE_LIMIT_*: the per-client order limit, shared through Redis when its URL is set. */
  rateLimit: RateLimitSettings;
  /**
   * Operations known ahead of time, hash → document, from the TRUSTED_DOCUMENTS_FILE
   * manifests; `only`: refuse every other operation (the production setting).
   */
  trustedDocuments: { documents: ReadonlyMap<string, string>; only: boolean };
  /** GraphQL requests of any kind per second per authenticated client, and their burst. */
  requestRateLimit: { perSecond: number; burst: number };
  /** Browser origins allowed to call the API; none by default. */
  corsOrigins: string[];
  /**
   * Production defaults, from NODE_ENV=production or a CSSS_BASE_URL off this machine (real
   * money): no introspection, Sandbox or suggestions unless sandboxEnabled.
   */
  production: boolean;
  sandboxEnabled: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Start-up stops with this when any variable is bad; the message names every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * The only reader of the environment. Values are quoted back in problems to help the
 * operator, except credentials, which are only ever said to be missing or malformed.
 * Secrets (CSSS_SECRET, CSSS_ACCESS_CODE) are removed from `env` once read, so that
 * nothing that later reads or inherits the environment sees them.
 */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === '' ? undefined : raw;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return parsed;
  };

  const port = integer('PORT', 4000, 0, 65535);
  const host = value('HOST') ?? '0.0.0.0';
  const metrics = { port: integer('METRICS_PORT', DEFAULT_METRICS_PORT, 0, 65535), host: value('METRICS_HOST') ?? host };
  const http: HttpLimits = {
    headersTimeoutMs: integer('HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.headersTimeoutMs, 100, 600_000),
    bodyIdleTimeoutMs: integer('HTTP_BODY_IDLE_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.bodyIdleTimeoutMs, 100, 600_000),
    requestTimeoutMs: integer('HTTP_REQUEST_TIMEOUT_MS', DEFAULT_HTTP_LIMITS.requestTimeoutMs, 100, 600_000),
    maxConnections: integer('HTTP_MAX_CONNECTIONS', DEFAULT_HTTP_LIMITS.maxConnections, 1, 1_000_000),
  };
  // node:http refuses a headers timeout longer than the whole-request timeout.
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    problems.push(`HTTP_HEADERS_TIMEOUT_MS (${http.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${http.requestTimeoutMs})`);
  }
  const csssTimeoutMs = integer('CSSS_TIMEOUT_MS', 10_000, 100, 600_000);
  const csssMaxInFlight = integer('CSSS_MAX_IN_FLIGHT', DEFAULT_CSSS_MAX_IN_FLIGHT, 1, 10_000);
  const csssBreakerFailureThreshold = integer('CSSS_BREAKER_FAILURE_THRESHOLD', 5, 1, 1_000);
  const csssBreakerCooldownMs = integer('CSSS_BREAKER_COOLDOWN_MS', 10_000, 100, 3_600_000);
  const dataDir = value('DATA_DIR') ?? './data';
  const shutdownDelayMs = integer('SHUTDOWN_DELAY_MS', 0, 0, 600_000);
  const otelEndpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otelEndpoint !== undefined && !isHttpUrl(otelEndpoint)) {
    problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got "${otelEndpoint}")`);
  }
  const logPrettyText = value('LOG_PRETTY') ?? 'false';
  if (logPrettyText !== 'true' && logPrettyText !== 'false') problems.push(`LOG_PRETTY must be true or false (got "${logPrettyText}")`);

  const language = value('CSSS_DEFAULT_LANGUAGE') ?? 'zh-CN';
  const csssDefaultLanguage = CSSS_LANGUAGES.find((known) => known.toLowerCase() === language.toLowerCase());
  if (!csssDefaultLanguage) {
    problems.push(`CSSS_DEFAULT_LANGUAGE must be one of ${CSSS_LANGUAGES.join(', ')} (got "${language}")`);
  }

  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }

  let csss: CsssTarget = { kind: 'simulator' };
  const baseUrl = value('CSSS_BASE_URL');
  const accessCode = readSecret(env, 'CSSS_ACCESS_CODE', problems)?.trim();
  const secret = readSecret(env, 'CSSS_SECRET', problems);
  if (baseUrl !== undefined) {
    if (!isHttpUrl(baseUrl)) problems.push(`CSSS_BASE_URL must be an http:// or https:// URL (got "${baseUrl}")`);
    else if (!isHttpsOrLoopback(baseUrl)) {
      problems.push(
        `CSSS_BASE_URL must be an https:// URL (got "${baseUrl}"): over plain http anyone on the network path can read and forge orders and their signatures; http is allowed only for loopback addresses`,
      );
    }
    if (!accessCode) problems.push('CSSS_ACCESS_CODE is required when CSSS_BASE_URL is set');
    if (!secret) problems.push('CSSS_SECRET is required when CSSS_BASE_URL is set');
    if (accessCode && secret) {
      csss = { kind: 'remote', baseUrl, accessCode, secret: new Secret(secret) };
    }
  }
  // A CSSS off this machine spends real money, so it gets production defaults even
  // without NODE_ENV=production.
  const realMoney = baseUrl !== undefined && isHttpUrl(baseUrl) && !isLoopbackUrl(baseUrl);

  const auth = readAuthConfig(value, env, problems, baseUrl !== undefined);
  const defaultRateLimit = baseUrl === undefined && auth.mode === 'none' ? SIMULATOR_RATE_LIMIT : DEFAULT_RATE_LIMIT;
  const database = readDatabaseConfig(readSecret(env, 'DATABASE_URL', problems)?.trim() || undefined, integer, problems);
  const redisUrl = readSecret(env, 'RATE_LIMIT_REDIS_URL', problems)?.trim() || undefined;
  // The URL may carry a password, so it is never quoted back.
  if (redisUrl !== undefined && !hasProtocol(redisUrl, ['redis:', 'rediss:'])) {
    problems.push('RATE_LIMIT_REDIS_URL must be a redis:// or rediss:// URL');
  }
  const rateLimit = {
    perSecond: integer('RATE_LIMIT_PER_SECOND', defaultRateLimit.perSecond, 1, 100_000),
    burst: integer('RATE_LIMIT_BURST', defaultRateLimit.burst, 1, 100_000),
    ...(redisUrl === undefined ? {} : { redisUrl: new Secret(redisUrl) }),
  };
  const trustedDocuments = readTrustedDocuments(value, problems);
  const requestRateLimit = {
    perSecond: integer('REQUEST_RATE_LIMIT_PER_SECOND', 50, 1, 1_000_000),
    burst: integer('REQUEST_RATE_LIMIT_BURST', 100, 1, 1_000_000),
  };
  const corsOrigins = (value('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    if (!isHttpUrl(origin) || new URL(origin).origin !== origin) {
      problems.push(`CORS_ORIGINS must list origins such as https://app.example.com, without paths (got "${origin}")`);
    }
  }
  const production = value('NODE_ENV') === 'production' || realMoney;
  const sandboxText = value('SANDBOX_ENABLED') ?? (production ? 'false' : 'true');
  if (sandboxText !== 'true' && sandboxText !== 'false') problems.push(`SANDBOX_ENABLED must be true or false (got "${sandboxText}")`);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    metrics,
    http,
    csss,
    csssTimeoutMs,
    csssDefaultLanguage: csssDefaultLanguage ?? 'zh-CN',
    csssMaxInFlight,
    csssBreakerFailureThreshold,
    csssBreakerCooldownMs,
    dataDir,
    database,
    otelEndpoint,
    shutdownDelayMs,
    logLevel,
    logPretty: logPrettyText === 'true',
    auth,
    rateLimit,
    trustedDocuments,
    requestRateLimit,
    corsOrigins,
    production,
    sandboxEnabled: sandboxText === 'true',
  };
}

/**
 * Authentication settings. With a real CSSS the gateway spends real money, so it refuses
 * to start without authentication; `none` is only the default with the simulator.
 */
function readAuthConfig(value: (name: string) => string | undefined, env: Env, problems: string[], realCsss: boolean): AuthConfig {
  const orderScope = value('AUTH_ORDER_SCOPE') ?? 'ota:order';
  const modeText = value('AUTH_MODE') ?? 'none';
  const mode = AUTH_MODES.find((known) => known === modeText);
  if (!mode) {
    problems.push(`AUTH_MODE must be one of ${AUTH_MODES.join(', ')} (got "${modeText}")`);
    return { mode: 'none', orderScope };
  }
  if (mode === 'none') {
    if (realCsss) {
      problems.push(
        'AUTH_MODE must be jwt, apikey or both when CSSS_BASE_URL is set: a real CSSS places paid orders, so anonymous callers are refused (see README, Security)',
      );
    }
    return { mode, orderScope };
  }

  const auth: AuthConfig = { mode, orderScope };
  // Seconds, or a number with a unit: 90s, 15m, 24h, 7d.
  const duration = (name: string, fallback: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const match = /^([0-9]+)([smhd]?)$/.exec(raw);
    const seconds = match ? Number(match[1]) * (DURATION_UNIT_SECONDS[match[2] || 's'] ?? Number.NaN) : Number.NaN;
    if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds > 31 * 24 * 60 * 60) {
      problems.push(`${name} must be a duration from 60s to 31d, in seconds or with a unit such as 15m, 24h, 7d (got "${raw}")`);
      return fallback;
    }
    return seconds;
  };
  if (mode === 'jwt' || mode === 'both') {
    const issuer = value('AUTH_JWT_ISSUER');
    const audience = value('AUTH_JWT_AUDIENCE');
    const jwksUrl = value('AUTH_JWKS_URL');
    const publicKeyPem = readSecret(env, 'AUTH_JWT_PUBLIC_KEY', problems)?.trim() || undefined;
    const maxTokenAgeSeconds = duration('AUTH_JWT_MAX_AGE', DEFAULT_JWT_MAX_AGE_SECONDS);
    const algorithms = (value('AUTH_JWT_ALGORITHMS') ?? 'RS256').split(',').map((name) => name.trim());
    if (!issuer) problems.push(`AUTH_JWT_ISSUER is required when AUTH_MODE is ${mode}`);
    if (!audience) problems.push(`AUTH_JWT_AUDIENCE is required when AUTH_MODE is ${mode}`);
    const unknown = algorithms.filter((name) => !(JWT_PUBLIC_KEY_ALGORITHMS as readonly string[]).includes(name));
    if (unknown.length > 0 || algorithms.length === 0) {
      problems.push(
        `AUTH_JWT_ALGORITHMS must list public-key algorithms from ${JWT_PUBLIC_KEY_ALGORITHMS.join(', ')} (got "${algorithms.join(',')}")`,
      );
    }
    if ((jwksUrl === undefined) === (publicKeyPem === undefined)) {
      problems.push(`exactly one of AUTH_JWKS_URL and AUTH_JWT_PUBLIC_KEY is required when AUTH_MODE is ${mode}`);
    }
    if (jwksUrl !== undefined && !isHttpUrl(jwksUrl)) problems.push(`AUTH_JWKS_URL must be an http:// or https:// URL (got "${jwksUrl}")`);
    else if (jwksUrl !== undefined && !isHttpsOrLoopback(jwksUrl)) {
      problems.push(
        `AUTH_JWKS_URL must be an https:// URL (got "${jwksUrl}"): over plain http anyone on the network path can swap the keys and forge any token; http is allowed only for loopback addresses`,
      );
    }
    if (publicKeyPem !== undefined && !isPublicKeyPem(publicKeyPem)) {
      problems.push('AUTH_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
    if (issuer && audience) auth.jwt = { issuer, audience, algorithms, jwksUrl, publicKeyPem, maxTokenAgeSeconds };
  }
  if (mode === 'apikey' || mode === 'both') {
    const inline = value('AUTH_API_KEYS');
    const file = value('AUTH_API_KEYS_FILE');
    if ((inline === undefined) === (file === undefined)) {
      problems.push(`exactly one of AUTH_API_KEYS and AUTH_API_KEYS_FILE is required when AUTH_MODE is ${mode}`);
    } else {
      try {
        auth.apiKeys = parseApiKeyRecords(inline ?? readFileSync(file!, 'utf8'));
      } catch (error) {
        const reason = error instanceof Error && 'code' in error ? `cannot be read (${String(error.code)})` : (error as Error).message;
        problems.push(`${inline !== undefined ? 'AUTH_API_KEYS' : `AUTH_API_KEYS_FILE (${file})`} ${reason}`);
      }
    }
  }
  return auth;
}

/** TRUSTED_DOCUMENTS_FILE: one or more manifests, comma-separated; TRUSTED_DOCUMENTS_ONLY: refuse the rest. */
function readTrustedDocuments(value: (name: string) => string | undefined, problems: string[]): GatewayConfig['trustedDocuments'] {
  const onlyText = value('TRUSTED_DOCUMENTS_ONLY') ?? 'false';
  if (onlyText !== 'true' && onlyText !== 'false') problems.push(`TRUSTED_DOCUMENTS_ONLY must be true or false (got "${onlyText}")`);
  const files = (value('TRUSTED_DOCUMENTS_FILE') ?? '')
    .split(',')
    .map((file) => file.trim())
    .filter((file) => file !== '');
  const documents = new Map<string, string>();
  for (const file of files) {
    try {
      for (const [hash, document] of parseTrustedDocumentManifest(readFileSync(file, 'utf8'))) documents.set(hash, document);
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? `cannot be read (${String(error.code)})` : (error as Error).message;
      problems.push(`TRUSTED_DOCUMENTS_FILE (${file}) ${reason}`);
    }
  }
  if (onlyText === 'true' && files.length === 0) {
    problems.push('TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_FILE: without a manifest every operation would be refused');
  }
  return { documents, only: onlyText === 'true' };
}

/** Connection pool and statement timeout defaults suit the CSSS bulkhead: see docs/replicas.md. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;
export const DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS = 2_000;

/** DATABASE_URL (or DATABASE_URL_FILE: it may hold a password) with its pool settings. */
function readDatabaseConfig(
  url: string | undefined,
  integer: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
): DatabaseConfig | undefined {
  const poolSize = integer('DATABASE_POOL_SIZE', DEFAULT_DATABASE_POOL_SIZE, 1, 1_000);
  const statementTimeoutMs = integer('DATABASE_STATEMENT_TIMEOUT_MS', DEFAULT_DATABASE_STATEMENT_TIMEOUT_MS, 100, 60_000);
  if (url === undefined) return undefined;
  // The URL may carry a password, so it is never quoted back.
  if (!hasProtocol(url, ['postgres:', 'postgresql:'])) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
    return undefined;
  }
  return { url: new Secret(url), poolSize, statementTimeoutMs };
}

function hasProtocol(text: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

const DURATION_UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A credential from `NAME`, or from the file `NAME_FILE` names (a container's secret
 * mount; one trailing newline is dropped). The value variable is removed from `env` once
 * read (the `_FILE` path, not a secret, stays). A
 * problem names the variable or the file, never the content.
 */
function readSecret(env: Env, name: string, problems: string[]): string | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`]?.trim() || undefined;
  delete env[name];
  if (file !== undefined && inline !== undefined && inline !== '') {
    problems.push(`set either ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  if (file === undefined) return inline === '' ? undefined : inline;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`${name}_FILE (${file}) cannot be read (${String((error as NodeJS.ErrnoException).code ?? 'error')})`);
    return undefined;
  }
}

function isPublicKeyPem(text: string): boolean {
  try {
    return createPublicKey(text).type === 'public' && text.includes('PUBLIC KEY');
  } catch {
    return false;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Loopback traffic never leaves the machine, so plain http there is safe (local work, tests). */
function isLoopbackUrl(text: string): boolean {
  const { hostname } = new URL(text);
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.[0-9]{1,3}){3}$/.test(hostname);
}

function isHttpsOrLoopback(text: string): boolean {
  return new URL(text).protocol === 'https:' || isLoopbackUrl(text);
}
