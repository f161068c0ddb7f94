import { ERROR_KINDS, type ErrorKind } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway.error.js';

/** The client placed orders faster than its limit allows: RATE_LIMITED, HTTP 429. */
export class RateLimitedError extends GatewayError {
  override readonly name: string = 'RateLimitedError';
  readonly kind: ErrorKind = ERROR_KINDS.rateLimited;
  override readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number, message = 'Too many orders from this client; retry after the time in extensions.retryAfterSeconds') {
    super(message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }

  override clientExtensions(): Record<string, unknown> {
    return { retryAfterSeconds: this.retryAfterSeconds };
  }
}

/**
 * The client sent GraphQL requests of any kind faster than its request limit allows:
 * RATE_LIMITED, HTTP 429, answered before the document is parsed.
 */
export class RequestRateLimitedError extends RateLimitedError {
  override readonly name = 'RequestRateLimitedError';
  override readonly kind = ERROR_KINDS.requestRateLimited;

  constructor(retryAfterMs: number) {
    super(retryAfterMs, 'Too many requests from this client; retry after the time in extensions.retryAfterSeconds');
  }
}
