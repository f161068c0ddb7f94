import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  InvalidOrderInputError,
  OrderNotSentError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from '../orders/ota-order.errors.js';

/** Codes a client can branch on; the README's error table lists them. */
export const ERROR_CODES = {
  badUserInput: 'BAD_USER_INPUT',
  csssRejected: 'CSSS_REJECTED',
  csssUnavailable: 'CSSS_UNAVAILABLE',
  csssOutcomeUnknown: 'CSSS_OUTCOME_UNKNOWN',
  idempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  idempotencyKeyInProgress: 'IDEMPOTENCY_KEY_IN_PROGRESS',
  internal: 'INTERNAL_SERVER_ERROR',
} as const;

/**
 * Codes graphql-js and Apollo give to requests that never reached a resolver. Their
 * messages describe the request, never server state, so they pass through.
 */
const REQUEST_ERROR_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

type FormattedWithoutExtensions = Omit<GraphQLFormattedError, 'extensions'>;

function withExtensions(
  formatted: GraphQLFormattedError,
  message: string,
  extensions: Record<string, unknown>,
): GraphQLFormattedError {
  const base: FormattedWithoutExtensions = { message, locations: formatted.locations, path: formatted.path };
  return { ...base, extensions };
}

/**
 * The one boundary where errors become GraphQL errors: each domain error gets its stable
 * code, request errors pass through, and everything else is masked.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);

  if (original instanceof InvalidOrderInputError) {
    const [first] = original.violations;
    return withExtensions(formatted, original.message, {
      code: ERROR_CODES.badUserInput,
      field: first.field,
      violations: original.violations.map(({ field, message }) => ({ field, message })),
    });
  }
  if (original instanceof OrderRejectedError) {
    return withExtensions(formatted, original.message, {
      code: ERROR_CODES.csssRejected,
      csss: { code: original.csssCode, message: original.csssMessage },
    });
  }
  if (original instanceof OrderNotSentError) {
    return withExtensions(formatted, original.message, { code: ERROR_CODES.csssUnavailable });
  }
  if (original instanceof OrderOutcomeUnknownError) {
    return withExtensions(formatted, original.message, { code: ERROR_CODES.csssOutcomeUnknown });
  }
  if (original instanceof IdempotencyKeyReusedError) {
    return withExtensions(formatted, original.message, { code: ERROR_CODES.idempotencyKeyReused, field: 'idempotencyKey' });
  }
  if (original instanceof IdempotencyKeyInProgressError) {
    return withExtensions(formatted, original.message, { code: ERROR_CODES.idempotencyKeyInProgress });
  }

  const code = formatted.extensions?.code;
  if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
    // Drop anything but the code (for example a stack trace) from request errors.
    return withExtensions(formatted, formatted.message, { code });
  }
  return withExtensions(formatted, 'Internal server error', { code: ERROR_CODES.internal });
}
