import type { TokenBucketLimiter } from '../rate-limits/rate-limiter.js';
import { RequestRateLimitedError } from '../rate-limits/rate-limited.error.js';
import type { Principal } from './principal.js';

/**
 * Whether an authenticated caller may send one more GraphQL request of any kind now.
 * Orders have their own, tighter limit (OrderAccessPolicy); this one bounds what any
 * valid credential, with or without the order scope, can make the server parse and
 * validate. AUTH_MODE=none (simulator only) has a single shared caller and no limit.
 * The bucket is this process's own (never a shared store), so the check is synchronous
 * and costs no round trip on every request.
 */
export class RequestAccessPolicy {
  constructor(private readonly limiter: TokenBucketLimiter) {}

  /** Throws RequestRateLimitedError when the caller has spent its budget. */
  checkRequest(principal: Principal, clientId: string): void {
    if (principal.method === 'anonymous') return;
    const decision = this.limiter.take(clientId);
    if (!decision.allowed) throw new RequestRateLimitedError(decision.retryAfterMs);
  }
}
