/** The client placed orders faster than its limit allows: RATE_LIMITED, HTTP 429. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly retryAfterSeconds: number;

  constructor(retryAfterMs: number) {
    super('Too many orders from this client; retry after the time in extensions.retryAfterSeconds');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
