import type { EnvReader } from '../env/env-reader.js';
import { isHttpUrl, isHttpsOrLoopback, isLoopbackUrl } from '../env/url-checks.js';
import { Secret } from '../secret.js';
import { CSSS_LANGUAGES, type CsssLanguage } from './csss.wire.js';

/** Where orders go: the embedded simulator (the default) or a real CSSS. */
export type CsssTarget = { kind: 'simulator' } | { kind: 'remote'; baseUrl: string; accessCode: string; secret: Secret };

/** How the gateway calls CSSS, wherever it is. */
export interface CsssCallConfig {
  csssTimeoutMs: number;
  csssDefaultLanguage: CsssLanguage;
  /** Concurrent CSSS calls beyond which orders fail fast as CSSS_UNAVAILABLE. */
  csssMaxInFlight: number;
  /** Consecutive transport failures that open the circuit breaker. */
  csssBreakerFailureThreshold: number;
  /** How long the breaker stays open before one probe is let through. */
  csssBreakerCooldownMs: number;
}

/** CSSS_TIMEOUT_MS, CSSS_MAX_IN_FLIGHT, CSSS_BREAKER_* and CSSS_DEFAULT_LANGUAGE. */
export function readCsssCallConfig(env: EnvReader, defaults: { maxInFlight: number }): CsssCallConfig {
  const csssTimeoutMs = env.integer('CSSS_TIMEOUT_MS', 10_000, 100, 600_000);
  const csssMaxInFlight = env.integer('CSSS_MAX_IN_FLIGHT', defaults.maxInFlight, 1, 10_000);
  const csssBreakerFailureThreshold = env.integer('CSSS_BREAKER_FAILURE_THRESHOLD', 5, 1, 1_000);
  const csssBreakerCooldownMs = env.integer('CSSS_BREAKER_COOLDOWN_MS', 10_000, 100, 3_600_000);
  const language = env.value('CSSS_DEFAULT_LANGUAGE') ?? 'zh-CN';
  const csssDefaultLanguage = CSSS_LANGUAGES.find((known) => known.toLowerCase() === language.toLowerCase());
  if (!csssDefaultLanguage) {
    env.problem(`CSSS_DEFAULT_LANGUAGE must be one of ${CSSS_LANGUAGES.join(', ')} (got "${language}")`);
  }
  return {
    csssTimeoutMs,
    csssDefaultLanguage: csssDefaultLanguage ?? 'zh-CN',
    csssMaxInFlight,
    csssBreakerFailureThreshold,
    csssBreakerCooldownMs,
  };
}

/** The CSSS that orders go to, and whether it is one that spends real money. */
interface CsssTargetConfig {
  csss: CsssTarget;
  /** CSSS_BASE_URL is set (even if invalid): a real CSSS is meant, so callers must authenticate. */
  remoteRequested: boolean;
  /** A CSSS off this machine: real money. */
  realMoney: boolean;
}

/**
 * CSSS_BASE_URL with its credentials, CSSS_ACCESS_CODE and CSSS_SECRET (or their `_FILE`
 * variables), which are removed from the environment once read.
 */
export function readCsssTarget(env: EnvReader): CsssTargetConfig {
  let csss: CsssTarget = { kind: 'simulator' };
  const baseUrl = env.value('CSSS_BASE_URL');
  const accessCode = env.secret('CSSS_ACCESS_CODE')?.trim();
  const secret = env.secret('CSSS_SECRET');
  if (baseUrl !== undefined) {
    if (!isHttpUrl(baseUrl)) env.problem(`CSSS_BASE_URL must be an http:// or https:// URL (got "${baseUrl}")`);
    else if (!isHttpsOrLoopback(baseUrl)) {
      env.problem(
        `CSSS_BASE_URL must be an https:// URL (got "${baseUrl}"): over plain http anyone on the network path can read and forge orders and their signatures; http is allowed only for loopback addresses`,
      );
    }
    if (!accessCode) env.problem('CSSS_ACCESS_CODE is required when CSSS_BASE_URL is set');
    if (!secret) env.problem('CSSS_SECRET is required when CSSS_BASE_URL is set');
    if (accessCode && secret) {
      csss = { kind: 'remote', baseUrl, accessCode, secret: new Secret(secret) };
    }
  }
  // A CSSS off this machine spends real money, so it gets production defaults even
  // without NODE_ENV=production.
  const realMoney = baseUrl !== undefined && isHttpUrl(baseUrl) && !isLoopbackUrl(baseUrl);
  return { csss, remoteRequested: baseUrl !== undefined, realMoney };
}
