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
 * (no answer at all). Apollo Client 4 throws CombinedGraphQLErrors for GraphQL answers,
 * and ServerError for a non-2xx answer sent as plain JSON (the gateway's 400, 401, 403,
 * 405, 408, 413, 429 and 503 refusals); both carry the same GraphQL error body.
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
