import type { AuthConfig } from './auth/auth.config.js';
import { readAuthConfig } from './auth/auth.config-reader.js';
import { readCsssCallConfig, readCsssTarget, type CsssCallConfig, type CsssTarget } from './csss/csss.config-reader.js';
import { EnvReader, type Env } from './env/env-reader.js';
import { readGraphqlConfig, type GraphqlConfig } from './graphql/graphql.config-reader.js';
import { DEFAULT_HTTP_TIMEOUTS_AND_CAPS } from './http/http-timeouts-and-caps.js';
import { readListenerConfig, type ListenerConfig } from './http/listener.config-reader.js';
import { readJournalStoreConfig, type JournalStoreConfig } from './journal/journal.config-reader.js';
import { readRateLimitsConfig, type RateLimitsConfig } from './rate-limits/rate-limits.config-reader.js';
import { readObservabilityConfig, type ObservabilityConfig } from './observability/observability.config-reader.js';
import { readReconcileConfig, type ReconcileConfig } from './reconcile/reconcile.config-reader.js';

/**
 * CSSS calls in flight at once (the bulkhead, and the cap on connections to CSSS), unless
 * CSSS_MAX_IN_FLIGHT says otherwise. Calls in flight are orders/s times CSSS's latency
 * (Little's law): 250 orders/s answered after 2 s keep 500 in flight. Each order holds its
 * caller's connection until it is answered, so with the listener's default connection cap
 * (HTTP_MAX_CONNECTIONS) the bulkhead refuses no order while CSSS is merely slow; it still
 * bounds what pipelined requests or a raised connection cap could pile up, and a lower value
 * suits a CSSS that allows fewer calls at once.
 */
export const DEFAULT_CSSS_MAX_IN_FLIGHT = DEFAULT_HTTP_TIMEOUTS_AND_CAPS.maxConnections;

/** The whole configuration: each group is typed and read beside the folder that uses it. */
export interface GatewayConfig
  extends ListenerConfig, CsssCallConfig, JournalStoreConfig, ObservabilityConfig, RateLimitsConfig, GraphqlConfig, ReconcileConfig {
  csss: CsssTarget;
  /** How long to keep serving, not ready, after a stop signal before draining. */
  shutdownDelayMs: number;
  auth: AuthConfig;
  /**
   * Production defaults, from NODE_ENV=production or a CSSS_BASE_URL off this machine (real
   * money): no introspection, Sandbox or suggestions unless sandboxEnabled.
   */
  production: boolean;
}

/** Start-up stops with this when any variable is bad; the message names every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * The only reader of the environment: every group's reader, in one pass, so that one
 * error names every bad variable. Secrets (CSSS_SECRET, CSSS_ACCESS_CODE, the database and
 * Redis URLs, the JWT public key) are removed from `env` once read, so that nothing that
 * later reads or inherits the environment sees them.
 */
export function loadConfig(rawEnv: Env = process.env): GatewayConfig {
  const env = new EnvReader(rawEnv);
  const listener = readListenerConfig(env);
  const csssCalls = readCsssCallConfig(env, { maxInFlight: DEFAULT_CSSS_MAX_IN_FLIGHT });
  const shutdownDelayMs = env.integer('SHUTDOWN_DELAY_MS', 0, 0, 600_000);
  const observability = readObservabilityConfig(env);
  const { csss, remoteRequested, realMoney } = readCsssTarget(env);
  const auth = readAuthConfig(env, remoteRequested);
  const journal = readJournalStoreConfig(env);
  const rateLimits = readRateLimitsConfig(env, !remoteRequested && auth.mode === 'none');
  const production = env.value('NODE_ENV') === 'production' || realMoney;
  const graphql = readGraphqlConfig(env, production);
  const reconcile = readReconcileConfig(env);
  if (env.problems.length > 0) throw new ConfigError(env.problems);
  return {
    ...listener,
    ...csssCalls,
    csss,
    shutdownDelayMs,
    ...observability,
    auth,
    ...journal,
    ...rateLimits,
    ...graphql,
    production,
    ...reconcile,
  };
}
