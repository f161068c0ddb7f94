import { CSSS_LANGUAGES, type CsssLanguage } from './csss/csss.wire.js';
import { Secret } from './secret.js';

/** Where orders go: the embedded simulator (the default) or a real CSSS. */
export type CsssTarget =
  | { kind: 'simulator' }
  | { kind: 'remote'; baseUrl: string; accessCode: string; secret: Secret };

export interface GatewayConfig {
  port: number;
  host: string;
  csss: CsssTarget;
  csssTimeoutMs: number;
  csssDefaultLanguage: CsssLanguage;
  /** Concurrent CSSS calls beyond which orders fail fast as CSSS_UNAVAILABLE. */
  csssMaxInFlight: number;
  /** Consecutive transport failures that open the circuit breaker. */
  csssBreakerFailureThreshold: number;
  /** How long the breaker stays open before one probe is let through. */
  csssBreakerCooldownMs: number;
  /** Folder of the order journal file. */
  dataDir: string;
  /** OTLP/HTTP endpoint for traces; unset turns tracing off. */
  otelEndpoint: string | undefined;
  /** How long to keep serving, not ready, after a stop signal before draining. */
  shutdownDelayMs: number;
  logLevel: string;
  /** Human-readable logs instead of JSON lines (development only). */
  logPretty: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Start-up stops with this when any variable is bad; the message names every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The only reader of the environment. Values are quoted back in problems to help the
 * operator, except credentials, which are only ever said to be missing or malformed.
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
  const csssTimeoutMs = integer('CSSS_TIMEOUT_MS', 10_000, 100, 600_000);
  const csssMaxInFlight = integer('CSSS_MAX_IN_FLIGHT', 64, 1, 10_000);
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
  if (baseUrl !== undefined) {
    if (!isHttpUrl(baseUrl)) problems.push(`CSSS_BASE_URL must be an http:// or https:// URL (got "${baseUrl}")`);
    const accessCode = value('CSSS_ACCESS_CODE');
    const secret = env.CSSS_SECRET;
    if (accessCode === undefined) problems.push('CSSS_ACCESS_CODE is required when CSSS_BASE_URL is set');
    if (secret === undefined || secret === '') problems.push('CSSS_SECRET is required when CSSS_BASE_URL is set');
    if (accessCode !== undefined && secret) {
      csss = { kind: 'remote', baseUrl, accessCode, secret: new Secret(secret) };
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    csss,
    csssTimeoutMs,
    csssDefaultLanguage: csssDefaultLanguage ?? 'zh-CN',
    csssMaxInFlight,
    csssBreakerFailureThreshold,
    csssBreakerCooldownMs,
    dataDir,
    otelEndpoint,
    shutdownDelayMs,
    logLevel,
    logPretty: logPrettyText === 'true',
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
