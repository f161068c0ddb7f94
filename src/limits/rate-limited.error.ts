import { ERROR_KINDS } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway-error.js';

/** The client placed orders faster than its limit allows: RATE_LIMITED, HTTP 429. */
export class RateLimitedError extends GatewayError {
  override readonly name = 'RateLimitedError';
  readonly kind = ERROR_KINDS.rateLimited;
  override readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number) {
    super('Too many orders from this client; retry after the time in extensions.retryAfterSeconds');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }

  override clientExtensions(): Record<string, unknown> {
    return { retryAfterSeconds: this.retryAfterSeconds };
  }
}
