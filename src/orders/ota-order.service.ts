import type { CsssApi } from '../csss/csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from '../csss/csss.errors.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttemptOutcome, OrderAttempt, OrderJournal } from '../journal/order-journal.js';
import type { Logger } from '../logger.js';
import type { RequestInfo } from '../observability/request-info.js';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  InvalidOrderInputError,
  OrderNotRecordedError,
  OrderNotSentError,
  OrderNotSentInTimeError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from './ota-order.errors.js';
import { fingerprintOrder } from './ota-order.fingerprint.js';
import type { OtaOrderRequest, OtaOrderResult, PlacedOtaOrder } from './ota-order.model.js';
import { findIdempotencyKeyViolations, findOrderViolations } from './ota-order.validation.js';
import { fromCreateOtaOrderWire, toCreateOtaOrderWire } from './ota-order.wire-mapping.js';

/** Pauses between tries of an outcome write; the last entry is the final try. */
const RECORD_RETRY_PAUSES_MS = [50, 250, 0];
/** The outcome of an attempt that could not leave within the send budget. */
export const SEND_BUDGET_PASSED_DETAIL = 'the order could not be sent within ORDER_SEND_BUDGET_MS of its journaling, so it was not sent';

interface OtaOrderServiceOptions {
  /**
   * The longest a claimed attempt may wait before its request leaves (ORDER_SEND_BUDGET_MS).
   * The journal's stale deadline allows for it, so an attempt sent within it is never
   * judged stale while in flight; one past it is recorded NOT_SENT and not sent.
   */
  sendBudgetMs: number;
  /** Monotonic milliseconds; the budget is measured with it. */
  now?: () => number;
}

interface PlaceOrderOptions {
  /** The language CSSS localizes its messages into. */
  language: CsssLanguage;
  /** Who is ordering; idempotency keys are scoped to it. */
  clientId: string;
  /** The caller's key for this order: the same key always means the same order. */
  idempotencyKey: string;
  /** The request this order is part of, for the CSSS call's log line and timings. */
  requestInfo?: RequestInfo;
}

/**
 * Places OTA orders exactly once per (client, idempotency key): validates, journals the
 * attempt before sending, maps to CSSS, records the outcome, and replays it on retries.
 */
export class OtaOrderService {
  readonly #now: () => number;
  readonly #sendBudgetMs: number;

  constructor(
    private readonly csss: CsssApi,
    private readonly journal: OrderJournal,
    private readonly logger: Logger,
    options: OtaOrderServiceOptions,
  ) {
    this.#sendBudgetMs = options.sendBudgetMs;
    this.#now = options.now ?? (() => performance.now());
  }

  readonly #inFlight = new Set<Promise<unknown>>();

  async placeOrder(order: OtaOrderRequest, options: PlaceOrderOptions): Promise<OtaOrderResult> {
    const placing = this.#place(order, options);
    this.#inFlight.add(placing);
    try {
      return await placing;
    } finally {
      this.#inFlight.delete(placing);
    }
  }

  /**
   * Resolves once every order in progress has finished and journaled its outcome. They
   * all end by the CSSS deadline; shutdown waits here before closing the journal.
   */
  async whenIdle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #place(order: OtaOrderRequest, options: PlaceOrderOptions): Promise<OtaOrderResult> {
    const [first, ...rest] = [...findIdempotencyKeyViolations(options.idempotencyKey), ...findOrderViolations(order)];
    if (first) throw new InvalidOrderInputError([first, ...rest]);

    const { normalized, fingerprint } = fingerprintOrder(order);
    // During a CSSS outage a new attempt would only be recorded to be marked NOT_SENT:
    // two synced rows per refused call. Known keys are still answered from the journal.
    const refusal = this.csss.refusalReason?.();
    // Taken before the claim is asked for, so the budget covers at least the time since its
    // row (and the stale deadline stored with it) was written.
    const claimStartedAt = this.#now();
    let claim;
    try {
      claim = await this.journal.claim({
        clientId: options.clientId,
        idempotencyKey: options.idempotencyKey,
        fingerprint,
        request: normalized,
        refuseNew: refusal !== undefined,
      });
    } catch (error) {
      // Nothing is sent unless its attempt is on disk first.
      this.logger.error({ err: error }, 'an order attempt could not be journaled, so it was not sent');
      throw new OrderNotRecordedError({ cause: error });
    }
    switch (claim.kind) {
      case 'reused':
        throw new IdempotencyKeyReusedError();
      case 'in_progress':
        throw new IdempotencyKeyInProgressError();
      case 'finished':
        return replay(claim.attempt);
      case 'refused':
        throw new OrderNotSentError({ cause: new CsssUnavailableError(refusal ?? 'CSSS refused') });
      case 'claimed':
        return this.#send(order, claim.attempt, options, claimStartedAt);
    }
  }

  /** The latest attempt a client made with a key, if any. */
  findAttempt(clientId: string, idempotencyKey: string): Promise<OrderAttempt | undefined> {
    return this.journal.findLatest(clientId, idempotencyKey);
  }

  async #send(order: OtaOrderRequest, attempt: OrderAttempt, options: PlaceOrderOptions, claimStartedAt: number): Promise<OtaOrderResult> {
    const wire = toCreateOtaOrderWire(order);
    // Checked in the same synchronous run that starts the CSSS call (and its deadline), so
    // nothing can stall between this check and the request leaving.
    const waitedMs = this.#now() - claimStartedAt;
    if (waitedMs > this.#sendBudgetMs) {
      this.logger.warn(
        { attemptId: attempt.id, waitedMs: Math.round(waitedMs), sendBudgetMs: this.#sendBudgetMs },
        'an order could not be sent within the send budget of its journaling; it was not sent',
      );
      await this.#record(attempt, { status: 'NOT_SENT', detail: SEND_BUDGET_PASSED_DETAIL });
      throw new OrderNotSentInTimeError();
    }
    let placed;
    try {
      const { language, requestInfo } = options;
      placed = fromCreateOtaOrderWire(await this.csss.createOtaOrder(wire, { language, requestInfo }));
    } catch (error) {
      throw await this.#recordFailure(attempt, error);
    }
    await this.#record(attempt, { status: 'SUCCEEDED', ...placed });
    return { ...placed, replayed: false };
  }

  /**
   * Journals what became of a sent attempt. A failed write is retried (the update is
   * idempotent); if it still fails, the caller is answered anyway and the attempt stays
   * PENDING until it becomes UNKNOWN for an operator, which never re-sends it.
   */
  async #record(attempt: OrderAttempt, outcome: AttemptOutcome): Promise<void> {
    for (const [tryNo, pauseMs] of RECORD_RETRY_PAUSES_MS.entries()) {
      try {
        const applied = await this.journal.record(attempt.id, outcome);
        if (!applied) {
          this.logger.error(
            { attemptId: attempt.id, status: outcome.status },
            'an order outcome arrived for an attempt that was already settled; check it with CSSS',
          );
        }
        return;
      } catch (error) {
        const last = tryNo === RECORD_RETRY_PAUSES_MS.length - 1;
        this.logger.error({ err: error, attemptId: attempt.id, status: outcome.status, last }, 'an order outcome could not be journaled');
        if (last) return;
        await sleep(pauseMs);
      }
    }
  }

  /** Journals what became of a failed send and returns the error to throw. */
  async #recordFailure(attempt: OrderAttempt, error: unknown): Promise<unknown> {
    if (error instanceof CsssRejectedError) {
      await this.#record(attempt, { status: 'REJECTED', csssCode: error.csssCode, csssMessage: error.csssMessage });
      return new OrderRejectedError(error.csssCode, error.csssMessage);
    }
    if (error instanceof CsssUnavailableError) {
      await this.#record(attempt, { status: 'NOT_SENT', detail: error.reason });
      return new OrderNotSentError({ cause: error });
    }
    if (error instanceof CsssOutcomeUnknownError) {
      await this.#record(attempt, { status: 'UNKNOWN', detail: error.reason });
      return new OrderOutcomeUnknownError({ cause: error });
    }
    // A defect, not a CSSS outcome: the request may have left, so it is never re-sent.
    await this.#record(attempt, { status: 'UNKNOWN', detail: 'internal error while sending' });
    return error;
  }
}

/** The order a SUCCEEDED attempt placed; null for any other attempt. */
export function placedOrderOf(attempt: OrderAttempt): PlacedOtaOrder | null {
  const { status, simId, orderId, orderTime } = attempt;
  return status === 'SUCCEEDED' && simId !== null && orderId !== null && orderTime !== null ? { simId, orderId, orderTime } : null;
}

/** The stored outcome of a finished attempt, as the original call answered it. */
function replay(attempt: OrderAttempt): OtaOrderResult {
  const placed = placedOrderOf(attempt);
  if (placed) return { ...placed, replayed: true };
  switch (attempt.status) {
    case 'REJECTED':
      throw new OrderRejectedError(attempt.csssCode ?? '', attempt.csssMessage ?? '');
    default:
      // UNKNOWN: it may have been placed, so it is never sent again under this key.
      throw new OrderOutcomeUnknownError();
  }
}
