import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import Negotiator from 'negotiator';
import { httpAnswerOf, type ErrorKind } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway.error.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RequestInfo } from '../observability/request-info.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** GraphQL over HTTP's media type, for clients that accept it; Apollo answers with the same choice. */
const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
const APPLICATION_JSON = 'application/json; charset=utf-8';

/** Why a request is refused before Apollo sees it, and how that is logged. */
export interface Refusal {
  /** Code, status and headers (ERROR_KINDS). */
  kind: ErrorKind;
  /** For the caller: never echoes what the caller sent. */
  message: string;
  /** Retry-After of this refusal, when the kind has none or a different one. */
  retryAfterSeconds?: number | undefined;
  /** What the refusal adds to `extensions` beside its code and the request id (e.g. retryAfterSeconds). */
  extensions?: Record<string, unknown>;
  /** The log line; warn with the status unless told otherwise. */
  log: { message: string; level?: 'debug' | 'warn' | 'error'; fields?: Record<string, unknown> };
  /** The request's body was (or may be) left unread: close the connection after the answer. */
  closeConnection?: boolean;
}

/**
 * A refusal raised while the request context is built (authentication, the request
 * limit). The HTTP front answers it with {@link refuse}; should Apollo build the context
 * itself (a browser's GET), it answers it as the GatewayError it is, with the same status.
 */
export class RequestRefusedError extends GatewayError {
  override readonly name = 'RequestRefusedError';
  readonly kind: ErrorKind;
  override readonly retryAfterSeconds: number | undefined;
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.kind = refusal.kind;
    this.retryAfterSeconds = refusal.retryAfterSeconds;
  }

  override clientExtensions(): Record<string, unknown> {
    return { ...this.refusal.extensions };
  }
}

/** What a refusal is counted and logged with. */
interface RefusalEdge {
  requestInfo: RequestInfo;
  metrics: GatewayMetrics;
}

/**
 * The one way the HTTP front refuses a request: the status and headers of its kind, the
 * request id, a GraphQL response body (`{"errors":[…]}`, as GraphQL over HTTP asks, in
 * the media type the client accepts), one count in the request metrics and one log line.
 */
export function refuse(response: ServerResponse, refusal: Refusal, edge: RefusalEdge): void {
  const answer = answerOf(refusal, edge.requestInfo.requestId, response.req.headers.accept);
  record(refusal, answer.status, edge);
  for (const [name, value] of answer.headers) response.setHeader(name, value);
  if (refusal.closeConnection) response.setHeader('connection', 'close');
  response.statusCode = answer.status;
  response.end(answer.body);
}

/**
 * {@link refuse} for a connection node:http could not parse a request from (no
 * ServerResponse exists): the answer is written on the socket, which is then closed.
 */
export function refuseOnSocket(socket: Socket, refusal: Refusal, edge: RefusalEdge, extraHeaders: Array<[string, string]>): void {
  const answer = answerOf(refusal, edge.requestInfo.requestId, undefined);
  record(refusal, answer.status, edge);
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`,
    ...[...answer.headers, ...extraHeaders].map(([name, value]) => `${name}: ${value}`),
    `content-length: ${Buffer.byteLength(answer.body)}`,
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${answer.body}`);
}

/**
 * The media type of a refusal: GraphQL over HTTP's when the client's Accept prefers it
 * (Apollo Client 4 sends `application/graphql-response+json,application/json;q=0.9`),
 * else application/json, as Apollo Server chooses for the answers it writes itself.
 */
function refusalMediaTypeFor(accept: string | undefined): string {
  if (!accept) return APPLICATION_JSON;
  const preferred = new Negotiator({ headers: { accept } }).mediaType([APPLICATION_JSON, GRAPHQL_RESPONSE_JSON]);
  return preferred === GRAPHQL_RESPONSE_JSON ? GRAPHQL_RESPONSE_JSON : APPLICATION_JSON;
}

function answerOf(
  refusal: Refusal,
  requestId: string,
  accept: string | undefined,
): { status: number; headers: Array<[string, string]>; body: string } {
  const { kind } = refusal;
  const retryAfter = refusal.retryAfterSeconds ?? kind.retryAfterSeconds;
  const http = httpAnswerOf(kind, retryAfter);
  const status = http?.status ?? 400;
  // Retry-After as data too, as every GatewayError carries it (formatGatewayError).
  const extensions = {
    code: kind.code,
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    ...refusal.extensions,
    requestId,
  };
  return {
    status,
    headers: [...(http?.headers ?? []), [REQUEST_ID_HEADER, requestId], ['content-type', refusalMediaTypeFor(accept)]],
    body: JSON.stringify({ errors: [{ message: refusal.message, extensions }] }),
  };
}

function record(refusal: Refusal, status: number, { requestInfo, metrics }: RefusalEdge): void {
  metrics.countGraphqlRequest(undefined, refusal.kind.code);
  const { message, level = 'warn', fields } = refusal.log;
  requestInfo.logger[level]({ status, ...fields }, message);
}
