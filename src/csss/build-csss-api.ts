import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { Bulkhead } from '../resilience/bulkhead.js';
import { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { Secret } from '../secret.js';
import { CsssHttpClient, type CsssApi, type CsssOrderQuery } from './csss.client.js';
import { GuardedCsssApi } from './guarded-csss-api.js';
import { ObservedCsssApi } from './observed-csss-api.js';

export interface CsssApiSettings {
  baseUrl: string;
  accessCode: string;
  secret: Secret;
  timeoutMs: number;
  /**
   * Calls in flight at once (bulkhead), and the most connections the pool opens: over
   * HTTP/1.1 a connection carries one call at a time, so a smaller pool would hold calls in
   * undici's queue (added latency the bulkhead cannot see, counted against their deadline)
   * and a larger one could never be used. Idle connections close after undici's keep-alive
   * timeout, so this caps connections rather than keeping that many open.
   */
  maxInFlight: number;
  breakerFailureThreshold: number;
  breakerCooldownMs: number;
  clock?: () => number;
}

interface BuiltCsssApi {
  api: CsssApi;
  /**
   * queryOrder, for reconciliation: its own single connection, outside the bulkhead and
   * the breaker, so queries never take capacity from orders and a failing one never opens
   * the order breaker.
   */
  orderQuery: CsssOrderQuery;
  /** Closes the client's connections. */
  close(): Promise<void>;
}

/**
 * The CSSS API the orders service calls: the undici client, observed (log line, metrics,
 * span) for every call actually made, behind a bulkhead and a circuit breaker that fail
 * fast without making one.
 */
export function buildCsssApi(
  settings: CsssApiSettings,
  observability: { logger: Logger; metrics: GatewayMetrics; tracer: Tracer },
): BuiltCsssApi {
  const { logger, metrics } = observability;
  const client = new CsssHttpClient({
    baseUrl: settings.baseUrl,
    accessCode: settings.accessCode,
    secret: settings.secret,
    timeoutMs: settings.timeoutMs,
    connections: settings.maxInFlight,
    clock: settings.clock,
  });
  const breaker = new CircuitBreaker({
    failureThreshold: settings.breakerFailureThreshold,
    cooldownMs: settings.breakerCooldownMs,
    clock: settings.clock,
    onStateChange: (state) => {
      metrics.setBreakerState(state);
      logger.warn({ breakerState: state }, `CSSS circuit breaker is now ${state}`);
    },
  });
  const api = new GuardedCsssApi(new ObservedCsssApi(client, observability), new Bulkhead(settings.maxInFlight), breaker);
  const orderQuery = new CsssHttpClient({
    baseUrl: settings.baseUrl,
    accessCode: settings.accessCode,
    secret: settings.secret,
    timeoutMs: settings.timeoutMs,
    connections: 1,
    clock: settings.clock,
  });
  return {
    api,
    orderQuery,
    close: async () => {
      await Promise.all([client.close(), orderQuery.close()]);
    },
  };
}
