import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import { RateLimitedError } from '../rate-limits/rate-limited.error.js';
import { ForbiddenError, type Principal } from './principal.js';

/** Whether a caller may place an order now: the order scope, then the caller's rate limit. */
export class OrderAccessPolicy {
  constructor(
    private readonly orderScope: string,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * Throws ForbiddenError or RateLimitedError; returns when the order may go ahead.
   * `clientId` is the caller's client id (context.clientId), which the limit is kept under.
   */
  async checkOrder(principal: Principal, clientId: string): Promise<void> {
    if (!principal.scopes.has(this.orderScope)) throw new ForbiddenError(this.orderScope);
    const decision = await this.limiter.take(clientId);
    if (!decision.allowed) throw new RateLimitedError(decision.retryAfterMs);
  }
}
