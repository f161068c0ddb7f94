import type { CsssApi } from '../csss/csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from '../csss/csss.errors.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import type { OrderAttempt, OrderJournal } from '../journal/order-journal.js';
import type { Logger } from '../logger.js';
import type { RequestScope } from '../observability/request-scope.js';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  InvalidOrderInputError,
  OrderNotSentError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from './ota-order.errors.js';
import { fingerprintOrder, normalizeOrder } from './ota-order.fingerprint.js';
import type { OtaOrderRequest, OtaOrderResult } from './ota-order.model.js';
import { findIdempotencyKeyViolations, findOrderViolations } from './ota-order.validation.js';
import { fromCreateOtaOrderWire, toCreateOtaOrderWire } from './ota-order.wire-mapping.js';

export interface PlaceOrderOptions {
  /** The language CSSS localizes its messages into. */
  language: CsssLanguage;
  /** Who is ordering; idempotency keys are scoped to it. */
  clientId: string;
  /** The caller's key for this order: the same key always means the same order. */
  idempotencyKey: string;
  /** The request this order is part of, for the CSSS call's log line and timings. */
  scope?: RequestScope;
}

/**
 * Places OTA orders exactly once per (client, idempotency key): validates, journals the
 * attempt before sending, maps to CSSS, records the outcome, and replays it on retries.
 */
export class OtaOrderService {
  constructor(
    private readonly csss: CsssApi,
    private readonly journal: OrderJournal,
    private readonly logger: Logger,
  ) {}

  async placeOrder(order: OtaOrderRequest, options: PlaceOrderOptions): Promise<OtaOrderResult> {
    const [first, ...rest] = [...findIdempotencyKeyViolations(options.idempotencyKey), ...findOrderViolations(order)];
    if (first) throw new InvalidOrderInputError([first, ...rest]);

    const claim = await this.journal.claim({
      clientId: options.clientId,
      idempotencyKey: options.idempotencyKey,
      fingerprint: fingerprintOrder(order),
      request: normalizeOrder(order),
    });
    switch (claim.kind) {
      case 'reused':
        throw new IdempotencyKeyReusedError();
      case 'in_progress':
        throw new IdempotencyKeyInProgressError();
      case 'finished':
        return replay(claim.attempt);
      case 'claimed':
        return this.#send(order, claim.attempt, options);
    }
  }

  /** The latest attempt a client made with a key, if any. */
  findAttempt(clientId: string, idempotencyKey: string): Promise<OrderAttempt | undefined> {
    return this.journal.findLatest(clientId, idempotencyKey);
  }

  async #send(order: OtaOrderRequest, attempt: OrderAttempt, options: PlaceOrderOptions): Promise<OtaOrderResult> {
    let placed;
    try {
      const { language, scope } = options;
      placed = fromCreateOtaOrderWire(await this.csss.createOtaOrder(toCreateOtaOrderWire(order), { language, scope }));
    } catch (error) {
      throw await this.#recordFailure(attempt, error);
    }
    try {
      await this.journal.record(attempt.id, { status: 'SUCCEEDED', ...placed });
    } catch (error) {
      // The order exists, so the caller gets it; the attempt stays PENDING and becomes
      // UNKNOWN for an operator to settle.
      this.logger.error({ err: error, attemptId: attempt.id }, 'order placed but its outcome could not be journaled');
    }
    return { ...placed, replayed: false };
  }

  /** Journals what became of a failed send and returns the error to throw. */
  async #recordFailure(attempt: OrderAttempt, error: unknown): Promise<unknown> {
    if (error instanceof CsssRejectedError) {
      await this.journal.record(attempt.id, { status: 'REJECTED', csssCode: error.csssCode, csssMessage: error.csssMessage });
      return new OrderRejectedError(error.csssCode, error.csssMessage);
    }
    if (error instanceof CsssUnavailableError) {
      await this.journal.record(attempt.id, { status: 'NOT_SENT', detail: error.reason });
      return new OrderNotSentError({ cause: error });
    }
    if (error instanceof CsssOutcomeUnknownError) {
      await this.journal.record(attempt.id, { status: 'UNKNOWN', detail: error.reason });
      return new OrderOutcomeUnknownError({ cause: error });
    }
    // A defect, not a CSSS outcome: the request may have left, so it is never re-sent.
    await this.journal.record(attempt.id, { status: 'UNKNOWN', detail: 'internal error while sending' });
    return error;
  }
}

/** The stored outcome of a finished attempt, as the original call answered it. */
function replay(attempt: OrderAttempt): OtaOrderResult {
  switch (attempt.status) {
    case 'SUCCEEDED':
      return { simId: attempt.simId ?? '', orderId: attempt.orderId ?? '', orderTime: attempt.orderTime ?? '', replayed: true };
    case 'REJECTED':
      throw new OrderRejectedError(attempt.csssCode ?? '', attempt.csssMessage ?? '');
    default:
      // UNKNOWN: it may have been placed, so it is never sent again under this key.
      throw new OrderOutcomeUnknownError();
  }
}
