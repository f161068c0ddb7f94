import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { ERROR_KINDS, REQUEST_ERROR_CODES } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway-error.js';

/** graphql-js's "did you mean" hints: the end of a message, e.g. ` Did you mean the enum value "DAILY"?`. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** graphql-js's parse error for `maxTokens`, which names the limit. */
const TOKEN_LIMIT_MESSAGE = /contains more th(?:an|at|en) \d+ tokens/i;

type FormattedWithoutExtensions = Omit<GraphQLFormattedError, 'extensions'>;

function withExtensions(formatted: GraphQLFormattedError, message: string, extensions: Record<string, unknown>): GraphQLFormattedError {
  const base: FormattedWithoutExtensions = { message, locations: formatted.locations, path: formatted.path };
  // A request id set where the error was raised stays: errors from building the context
  // are answered by Apollo before any plugin (which adds it to the others) runs.
  const requestId = formatted.extensions?.requestId;
  return { ...base, extensions: typeof requestId === 'string' ? { ...extensions, requestId } : extensions };
}

const VARIABLE_NAME = /^Variable "\$(\w+)"/;
/** graphql-js's prefix before the reason: the whole invalid value, then where in it. */
const INVALID_VALUE_PREFIX = /^Variable "\$(\w+)" got invalid value [^]*?(?: at "\1((?:\.\w+|\[\d+\])+)")?$/;
const NAMED_FIELD = /^Field "(\w+)" (?:of required type|is not defined by type)/;

/**
 * A variable graphql-js refused (a wrong type, an unknown enum value or field, a missing
 * field), told like the gateway's own rule breaks: the field it concerns, and a message
 * that names the bad part only. graphql-js's message starts with the whole invalid
 * value, which for `$input` is the caller's entire order.
 */
function variableErrorOf(formatted: GraphQLFormattedError, error: unknown): { message: string; field: string } | undefined {
  const variable = VARIABLE_NAME.exec(formatted.message)?.[1];
  if (variable === undefined) return undefined;
  const reason = error instanceof GraphQLError && error.originalError instanceof Error ? error.originalError.message : undefined;
  if (reason === undefined || reason === formatted.message || !formatted.message.endsWith(`; ${reason}`)) {
    // "Variable "$x" of required type … was not provided" and the like hold no input.
    return { message: formatted.message, field: variable };
  }
  const prefix = INVALID_VALUE_PREFIX.exec(formatted.message.slice(0, -reason.length - 2));
  if (!prefix) return { message: `Variable "$${variable}" got an invalid value: ${reason}`, field: variable };
  const path = prefix[2] ?? '';
  const field = NAMED_FIELD.exec(reason)?.[1] ?? /(\w+)(?:\[\d+\])*$/.exec(path)?.[1] ?? variable;
  const where = path === '' ? '' : ` at "${variable}${path}"`;
  return { message: `Variable "$${variable}" got an invalid value${where}: ${reason}`, field };
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
    const variableError = requestCode === ERROR_KINDS.invalidInput.code ? variableErrorOf(formatted, error) : undefined;
    if (variableError) {
      const { message, field } = variableError;
      return withExtensions(formatted, message, { code: requestCode, field, violations: [{ field, message }] });
    }
    const message = TOKEN_LIMIT_MESSAGE.test(formatted.message) ? 'Syntax Error: the document is too large.' : formatted.message;
    return withExtensions(formatted, message, { code: requestCode });
  }
  return withExtensions(formatted, 'Internal server error', { code: ERROR_KINDS.internal.code });
}

/**
 * The formatted error without graphql-js's "did you mean" hints, which reveal field and
 * enum names. Apollo's hideSchemaDetailsFromClientErrors removes them from validation
 * errors only; variable coercion errors (an unknown enum value) still carry them.
 */
export function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = formatted.message.replace(SUGGESTION, '');
  return message === formatted.message ? formatted : { ...formatted, message };
}
