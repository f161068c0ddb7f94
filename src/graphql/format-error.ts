import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { ERROR_KINDS, REQUEST_ERROR_CODES } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway.error.js';
import { capEchoedValues, withoutSuggestionText } from './error-message.text.js';

/** graphql-js's parse error for `maxTokens`, which names the limit. */
const TOKEN_LIMIT_MESSAGE = /contains more th(?:an|at|en) \d+ tokens/i;

/** Apollo's refusal of introspection, which tells the reader to change Apollo's own options. */
const APOLLO_INTROSPECTION_REFUSAL = 'GraphQL introspection is not allowed by Apollo Server';
const INTROSPECTION_OFF =
  'Introspection is off: the gateway runs in production. Its operator can turn it on with SANDBOX_ENABLED=true; the schema is also published as schema/schema.graphql.';

const VARIABLE_NAME = /^Variable "\$(\w+)"/;

type FormattedWithoutExtensions = Omit<GraphQLFormattedError, 'extensions'>;

function withExtensions(formatted: GraphQLFormattedError, message: string, extensions: Record<string, unknown>): GraphQLFormattedError {
  const base: FormattedWithoutExtensions = { message, locations: formatted.locations, path: formatted.path };
  return { ...base, extensions };
}

function isRequestErrorCode(code: unknown): code is string {
  return typeof code === 'string' && (REQUEST_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * True when the error is answered as a masked INTERNAL_SERVER_ERROR: it is neither one
 * of the gateway's own errors nor a request error of graphql-js or Apollo. Its cause
 * must then be logged, because the answer does not carry it.
 */
export function isMaskedError(error: unknown): boolean {
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (original instanceof GatewayError) return false;
  return !(error instanceof GraphQLError && isRequestErrorCode(error.extensions.code));
}

/**
 * A variable error of graphql-js that reached the formatter (the input violations plugin
 * normally answers them first), in the one shape of every bad input. graphql-js's
 * message starts with the whole invalid value, which for `$input` is the entire order,
 * so only its reason is kept.
 */
function variableErrorOf(formatted: GraphQLFormattedError, error: unknown): { message: string; field: string } | undefined {
  const variable = VARIABLE_NAME.exec(formatted.message)?.[1];
  if (variable === undefined) return undefined;
  const reason = error instanceof GraphQLError && error.originalError instanceof Error ? error.originalError.message : undefined;
  const message =
    reason === undefined || reason === formatted.message ? formatted.message : `Variable "$${variable}" got an invalid value: ${reason}`;
  return { message: capEchoedValues(message), field: variable };
}

/**
 * The one boundary where errors become GraphQL errors: each GatewayError is answered with
 * its code and extensions, request errors pass through with every echoed value capped,
 * and everything else is masked.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // Resolver errors and context-creation errors both wrap what was thrown.
  const original = error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (original instanceof GatewayError) {
    // Every error answered with Retry-After carries it as data too: a client that cannot read
    // headers (Apollo Client) still knows when to retry.
    const retryAfter = original.retryAfter;
    return withExtensions(formatted, original.message, {
      code: original.code,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      ...original.clientExtensions(),
    });
  }

  const requestCode = formatted.extensions?.code;
  if (isRequestErrorCode(requestCode)) {
    // Drop anything but the code (for example a stack trace) from request errors, and
    // never tell a caller where the token limit lies.
    const variableError = requestCode === ERROR_KINDS.invalidInput.code ? variableErrorOf(formatted, error) : undefined;
    if (variableError) {
      const { message, field } = variableError;
      return withExtensions(formatted, message, { code: requestCode, field, violations: [{ field, message }] });
    }
    let message = formatted.message;
    if (TOKEN_LIMIT_MESSAGE.test(message)) message = 'Syntax Error: the document is too large.';
    else if (message.startsWith(APOLLO_INTROSPECTION_REFUSAL)) message = INTROSPECTION_OFF;
    return withExtensions(formatted, capEchoedValues(message), { code: requestCode });
  }
  return withExtensions(formatted, 'Internal server error', { code: ERROR_KINDS.internal.code });
}

/**
 * The formatted error without graphql-js's "did you mean" hints, which reveal field and
 * enum names, in its message and in each of its `violations`. Apollo's
 * hideSchemaDetailsFromClientErrors removes them from validation errors only; variable
 * coercion errors (an unknown enum value or field) still carry them.
 */
export function withoutSuggestions(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = withoutSuggestionText(formatted.message);
  const violations = formatted.extensions?.violations;
  if (!Array.isArray(violations)) return message === formatted.message ? formatted : { ...formatted, message };
  return {
    ...formatted,
    message,
    extensions: {
      ...formatted.extensions,
      violations: violations.map((violation: { field: string; message: string }) => ({
        ...violation,
        message: withoutSuggestionText(violation.message),
      })),
    },
  };
}
