import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import { RequestRateLimitedError } from '../rate-limits/rate-limited.error.js';
import type { Principal } from './principal.js';

/**
 * Whether an authenticated caller may send one more GraphQL request of any kind now.
 * Orders have their own, tighter limit (OrderAccessPolicy); this one bounds what any
 * valid credential, with or without the order scope, can make the server parse and
 * validate. AUTH_MODE=none (simulator only) has a single shared caller and no limit.
 * With RATE_LIMIT_REDIS_URL the bucket is shared by every replica, as the order limit's
 * is, at the cost of one Redis round trip per authenticated request.
 */
export class RequestAccessPolicy {
  constructor(private readonly limiter: RateLimiter) {}

  /** Throws RequestRateLimitedError when the caller has spent its budget. */
  async checkRequest(principal: Principal, clientId: string): Promise<void> {
    if (principal.method === 'anonymous') return;
    const decision = await this.limiter.take(clientId);
    if (!decision.allowed) throw new RequestRateLimitedError(decision.retryAfterMs);
  }
}
