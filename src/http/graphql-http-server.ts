import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import type { Tracer } from '@opentelemetry/api';
import { ERROR_KINDS } from '../errors/error-codes.js';
import type { OperationRequest } from '../graphql/trusted-documents.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RequestInfo } from '../observability/request-info.js';
import { withSpan } from '../observability/tracing.js';
import type { GatewayContext } from '../request/gateway-context.js';
import { refuse, refuseOnSocket, type Refusal } from '../request/refusal.js';
import { beginRequest, createRequestInfo, resolveRequestId } from '../request/request-id.js';
import { createCorsPolicy, type AllowedOrigin, type CorsPolicy } from './cors-policy.js';
import { serveGraphQLRequest, type GraphQLRequestServing } from './graphql-request.js';
import type { HttpTimeoutsAndCaps } from './http-timeouts-and-caps.js';
import { serverOptionsFor, setSecurityHeaders } from './listener.js';
import { declaresBody } from './request-body.js';

export const GRAPHQL_PATH = '/graphql';
const HEALTH_PATH = '/healthz';
const READY_PATH = '/readyz';

/**
 * Where the gateway is in its life: only `ready` reports ready; `ready` and `draining`
 * (the shutdown delay) serve GraphQL.
 */
export type Lifecycle = 'starting' | 'ready' | 'draining' | 'stopping';

interface GraphQLHttpServerOptions {
  /** Set once Apollo has started; GraphQL requests before that get 503. */
  apollo: () => ApolloServer<GatewayContext> | undefined;
  lifecycle: () => Lifecycle;
  /** Checks that must pass for readiness besides the lifecycle (e.g. the journal is writable). */
  readinessChecks: () => Promise<boolean>;
  /** Builds a request's context; a refused caller is a RequestRefusedError. */
  context: GraphQLRequestServing['context'];
  logger: Logger;
  /** Counts the refusals answered here, before Apollo. */
  metrics: GatewayMetrics;
  tracer: Tracer;
  /** Browser origins allowed to call `/graphql`; empty: no CORS headers at all. */
  corsOrigins: readonly AllowedOrigin[];
  /**
   * Whether the operation a request asks for may run (trusted documents); others are
   * refused with 400 OPERATION_NOT_TRUSTED before Apollo parses them. Unset: all may.
   */
  admitsOperation?: (request: OperationRequest) => boolean;
  /** Timeouts and caps that keep slow or many clients from tying up the server. */
  limits: HttpTimeoutsAndCaps;
}

/**
 * Connections past HTTP_MAX_CONNECTIONS are answered 503; past this many times it, node:http
 * drops them unanswered, so a flood cannot use up the process's file descriptors.
 */
const HARD_CONNECTION_CEILING_FACTOR = 2;

/**
 * A small node:http front: `/graphql` goes to Apollo (which also serves the Sandbox
 * landing page on browser GETs); `/healthz` and `/readyz` are for load balancers and
 * never touch CSSS (metrics have a listener of their own). Every response carries the
 * request id and the headers of {@link setSecurityHeaders}; every refusal before Apollo
 * goes through `refuse`.
 */
export function createGraphQLHttpServer(options: GraphQLHttpServerOptions): Server {
  const cors = createCorsPolicy(options.corsOrigins, options.logger);
  const overCap = trackConnectionCap(options.limits.maxConnections);
  const server = createServer(serverOptionsFor(options.limits), (request, response) => {
    const requestInfo = beginRequest(request, response, options.logger);
    setSecurityHeaders(response);
    route(options, cors, overCap, request, response, requestInfo).catch((error: unknown) => {
      requestInfo.logger.error({ err: error }, 'unhandled error while serving an HTTP request');
      if (!response.headersSent) {
        response.statusCode = 500;
        response.setHeader('content-type', 'application/json; charset=utf-8');
        response.end(JSON.stringify({ error: 'internal server error', requestId: requestInfo.requestId }));
      } else response.destroy();
    });
  });
  server.on('connection', overCap.track);
  server.maxConnections = options.limits.maxConnections * HARD_CONNECTION_CEILING_FACTOR;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(options, error, socket));
  return server;
}

/** Marks every connection opened while more than `cap` are open; they are answered 503 and closed. */
function trackConnectionCap(cap: number): { track: (socket: Socket) => void; has: (socket: Socket) => boolean } {
  const over = new WeakSet<Socket>();
  let open = 0;
  return {
    track(socket) {
      open += 1;
      socket.once('close', () => (open -= 1));
      if (open > cap) over.add(socket);
    },
    has: (socket) => over.has(socket),
  };
}

/**
 * node:http's own refusals (a header over 16 KiB, a byte a header may not hold, a request
 * that did not arrive in time), answered as JSON with BAD_REQUEST and a request id like
 * every other refusal, rather than node's bare status line.
 */
function answerClientError(options: GraphQLHttpServerOptions, error: NodeJS.ErrnoException, socket: Socket): void {
  const answerable = socket.writable && !(socket as Socket & { _httpMessage?: ServerResponse })._httpMessage?.headersSent;
  if (!answerable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const requestInfo = createRequestInfo(resolveRequestId(undefined), options.logger);
  const refusal: Refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? { kind: ERROR_KINDS.requestHeadersTooLarge, message: 'Request headers too large', log: { message: 'request headers too large' } }
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? { kind: ERROR_KINDS.requestTimedOut, message: 'Request arrived too slowly', log: { message: 'request timed out' } }
        : {
            kind: ERROR_KINDS.requestUnparseable,
            message: 'Malformed HTTP request',
            // node's parser code says what was wrong without quoting the client's bytes.
            log: { message: 'request is not valid HTTP', fields: { reason: error.code } },
          };
  refuseOnSocket(socket, refusal, { requestInfo, metrics: options.metrics }, [
    ['x-content-type-options', 'nosniff'],
    ['cache-control', 'no-store'],
  ]);
}

async function route(
  options: GraphQLHttpServerOptions,
  cors: CorsPolicy,
  overCap: { has: (socket: Socket) => boolean },
  request: IncomingMessage,
  response: ServerResponse,
  requestInfo: RequestInfo,
): Promise<void> {
  const edge = { requestInfo, metrics: options.metrics };
  const target = parseRequestTarget(request.url);
  if (!target) {
    // The raw target is the client's text: it is neither logged nor echoed.
    refuse(
      response,
      {
        kind: ERROR_KINDS.requestTargetMalformed,
        message: 'The request target is not a valid URL',
        log: { message: 'request target is not a valid URL' },
      },
      edge,
    );
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
      // CORS first, so that a page on an allowed origin can read every refusal below (the
      // browser would otherwise report a bare network failure instead of the gateway's error).
      if (await cors.answered(request, response)) return;
      if (overCap.has(request.socket)) {
        // Answered rather than reset, so the client can tell it was not served and retry.
        const log = { message: 'request refused: over the connection cap', level: 'debug' as const };
        refuse(
          response,
          {
            kind: ERROR_KINDS.overConnectionCap,
            message: 'The gateway has too many connections open; retry shortly',
            log,
            closeConnection: true,
          },
          edge,
        );
        return;
      }
      const method = request.method?.toUpperCase();
      if ((method === 'GET' || method === 'HEAD') && declaresBody(request)) {
        // Refused before authentication and without reading it: a body nobody reads
        // would otherwise let an anonymous client hold the connection while it trickles.
        const log = { message: 'request refused: GET or HEAD with a body' };
        refuse(
          response,
          { kind: ERROR_KINDS.requestBodyOnGet, message: 'A GET or HEAD request must not carry a body', log, closeConnection: true },
          edge,
        );
        return;
      }
      const apollo = options.apollo();
      const lifecycle = options.lifecycle();
      if (!apollo || (lifecycle !== 'ready' && lifecycle !== 'draining')) {
        refuse(
          response,
          {
            kind: ERROR_KINDS.notReady,
            message: 'The gateway is not ready; retry shortly',
            log: { message: 'request refused: not ready', level: 'debug' },
          },
          edge,
        );
        return;
      }
      const serving: GraphQLRequestServing = {
        context: options.context,
        admitsOperation: options.admitsOperation,
        bodyIdleTimeoutMs: options.limits.bodyIdleTimeoutMs,
        metrics: options.metrics,
      };
      await withSpan(options.tracer, 'graphql request', { 'request.id': requestInfo.requestId }, () =>
        serveGraphQLRequest(serving, apollo, request, response, search, requestInfo),
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

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(payload));
}
