import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { ERROR_KINDS, REQUEST_ERROR_CODES } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway-error.js';

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

/**
 * The one boundary where errors become GraphQL errors: each GatewayError is answered with
 * its code and extensions, request errors pass through, and everything else is masked.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // Resolver errors and context-creation errors both wrap what was thrown.
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (original instanceof GatewayError) {
    return withExtensions(formatted, original.message, { code: original.code, ...original.clientExtensions() });
  }

  const requestCode = formatted.extensions?.code;
  if (typeof requestCode === 'string' && (REQUEST_ERROR_CODES as readonly string[]).includes(requestCode)) {
    // Drop anything but the code (for example a stack trace) from request errors, and
    // never tell a caller where the token limit lies.
    const message = TOKEN_LIMIT_MESSAGE.test(formatted.message) ? 'Syntax Error: the document is too large.' : formatted.message;
    return withExtensions(formatted, message, { code: requestCode });
  }
  return withExtensions(formatted, 'Internal server error', { code: ERROR_KINDS.internal.code });
}
