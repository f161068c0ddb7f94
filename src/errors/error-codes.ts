/**
 * Every `extensions.code` a GraphQL response of the gateway can carry, and how each kind of
 * refusal is answered over HTTP, in one place. `formatError`, GatewayError's
 * `extensions.http`, the request edge's `refuse`, the metrics and the schema's `ErrorCode`
 * enum all read these tables; nothing else spells a code or picks a status. This file imports nothing,
 * so every folder may depend on it.
 */

/** What a client is told about a code: the enum value's description and its extensions. */
interface ErrorCodeDoc {
  description: string;
  /** The `extensions` keys besides `code` (and `requestId`, which every error may carry). */
  extensions?: string;
}

/** Codes of the gateway's own errors; a client can branch on them. */
const GATEWAY_ERROR_CODE_DOCS = {
  BAD_USER_INPUT: {
    description:
      'The input breaks a rule in the schema, or GraphQL rejected a variable (an unknown enum value, a missing or unknown field, a wrong type). One error answers for the whole input, listing every problem whichever check found it. HTTP 400. CSSS was not called.',
    extensions:
      "`violations`: every problem as `{ field, message }`, `field` being the path of the input field (e.g. `deviceId`), in the input type's field order; `field`: the first of them.",
  },
  IDEMPOTENCY_KEY_REUSED: {
    description: 'The idempotencyKey was used before for a different order. CSSS was not called; use a new key.',
    extensions: '`field`: always `idempotencyKey`.',
  },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    description: 'An order with this idempotencyKey is still being sent. CSSS was not called; retry later with the same key.',
  },
  UNAUTHENTICATED: {
    description: 'No or invalid credentials (HTTP 401 with WWW-Authenticate). CSSS was not called.',
  },
  FORBIDDEN: {
    description: 'Valid credentials without the order scope (HTTP 403). CSSS was not called.',
  },
  RATE_LIMITED: {
    description:
      'The client ordered faster than its order limit, or sent requests of any kind faster than its request limit (HTTP 429 with Retry-After). CSSS was not called.',
    extensions: '`retryAfterSeconds`: whole seconds to wait before the next order or request, as in Retry-After.',
  },
  CSSS_REJECTED: {
    description: 'CSSS refused the order; no order exists.',
    extensions: '`csss`: `{ code, message }` exactly as CSSS sent them (the message in the negotiated language).',
  },
  CSSS_UNAVAILABLE: {
    description:
      'The order never reached CSSS (connection refused, DNS failure, connect timeout, too many calls in flight, circuit breaker open). No order exists; retrying with the same key is safe.',
  },
  CSSS_OUTCOME_UNKNOWN: {
    description:
      'The order may have reached CSSS but no valid answer came back. It is never re-sent under this key; check otaOrderAttempt, an operator settles it.',
  },
  SERVICE_UNAVAILABLE: {
    description:
      'HTTP 503 with Retry-After: the gateway is starting or stopping, has more connections open than it takes, could not journal the order (or not send it within ORDER_SEND_BUDGET_MS of journaling it) and so did not send it, or cannot check credentials now (keep the token). Safe to retry.',
    extensions: '`retryAfterSeconds`: whole seconds to wait before retrying, as in Retry-After.',
  },
  OPERATION_NOT_TRUSTED: {
    description:
      'TRUSTED_DOCUMENTS_ONLY is on and the operation is in no trusted-document manifest, by hash or by its exact text (HTTP 400). Nothing was executed and CSSS was not called; send an operation from the persisted-documents manifest deployed with the gateway.',
  },
  INTERNAL_SERVER_ERROR: {
    description: 'Anything else; the message is masked. Whether an order was placed is unknown: check otaOrderAttempt.',
  },
} as const satisfies Record<string, ErrorCodeDoc>;

/**
 * Codes graphql-js and Apollo give to requests that never reached a resolver. Their
 * messages describe the request, never server state, so they pass through.
 */
const REQUEST_ERROR_CODE_DOCS = {
  BAD_USER_INPUT: GATEWAY_ERROR_CODE_DOCS.BAD_USER_INPUT,
  GRAPHQL_PARSE_FAILED: { description: 'The operation is not valid GraphQL syntax, or is too large.' },
  GRAPHQL_VALIDATION_FAILED: { description: 'The operation does not fit the schema (or breaks the depth or alias limits).' },
  BAD_REQUEST: {
    description:
      'The HTTP request is refused: not valid UTF-8 JSON, a batch, missing a query, its target not a URL, a GET or HEAD with a body, a malformed header, or a possible cross-site request forgery (HTTP 400); a mutation over GET (HTTP 405); its headers or body too slow (HTTP 408); too large (HTTP 413); headers over 16 KiB (HTTP 431).',
  },
  OPERATION_RESOLUTION_FAILURE: { description: 'The document has several operations and operationName picks none of them.' },
  PERSISTED_QUERY_NOT_FOUND: { description: 'An automatic persisted query hash the gateway does not know; send the query text.' },
  PERSISTED_QUERY_NOT_SUPPORTED: { description: 'Persisted queries are not supported for this request.' },
} as const satisfies Record<string, ErrorCodeDoc>;

type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODE_DOCS;
type RequestErrorCode = keyof typeof REQUEST_ERROR_CODE_DOCS;
export type ResponseErrorCode = GatewayErrorCode | RequestErrorCode;

/** The codes of the gateway's own errors (GatewayError), which a resolver may answer with. */
export const GATEWAY_ERROR_CODES = Object.keys(GATEWAY_ERROR_CODE_DOCS) as GatewayErrorCode[];
/** The codes graphql-js and Apollo give to requests that never reached a resolver. */
export const REQUEST_ERROR_CODES = Object.keys(REQUEST_ERROR_CODE_DOCS) as RequestErrorCode[];
/** Every code a response can carry, each once: the schema's `ErrorCode` enum and the metrics' labels. */
export const RESPONSE_ERROR_CODE_DOCS: Readonly<Record<ResponseErrorCode, ErrorCodeDoc>> = {
  ...GATEWAY_ERROR_CODE_DOCS,
  ...REQUEST_ERROR_CODE_DOCS,
};
/** Both of the above, each code once. */
export const RESPONSE_ERROR_CODES = Object.keys(RESPONSE_ERROR_CODE_DOCS) as ResponseErrorCode[];

/**
 * How one kind of error is answered: its code, and the HTTP status and headers of the
 * response when it is the (first) error. Errors without a status keep GraphQL's 200,
 * because part of an operation may have succeeded. Change a status or header here.
 */
export interface ErrorKind {
  code: ResponseErrorCode;
  status?: number;
  headers?: Readonly<Record<string, string>>;
  /** Retry-After for every error of this kind; an error may carry its own instead. */
  retryAfterSeconds?: number;
}

export const ERROR_KINDS = {
  /** 400 like graphql-js's own variable errors: the whole operation was refused, nothing ran. */
  invalidInput: { code: 'BAD_USER_INPUT', status: 400 },
  idempotencyKeyReused: { code: 'IDEMPOTENCY_KEY_REUSED' },
  idempotencyKeyInProgress: { code: 'IDEMPOTENCY_KEY_IN_PROGRESS' },
  unauthenticated: { code: 'UNAUTHENTICATED', status: 401, headers: { 'www-authenticate': 'Bearer, ApiKey' } },
  /** The identity provider's keys cannot be fetched: the client should keep its token and retry. */
  credentialsUncheckable: { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfterSeconds: 5 },
  forbidden: { code: 'FORBIDDEN', status: 403 },
  /** Retry-After comes from the error (the client's own bucket). */
  rateLimited: { code: 'RATE_LIMITED', status: 429 },
  /** Any GraphQL request beyond the client's request limit, refused before parsing; Retry-After from the error. */
  requestRateLimited: { code: 'RATE_LIMITED', status: 429 },
  csssRejected: { code: 'CSSS_REJECTED' },
  csssUnavailable: { code: 'CSSS_UNAVAILABLE' },
  csssOutcomeUnknown: { code: 'CSSS_OUTCOME_UNKNOWN' },
  /** The journal could not record the attempt, so nothing was sent: 503 like every other SERVICE_UNAVAILABLE. */
  orderNotRecorded: { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfterSeconds: 5 },
  /** The attempt was journaled but could not leave within the send budget, so it was recorded NOT_SENT and not sent. */
  orderNotSentInTime: { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfterSeconds: 1 },
  /** GraphQL before start-up finished or after shutdown began; like every SERVICE_UNAVAILABLE, with Retry-After. */
  notReady: { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfterSeconds: 5 },
  requestBodyTooLarge: { code: 'BAD_REQUEST', status: 413 },
  requestBodyNotJson: { code: 'BAD_REQUEST', status: 400 },
  /** TRUSTED_DOCUMENTS_ONLY: refused before Apollo parses the operation. */
  operationNotTrusted: { code: 'OPERATION_NOT_TRUSTED', status: 400 },
  /** The body paused longer than the body idle timeout; the connection is closed. */
  requestBodyStalled: { code: 'BAD_REQUEST', status: 408 },
  /** The request target does not parse as a URL (e.g. `http://a:b@[`). */
  requestTargetMalformed: { code: 'BAD_REQUEST', status: 400 },
  /** A GET or HEAD that carries a body: refused before authentication, the body unread. */
  requestBodyOnGet: { code: 'BAD_REQUEST', status: 400 },
  /** node:http could not parse the request (a bad header byte, a malformed request line). */
  requestUnparseable: { code: 'BAD_REQUEST', status: 400 },
  /** The request's headers are over node:http's 16 KiB limit. */
  requestHeadersTooLarge: { code: 'BAD_REQUEST', status: 431 },
  /** The headers or the whole request did not arrive within their timeout. */
  requestTimedOut: { code: 'BAD_REQUEST', status: 408 },
  /** More connections are open than HTTP_MAX_CONNECTIONS: answered, then closed, so the client can retry. */
  overConnectionCap: { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfterSeconds: 1 },
  internal: { code: 'INTERNAL_SERVER_ERROR' },
} as const satisfies Record<string, ErrorKind>;

/** The HTTP status and headers for an error of this kind, or undefined to keep 200. */
export function httpAnswerOf(
  kind: ErrorKind,
  retryAfterSeconds: number | undefined = kind.retryAfterSeconds,
): { status: number; headers: Array<[string, string]> } | undefined {
  if (kind.status === undefined) return undefined;
  const headers = Object.entries(kind.headers ?? {});
  if (retryAfterSeconds !== undefined) headers.push(['retry-after', String(retryAfterSeconds)]);
  return { status: kind.status, headers };
}
