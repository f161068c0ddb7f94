import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { AuthenticationError, ForbiddenError } from '../auth/principal.js';
import { RateLimitedError } from '../limits/rate-limited.error.js';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  InvalidOrderInputError,
  OrderNotRecordedError,
  OrderNotSentError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from '../orders/ota-order.errors.js';
import { ERROR_CODES, REQUEST_ERROR_CODES } from './error-codes.js';


/** graphql-js's parse error for `maxTokens`, which names the limit. */
const TOKEN_LIMIT_MESSAGE = /contains more th(?:an|at|en) \d+ tokens/i;

type FormattedWithoutExtensions = Omit<GraphQLFormattedError, 'extensions'>;

function withExtensions(
  formatted: GraphQLFormattedError,
  message: string,
  extensions: Record<string, unknown>,
): GraphQLFormattedError {
  const base: FormattedWithoutExtensions = { message, locations: formatted.locations, path: formatted.path };
  // A request id set where the error was raised stays: errors from building the context
  // are answered by Apollo before any plugin (which adds it to the others) runs.
  const requestId = formatted.extensions?.requestId;
  return { ...base, extensions: typeof requestId === 'string' ? { ...extensions, requestId } : extensions };
}

/** The stable code of a domain error, or undefined for anything else. */
export function domainErrorCode(error: unknown): string | undefined {
  if (error instanceof InvalidOrderInputError) return ERROR_CODES.badUserInput;
  if (error instanceof OrderRejectedError) return ERROR_CODES.csssRejected;
  if (error instanceof OrderNotSentError) return ERROR_CODES.csssUnavailable;
  if (error instanceof OrderOutcomeUnknownError) return ERROR_CODES.csssOutcomeUnknown;
  if (error instanceof IdempotencyKeyReusedError) return ERROR_CODES.idempotencyKeyReused;
  if (error instanceof IdempotencyKeyInProgressError) return ERROR_CODES.idempotencyKeyInProgress;
  if (error instanceof AuthenticationError) return error.isOutage ? ERROR_CODES.serviceUnavailable : ERROR_CODES.unauthenticated;
  if (error instanceof ForbiddenError) return ERROR_CODES.forbidden;
  if (error instanceof RateLimitedError) return ERROR_CODES.rateLimited;
  if (error instanceof OrderNotRecordedError) return ERROR_CODES.serviceUnavailable;
  return undefined;
}

/** What each domain error adds to its code in `extensions`. */
function domainExtensions(error: Error): Record<string, unknown> {
  if (error instanceof InvalidOrderInputError) {
    return {
      field: error.violations[0].field,
      violations: error.violations.map(({ field, message }) => ({ field, message })),
    };
  }
  if (error instanceof OrderRejectedError) return { csss: { code: error.csssCode, message: error.csssMessage } };
  if (error instanceof IdempotencyKeyReusedError) return { field: 'idempotencyKey' };
  if (error instanceof RateLimitedError) return { retryAfterSeconds: error.retryAfterSeconds };
  return {};
}

/**
 * The one boundary where errors become GraphQL errors: each domain error gets its stable
 * code, request errors pass through, and everything else is masked.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // Resolver errors and context-creation errors both wrap what was thrown.
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  const code = domainErrorCode(original);
  if (code !== undefined && original instanceof Error) {
    return withExtensions(formatted, original.message, { code, ...domainExtensions(original) });
  }

  const requestCode = formatted.extensions?.code;
  if (typeof requestCode === 'string' && (REQUEST_ERROR_CODES as readonly string[]).includes(requestCode)) {
    // Drop anything but the code (for example a stack trace) from request errors, and
    // never tell a caller where the token limit lies.
    const message = TOKEN_LIMIT_MESSAGE.test(formatted.message) ? 'Syntax Error: the document is too large.' : formatted.message;
    return withExtensions(formatted, message, { code: requestCode });
  }
  return withExtensions(formatted, 'Internal server error', { code: ERROR_CODES.internal });
}
