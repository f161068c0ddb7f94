import type { EnvReader } from '../env/env-reader.js';
import { isHttpUrl } from '../env/url-checks.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Logs and traces. */
export interface ObservabilityConfig {
  /** OTLP/HTTP endpoint for traces; unset turns tracing off. */
  otelEndpoint: string | undefined;
  logLevel: string;
  /** Human-readable logs instead of JSON lines (development only). */
  logPretty: boolean;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT, LOG_PRETTY and LOG_LEVEL. */
export function readObservabilityConfig(env: EnvReader): ObservabilityConfig {
  const otelEndpoint = env.value('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otelEndpoint !== undefined && !isHttpUrl(otelEndpoint)) {
    env.problem(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got "${otelEndpoint}")`);
  }
  const logPretty = env.boolean('LOG_PRETTY', false);
  const logLevel = env.value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    env.problem(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  return { otelEndpoint, logLevel, logPretty };
}
