import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { Tracer } from '@opentelemetry/api';
import cors from 'cors';
import type { GatewayContext } from '../auth/request-context.js';
import { ERROR_KINDS, httpAnswerOf, type ErrorKind } from '../errors/error-codes.js';
import type { OperationRequest } from '../graphql/trusted-documents.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { REQUEST_ID_HEADER, resolveRequestId } from '../observability/request-id.js';
import type { RequestInfo } from '../observability/request-info.js';
import { withSpan } from '../observability/tracing.js';
import type { HttpLimits } from './http-limits.js';

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
/** Far above any real order; refusing larger bodies early keeps memory per request small. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/**
 * Where the gateway is in its life: only `ready` reports ready; `ready` and `draining`
 * (the shutdown delay) serve GraphQL.
 */
export type Lifecycle = 'starting' | 'ready' | 'draining' | 'stopping';

export interface GraphQLHttpServerOptions {
  /** Set once Apollo has started; GraphQL requests before that get 503. */
  apollo: () => ApolloServer<GatewayContext> | undefined;
  lifecycle: () => Lifecycle;
  /** Checks that must pass for readiness besides the lifecycle (e.g. the journal is writable). */
  readinessChecks: () => Promise<boolean>;
  context: (request: IncomingMessage, requestInfo: RequestInfo) => GatewayContext | Promise<GatewayContext>;
  logger: Logger;
  /** Counts refusals answered here, before Apollo (operations that are not trusted). */
  metrics: GatewayMetrics;
  tracer: Tracer;
  /** Browser origins allowed to call `/graphql`; empty: no CORS headers at all. */
  corsOrigins: readonly string[];
  /**
   * Whether the operation a request asks for may run (trusted documents); others are
   * refused with 400 OPERATION_NOT_TRUSTED before Apollo parses them. Unset: all may.
   */
  admitsOperation?: (request: OperationRequest) => boolean;
  /** Timeouts and the connection limit that keep slow or many clients from tying up the server. */
  limits: HttpLimits;
}

type CorsHandler = ReturnType<typeof cors>;

class RequestBodyTooLargeError extends Error {}
class RequestBodyNotUtf8Error extends Error {}
class RequestBodyIdleError extends Error {}

/**
 * Strict: a body with bytes that are not UTF-8 is refused rather than read with U+FFFD in
 * their place, which would place an order with text the caller never sent. The BOM is kept
 * (and then fails JSON parsing) as it did before.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A small node:http front: `/graphql` goes to Apollo (which also serves the Sandbox
 * landing page on browser GETs); `/healthz` and `/readyz` are for load balancers and
 * never touch CSSS (metrics have a listener of their own). Every response carries the
 * request id and the headers of {@link setSecurityHeaders}.
 */
export function createGraphQLHttpServer(options: GraphQLHttpServerOptions): Server {
  // Without allowed origins the cors package would only call next(): skip it on every request.
  const corsHandler =
    options.corsOrigins.length === 0
      ? undefined
      : cors({
          origin: [...options.corsOrigins],
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
  const server = createServer(serverOptionsFor(options.limits), (request, response) => {
    const requestId = resolveRequestId(request.headers[REQUEST_ID_HEADER]);
    response.setHeader(REQUEST_ID_HEADER, requestId);
    setSecurityHeaders(response);
    route(options, corsHandler, request, response, { requestId, csssMs: 0 }).catch((error: unknown) => {
      options.logger.error({ err: error, requestId }, 'unhandled error while serving an HTTP request');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal server error', requestId });
      else response.destroy();
    });
  });
  server.maxConnections = options.limits.maxConnections;
  return server;
}

/**
 * node:http's own slow-client guards, which it answers with 408 and a closed connection:
 * the headers timeout and the whole-request timeout. Node checks them every
 * `connectionsCheckingInterval` (30 s by default, far coarser than these limits).
 */
export function serverOptionsFor(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * On every response: no browser may guess a content type other than the declared one,
 * and nothing (answers carry orders and per-client state) may be cached on the way.
 */
export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('cache-control', 'no-store');
}

async function route(
  options: GraphQLHttpServerOptions,
  corsHandler: CorsHandler | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  requestInfo: RequestInfo,
): Promise<void> {
  const { requestId } = requestInfo;
  const target = parseRequestTarget(request.url);
  if (!target) {
    // The raw target is the client's text: it is neither logged nor echoed.
    options.logger.warn({ requestId, status: ERROR_KINDS.requestTargetMalformed.status }, 'request target is not a valid URL');
    sendGraphQLError(response, ERROR_KINDS.requestTargetMalformed, 'The request target is not a valid URL', requestId);
    return;
  }
  const { pathname, search } = target;
  switch (pathname) {
    case HEALTH_PATH:
      sendJson(response, 200, { status: 'ok' });
      return;
    case READY_PATH: {
      const lifecycle = options.lifecycle();
      const ready = lifecycle === 'ready' && (await options.readinessChecks());
      sendJson(response, ready ? 200 : 503, { status: ready ? 'ready' : lifecycle === 'ready' ? 'unavailable' : lifecycle });
      return;
    }
    case GRAPHQL_PATH: {
      if (corsHandler && (await answeredByCors(corsHandler, request, response))) return;
      if (!corsHandler && request.method === 'OPTIONS') {
        // A preflight to a server that allows no origins: answered, without any
        // Access-Control-Allow-* header, so the browser reports the origin as not allowed
        // (rather than Apollo's CSRF message, which it shows as an unexplained failure).
        response.statusCode = 204;
        response.setHeader('allow', 'GET, POST, OPTIONS');
        response.end();
        return;
      }
      const apollo = options.apollo();
      const lifecycle = options.lifecycle();
      if (!apollo || (lifecycle !== 'ready' && lifecycle !== 'draining')) {
        sendGraphQLError(response, ERROR_KINDS.notReady, 'The gateway is not ready; retry shortly', requestId);
        return;
      }
      await withSpan(options.tracer, 'graphql request', { 'request.id': requestId }, () =>
        serveGraphQL(options, apollo, request, response, search, requestInfo),
      );
      return;
    }
    default:
      sendJson(response, 404, { error: `not found; GraphQL is served at ${GRAPHQL_PATH}` });
  }
}

const GRAPHQL_TARGET = { pathname: GRAPHQL_PATH, search: '' } as const;

/** The path and query of a request target, or undefined when it is not a valid URL (e.g. `http://a:b@[`). */
function parseRequestTarget(url: string | undefined): { pathname: string; search: string } | undefined {
  // Nearly every request asks for exactly this; it parses to itself, without building a URL.
  if (url === GRAPHQL_PATH) return GRAPHQL_TARGET;
  try {
    return new URL(url ?? '/', 'http://gateway.invalid');
  } catch {
    return undefined;
  }
}

async function serveGraphQL(
  options: GraphQLHttpServerOptions,
  apollo: ApolloServer<GatewayContext>,
  request: IncomingMessage,
  response: ServerResponse,
  search: string,
  requestInfo: RequestInfo,
): Promise<void> {
  const { requestId } = requestInfo;
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }

  // A request that may carry a body is authenticated on its headers first, so a client
  // without valid credentials cannot hold a connection open by sending its body slowly.
  // GET keeps Apollo's order: the Sandbox page needs no credentials.
  let contextValue: GatewayContext | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    try {
      contextValue = await options.context(request, requestInfo);
    } catch (error) {
      // Apollo answers the refusal exactly as it answers any failed context; the unread
      // body is discarded with the connection.
      response.setHeader('connection', 'close');
      const refused = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search, body: undefined },
        context: () => Promise.reject(error instanceof Error ? error : new Error(String(error))),
      });
      await writeApolloResponse(response, withRequestId(refused, requestId));
      return;
    }
  }

  let body: unknown;
  try {
    body = await readJsonBody(request, options.limits.bodyIdleTimeoutMs);
  } catch (error) {
    if (error instanceof RequestBodyIdleError) {
      response.setHeader('connection', 'close');
      options.logger.warn({ requestId, status: ERROR_KINDS.requestBodyStalled.status }, 'request body stalled');
      sendGraphQLError(response, ERROR_KINDS.requestBodyStalled, 'Request body arrived too slowly', requestId);
      return;
    }
    if (error instanceof RequestBodyTooLargeError) {
      response.setHeader('connection', 'close');
      options.logger.warn({ requestId, status: ERROR_KINDS.requestBodyTooLarge.status }, 'request body too large');
      sendGraphQLError(response, ERROR_KINDS.requestBodyTooLarge, 'Request body too large', requestId);
      return;
    }
    if (error instanceof RequestBodyNotUtf8Error) {
      // Not UTF-8 is not JSON either: the same kind of refusal, with its own message.
      options.logger.warn({ requestId, status: ERROR_KINDS.requestBodyNotJson.status }, 'request body is not valid UTF-8');
      sendGraphQLError(response, ERROR_KINDS.requestBodyNotJson, 'Request body is not valid UTF-8', requestId);
      return;
    }
    if (error instanceof SyntaxError) {
      options.logger.warn({ requestId, status: ERROR_KINDS.requestBodyNotJson.status }, 'request body is not valid JSON');
      sendGraphQLError(response, ERROR_KINDS.requestBodyNotJson, 'Request body is not valid JSON', requestId);
      return;
    }
    throw error;
  }

  if (options.admitsOperation && !options.admitsOperation({ method, search, body })) {
    const kind = ERROR_KINDS.operationNotTrusted;
    options.logger.warn({ requestId, status: kind.status }, 'request refused: operation not trusted');
    options.metrics.countGraphqlRequest(undefined, kind.code);
    sendGraphQLError(
      response,
      kind,
      'Only trusted operations run on this gateway, and this is not one of them: send an operation from the persisted-documents manifest deployed with the gateway',
      requestId,
    );
    return;
  }

  const httpGraphQLRequest: HTTPGraphQLRequest = { method, headers, search, body };
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    context: async () => contextValue ?? options.context(request, requestInfo),
  });
  await writeApolloResponse(response, withRequestId(result, requestId));
}

/**
 * Apollo refuses some requests (CSRF, batches, GET mutations) before any plugin runs, so
 * their errors lack the request id every other error carries; it is added here. Only
 * refusals are parsed again, never a normal answer.
 */
function withRequestId(result: HTTPGraphQLResponse, requestId: string): HTTPGraphQLResponse {
  if ((result.status ?? 200) < 400 || result.body.kind !== 'complete') return result;
  let payload: { errors?: Array<{ extensions?: Record<string, unknown> }> };
  try {
    payload = JSON.parse(result.body.string) as typeof payload;
  } catch {
    return result;
  }
  if (!Array.isArray(payload.errors) || payload.errors.every((error) => error.extensions?.requestId !== undefined)) return result;
  payload.errors = payload.errors.map((error) => ({
    ...error,
    extensions: { ...error.extensions, requestId: error.extensions?.requestId ?? requestId },
  }));
  return { ...result, body: { kind: 'complete', string: JSON.stringify(payload) } };
}

/**
 * Adds CORS headers for allowed origins; answers a preflight itself (then true). Without
 * allowed origins nothing is added, so browsers on other origins cannot read responses.
 */
function answeredByCors(handler: CorsHandler, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  return new Promise((resolve, reject) => {
    response.once('finish', () => resolve(true));
    handler(request, response, (error?: unknown) => (error ? reject(error) : resolve(false)));
  });
}

/** Reads a JSON body when the request declares one; other bodies are left to Apollo's checks. */
async function readJsonBody(request: IncomingMessage, idleTimeoutMs: number): Promise<unknown> {
  const text = await readBodyText(request, idleTimeoutMs);
  if (text === '') return undefined;
  const contentType = request.headers['content-type'] ?? '';
  // Apollo's CSRF prevention and content-type checks decide what to do with other types.
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType) ? JSON.parse(text) : text;
}

/**
 * The body as text, at most MAX_REQUEST_BODY_BYTES. A pause longer than `idleTimeoutMs`
 * between chunks fails it (node:http's request timeout bounds the whole body).
 */
function readBodyText(request: IncomingMessage, idleTimeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idleTimer = setTimeout(stalled, idleTimeoutMs);
    function collect(chunk: Buffer): void {
      idleTimer.refresh();
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) tooLarge();
      else chunks.push(chunk);
    }
    function stop(): void {
      clearTimeout(idleTimer);
      request.off('data', collect);
    }
    function stalled(): void {
      stop();
      reject(new RequestBodyIdleError());
    }
    function tooLarge(): void {
      stop();
      // Keep draining without storing so the 413 can still be written on this socket.
      request.resume();
      reject(new RequestBodyTooLargeError());
    }
    if (Number(request.headers['content-length'] ?? 0) > MAX_REQUEST_BODY_BYTES) {
      tooLarge();
      return;
    }
    request.on('data', collect);
    request.once('end', () => {
      clearTimeout(idleTimer);
      try {
        resolve(UTF8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new RequestBodyNotUtf8Error());
      }
    });
    request.once('error', (error) => {
      clearTimeout(idleTimer);
      reject(error);
    });
  });
}

async function writeApolloResponse(response: ServerResponse, result: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of result.headers) response.setHeader(name, value);
  response.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}

/** Answers a request Apollo never saw, with its kind's status, headers and code. */
function sendGraphQLError(response: ServerResponse, kind: ErrorKind, message: string, requestId: string): void {
  for (const [name, value] of httpAnswerOf(kind)?.headers ?? []) response.setHeader(name, value);
  sendJson(response, kind.status ?? 200, { errors: [{ message, extensions: { code: kind.code, requestId } }] });
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(payload));
}

/** Stops taking connections and resolves once the server has closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The URL of `path` on a listening server, to print and hand to tests: a wildcard address is reached as localhost. */
export function urlOf(address: AddressInfo, path: string): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}${path}`;
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
