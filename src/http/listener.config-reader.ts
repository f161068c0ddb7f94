import type { EnvReader } from '../env/env-reader.js';
import { isHttpUrl } from '../env/url-checks.js';
import { DEFAULT_HTTP_TIMEOUTS_AND_CAPS, type HttpTimeoutsAndCaps } from './http-timeouts-and-caps.js';

/** METRICS_PORT unless set: the Prometheus exporters' customary port. */
const DEFAULT_METRICS_PORT = 9464;

/** Where the gateway listens, how patient it is with clients, and which browser origins may call. */
export interface ListenerConfig {
  port: number;
  host: string;
  /** The separate listener for `/metrics`, kept off the API port. */
  metrics: { port: number; host: string };
  http: HttpTimeoutsAndCaps;
  /** Browser origins allowed to call the API; none by default. */
  corsOrigins: string[];
}

/** PORT, HOST, METRICS_*, HTTP_* and CORS_ORIGINS. */
export function readListenerConfig(env: EnvReader): ListenerConfig {
  const port = env.integer('PORT', 4000, 0, 65535);
  const host = env.value('HOST') ?? '0.0.0.0';
  const metrics = { port: env.integer('METRICS_PORT', DEFAULT_METRICS_PORT, 0, 65535), host: env.value('METRICS_HOST') ?? host };
  const http: HttpTimeoutsAndCaps = {
    headersTimeoutMs: env.integer('HTTP_HEADERS_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS_AND_CAPS.headersTimeoutMs, 100, 600_000),
    bodyIdleTimeoutMs: env.integer('HTTP_BODY_IDLE_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS_AND_CAPS.bodyIdleTimeoutMs, 100, 600_000),
    requestTimeoutMs: env.integer('HTTP_REQUEST_TIMEOUT_MS', DEFAULT_HTTP_TIMEOUTS_AND_CAPS.requestTimeoutMs, 100, 600_000),
    maxConnections: env.integer('HTTP_MAX_CONNECTIONS', DEFAULT_HTTP_TIMEOUTS_AND_CAPS.maxConnections, 1, 1_000_000),
  };
  // node:http refuses a headers timeout longer than the whole-request timeout.
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    env.problem(`HTTP_HEADERS_TIMEOUT_MS (${http.headersTimeoutMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${http.requestTimeoutMs})`);
  }
  return { port, host, metrics, http, corsOrigins: readCorsOrigins(env) };
}

function readCorsOrigins(env: EnvReader): string[] {
  const origins = env.list('CORS_ORIGINS');
  for (const origin of origins) {
    if (!isHttpUrl(origin) || new URL(origin).origin !== origin) {
      env.problem(`CORS_ORIGINS must list origins such as https://app.example.com, without paths (got "${origin}")`);
    }
  }
  return origins;
}
