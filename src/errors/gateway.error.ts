import type { ErrorKind, ResponseErrorCode } from './error-codes.js';

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

  /** What this error adds to `extensions` beside its code (documented per code in the schema). */
  clientExtensions(): Record<string, unknown> {
    return {};
  }
}
