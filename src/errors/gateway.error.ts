import { httpAnswerOf, type ErrorKind, type ResponseErrorCode } from './error-codes.js';

/**
 * An error the gateway answers on purpose, as Apollo's own error classes do: each carries
 * its kind (code, HTTP status, headers; see ERROR_KINDS) from birth, and the extensions
 * it adds to its code. The message is written for the caller and goes out as is.
 */
export abstract class GatewayError extends Error {
  abstract readonly kind: ErrorKind;

  get code(): ResponseErrorCode {
    return this.kind.code;
  }

  /** Retry-After in seconds for this error, when it has one of its own. */
  readonly retryAfterSeconds?: number;

  /**
   * The kind's HTTP status and headers (Retry-After included) as Apollo reads them:
   * graphql-js copies an original error's `extensions` onto the GraphQLError that wraps
   * it, and Apollo answers with `extensions.http` and removes it before formatting. Kinds
   * without a status add nothing and keep GraphQL's 200.
   */
  /** The Retry-After this error is answered with, if any: its own, else its kind's. */
  get retryAfter(): number | undefined {
    return this.retryAfterSeconds ?? this.kind.retryAfterSeconds;
  }

  get extensions(): { http?: { status: number; headers: Map<string, string> } } {
    const answer = httpAnswerOf(this.kind, this.retryAfter);
    return answer ? { http: { status: answer.status, headers: new Map(answer.headers) } } : {};
  }

  /** What this error adds to `extensions` beside its code (documented per code in the schema). */
  clientExtensions(): Record<string, unknown> {
    return {};
  }
}
