import type { Bulkhead } from '../resilience/bulkhead.js';
import type { CircuitBreaker } from '../resilience/circuit-breaker.js';
import type { CsssApi, CsssCallOptions } from './csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from './csss.errors.js';
import type { CreateOtaOrderWireData, CreateOtaOrderWireRequest } from './csss.wire.js';

const TOO_MANY_IN_FLIGHT = 'too many CSSS calls in flight';
const BREAKER_OPEN = 'circuit breaker open';

/**
 * Puts a bulkhead and a circuit breaker in front of CSSS. Both refuse with
 * CsssUnavailableError before anything is sent, so a refused order is safe to retry.
 * Only transport trouble counts against the breaker: a rejection is CSSS answering.
 */
export class GuardedCsssApi implements CsssApi {
  constructor(
    private readonly csss: CsssApi,
    private readonly bulkhead: Bulkhead,
    private readonly breaker: CircuitBreaker,
  ) {}

  refusalReason(): string | undefined {
    if (this.bulkhead.isFull) return TOO_MANY_IN_FLIGHT;
    if (this.breaker.isRefusing) return BREAKER_OPEN;
    return undefined;
  }

  async createOtaOrder(request: CreateOtaOrderWireRequest, options: CsssCallOptions): Promise<CreateOtaOrderWireData> {
    if (!this.bulkhead.tryEnter()) throw new CsssUnavailableError(TOO_MANY_IN_FLIGHT);
    try {
      const permit = this.breaker.tryAcquire();
      if (permit === undefined) throw new CsssUnavailableError(BREAKER_OPEN);
      try {
        const data = await this.csss.createOtaOrder(request, options);
        this.breaker.onSuccess(permit);
        return data;
      } catch (error) {
        if (error instanceof CsssRejectedError) this.breaker.onSuccess(permit);
        else if (error instanceof CsssUnavailableError || error instanceof CsssOutcomeUnknownError) this.breaker.onFailure(permit);
        else this.breaker.onAbandon(permit);
        throw error;
      }
    } finally {
      this.bulkhead.leave();
    }
  }
}
