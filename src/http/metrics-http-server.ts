import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { HttpTimeoutsAndCaps } from './http-timeouts-and-caps.js';
import { closeServer, listen, serverOptionsFor, setSecurityHeaders, urlOf } from './listener.js';

const METRICS_PATH = '/metrics';

interface MetricsListenerOptions {
  metrics: GatewayMetrics;
  logger: Logger;
  limits: HttpTimeoutsAndCaps;
  /** METRICS_PORT and METRICS_HOST: an operators' address, never the API port. */
  port: number;
  host: string;
}

interface MetricsListener {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  close(): Promise<void>;
}

/** The metrics listener, listening: the composition root's part for `/metrics`. */
export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListener> {
  const server = createMetricsHttpServer(options);
  const address = await listen(server, options.port, options.host);
  return { url: urlOf(address, METRICS_PATH), close: () => closeServer(server) };
}

/**
 * The Prometheus endpoint on a listener of its own (METRICS_PORT), so that the API port
 * that faces the internet never shows the Node version, order counts, the breaker state
 * or operation names. Only `GET /metrics`; everything else is 404.
 */
function createMetricsHttpServer(options: { metrics: GatewayMetrics; logger: Logger; limits: HttpTimeoutsAndCaps }): Server {
  const server = createServer(serverOptionsFor(options.limits), (request, response) => {
    setSecurityHeaders(response);
    // The path is compared as sent: the target is never parsed, so it can never fail to parse.
    const path = (request.url ?? '').split('?')[0];
    if (path !== METRICS_PATH || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.statusCode = 404;
      response.setHeader('content-type', 'text/plain; charset=utf-8');
      response.end(`not found; metrics are served at ${METRICS_PATH}\n`);
      return;
    }
    options.metrics.render().then(
      ({ contentType, body }) => {
        response.setHeader('content-type', contentType);
        response.end(body);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'metrics could not be rendered');
        response.statusCode = 500;
        response.end();
      },
    );
  });
  server.maxConnections = options.limits.maxConnections;
  return server;
}
