/**
 * Every `extensions.code` a GraphQL response of the gateway can carry, in one place:
 * `formatError` answers with them and the metrics label outcomes with them.
 */

/** Codes of the gateway's own errors; a client can branch on them (the README's error table lists them). */
export const ERROR_CODES = {
  badUserInput: 'BAD_USER_INPUT',
  csssRejected: 'CSSS_REJECTED',
  csssUnavailable: 'CSSS_UNAVAILABLE',
  csssOutcomeUnknown: 'CSSS_OUTCOME_UNKNOWN',
  idempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  idempotencyKeyInProgress: 'IDEMPOTENCY_KEY_IN_PROGRESS',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  rateLimited: 'RATE_LIMITED',
  serviceUnavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_SERVER_ERROR',
} as const;

/**
 * Codes graphql-js and Apollo give to requests that never reached a resolver. Their
 * messages describe the request, never server state, so they pass through.
 */
export const REQUEST_ERROR_CODES = [
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
] as const;

export type ResponseErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES] | (typeof REQUEST_ERROR_CODES)[number];

/** The union of both lists, each code once. */
export const RESPONSE_ERROR_CODES: readonly ResponseErrorCode[] = [...new Set<ResponseErrorCode>([...Object.values(ERROR_CODES), ...REQUEST_ERROR_CODES])];
