import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { Logger } from '../logger.js';

/** An origin as CORS_ORIGINS lists it, or a pattern for the local development default. */
export type AllowedOrigin = string | RegExp;

/**
 * The origins allowed by default in simulator mode with AUTH_MODE=none when CORS_ORIGINS
 * is unset: a page on any local dev server (Vite, webpack…), on any port. Such a gateway
 * places no real orders and serves no credentials.
 */
export const LOCAL_DEVELOPMENT_ORIGINS: readonly AllowedOrigin[] = [
  /^http:\/\/localhost(?::\d{1,5})?$/,
  /^http:\/\/127\.0\.0\.1(?::\d{1,5})?$/,
];

/** Refused origins remembered for logging once each; past this many, no more lines. */
const MAX_LOGGED_REFUSED_ORIGINS = 100;
/** An Origin header is short; a longer one is cut in the log line. */
const MAX_LOGGED_ORIGIN_LENGTH = 200;

export interface CorsPolicy {
  /**
   * Adds CORS headers for an allowed origin and answers a preflight itself (then true);
   * a browser origin that is not allowed is logged once, with the setting that allows it.
   */
  answered(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
}

/**
 * Browser access to `/graphql`. Without allowed origins no CORS header is ever added, so
 * pages on other origins cannot read responses; a preflight is still answered (204,
 * without Access-Control-Allow-*), so the browser reports the origin as not allowed rather
 * than Apollo's CSRF message, which it shows as an unexplained failure.
 */
export function createCorsPolicy(origins: readonly AllowedOrigin[], logger: Logger): CorsPolicy {
  const refusedLogged = new Set<string>();
  const allows = (origin: string): boolean =>
    origins.some((allowed) => (typeof allowed === 'string' ? allowed === origin : allowed.test(origin)));
  const logRefused = (request: IncomingMessage): void => {
    const origin = request.headers.origin;
    if (origin === undefined || refusedLogged.has(origin) || refusedLogged.size >= MAX_LOGGED_REFUSED_ORIGINS) return;
    // A page the gateway served itself (Sandbox) calls its own origin, which needs no CORS.
    if (sameOrigin(origin, request.headers.host) || allows(origin)) return;
    refusedLogged.add(origin);
    logger.warn(
      { origin: origin.slice(0, MAX_LOGGED_ORIGIN_LENGTH), setting: 'CORS_ORIGINS' },
      'a browser origin was refused; list it in CORS_ORIGINS to allow it (logged once per origin)',
    );
  };
  // Without allowed origins the cors package would only call next(): skip it on every request.
  const handler =
    origins.length === 0
      ? undefined
      : cors({
          origin: [...origins],
          methods: ['GET', 'POST'],
          allowedHeaders: [
            'content-type',
            'authorization',
            'x-api-key',
            'x-request-id',
            'apollo-require-preflight',
            'accept-language',
            // Apollo Client's client awareness, and W3C trace context from browser tracing.
            'apollographql-client-name',
            'apollographql-client-version',
            'traceparent',
          ],
          exposedHeaders: ['x-request-id', 'retry-after'],
          maxAge: 600,
        });
  return {
    async answered(request, response) {
      logRefused(request);
      if (handler) {
        return new Promise((resolve, reject) => {
          response.once('finish', () => resolve(true));
          handler(request, response, (error?: unknown) => (error ? reject(error) : resolve(false)));
        });
      }
      if (request.method !== 'OPTIONS') return false;
      response.statusCode = 204;
      response.setHeader('allow', 'GET, POST, OPTIONS');
      response.end();
      return true;
    },
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
