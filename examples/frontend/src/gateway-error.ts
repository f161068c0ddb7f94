import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import type { ErrorCode } from './gql/error-code.js';

/** One error from the gateway: its typed code and the extensions that code carries. */
export interface GatewayError {
  code: ErrorCode;
  message: string;
  /** For support: the response's x-request-id. */
  requestId?: string;
  /** BAD_USER_INPUT, IDEMPOTENCY_KEY_REUSED: the (first) input field at fault. */
  field?: string;
  /** BAD_USER_INPUT: every broken rule. */
  violations?: Array<{ field: string; message: string }>;
  /** CSSS_REJECTED: CSSS's own code and (localized) message. */
  csss?: { code: string; message: string };
  /** RATE_LIMITED: seconds to wait, as in the Retry-After header. */
  retryAfterSeconds?: number;
}

interface WireError {
  message: string;
  extensions?: Record<string, unknown>;
}

/**
 * The gateway error behind what Apollo Client threw, or undefined for a network failure
 * (no answer, or an answer that is not the gateway's: a proxy's HTML 502, say).
 *
 * Every code arrives as CombinedGraphQLErrors: the gateway answers its own refusals before
 * GraphQL runs (401, 413, 429, 503, OPERATION_NOT_TRUSTED's 400) as GraphQL responses in
 * `application/graphql-response+json`, the media type Apollo Client 4 asks for first, and
 * Apollo Client reads such an answer as a GraphQL result whatever its status.
 *
 * The one exception is ServerError: Apollo Client 4 throws it for a non-2xx answer in
 * `application/json`. The gateway sends that only where node:http refuses a request before
 * its headers are read (headers over 16 KiB: 431; bytes that are not HTTP: 400; headers
 * that arrive too slowly: 408), so the client's Accept is unknown; its body is the same
 * GraphQL error, read here from `bodyText`.
 */
export function gatewayErrorOf(error: unknown): GatewayError | undefined {
  let first: WireError | undefined;
  if (CombinedGraphQLErrors.is(error)) first = error.errors[0];
  else if (ServerError.is(error)) {
    try {
      first = (JSON.parse(error.bodyText) as { errors?: WireError[] }).errors?.[0];
    } catch {
      return undefined;
    }
  }
  const code = first?.extensions?.code;
  if (!first || typeof code !== 'string') return undefined;
  return { ...(first.extensions as Omit<GatewayError, 'code' | 'message'>), code: code as ErrorCode, message: first.message };
}
