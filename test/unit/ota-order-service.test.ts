import { describe, expect, it } from 'vitest';
import type { CsssApi } from '../../src/csss/csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from '../../src/csss/csss.errors.js';
import type { CreateOtaOrderWireData, CreateOtaOrderWireRequest } from '../../src/csss/csss.wire.js';
import {
  decideClaim,
  outcomeFields,
  STALE_PENDING_DETAIL,
  type AttemptOutcome,
  type ClaimRequest,
  type ClaimResult,
  type OrderAttempt,
  type OrderJournal,
} from '../../src/journal/order-journal.js';
import { createLogger } from '../../src/logger.js';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  InvalidOrderInputError,
  OrderNotRecordedError,
  OrderNotSentError,
  OrderNotSentInTimeError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
} from '../../src/orders/ota-order.errors.js';
import { EXAMPLE_ICCID } from '../../src/orders/ota-order.example.js';
import type { OtaOrderRequest } from '../../src/orders/ota-order.model.js';
import { OtaOrderService, SEND_BUDGET_PASSED_DETAIL } from '../../src/orders/ota-order.service.js';
import { LogCapture } from '../support/log-capture.js';
import { validOrder } from '../support/valid-order.js';

const ORDER: OtaOrderRequest = validOrder({ deviceId: EXAMPLE_ICCID });
const PLACED: CreateOtaOrderWireData = { sim_id: 'SIM1', order_id: 'ORDER_1', order_time: '2026-11-26 12:00:00' };

/** CSSS as the service sees it: answers (or fails) each call as the test says, and counts the calls. */
class FakeCsss implements CsssApi {
  readonly requests: CreateOtaOrderWireRequest[] = [];
  /** What a guard in front of CSSS would say now; undefined: it would send. */
  refusalReason: () => string | undefined = () => undefined;
  constructor(private answer: () => Promise<CreateOtaOrderWireData>) {}

  then(answer: () => Promise<CreateOtaOrderWireData>): this {
    this.answer = answer;
    return this;
  }

  createOtaOrder(request: CreateOtaOrderWireRequest): Promise<CreateOtaOrderWireData> {
    this.requests.push(request);
    return this.answer();
  }
}

/**
 * The journal's storage in memory, deciding claims with the real journals' claim rule;
 * `failNextRecords` makes the next outcome writes throw, `clock` judges stale deadlines.
 */
class InMemoryJournal implements OrderJournal {
  readonly owner = 'test-process';
  readonly attempts: OrderAttempt[] = [];
  failClaims = false;
  failNextRecords = 0;
  recordTries = 0;
  clock = Date.now();
  pendingStaleAfterMs = 60_000;
  /** Runs after a claim's row is in and before the claim resolves: a slow sync or a stalled event loop. */
  afterClaimWrite: () => Promise<void> = async () => {};

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    if (this.failClaims) throw new Error('disk full');
    const result = this.#claimNow(request);
    if (result.kind === 'claimed') await this.afterClaimWrite();
    return result;
  }

  /** No await until the decision is carried out: a claim is atomic, as the real journal's is. */
  #claimNow(request: ClaimRequest): ClaimResult {
    const latest = this.#latest(request.clientId, request.idempotencyKey);
    const now = new Date(this.clock).toISOString();
    const decision = decideClaim(latest && { attempt: latest, stale: latest.staleAt === null || latest.staleAt < now }, request);
    switch (decision.kind) {
      case 'answer':
        return decision.result;
      case 'sweep':
        Object.assign(decision.attempt, outcomeFields({ status: 'UNKNOWN', detail: STALE_PENDING_DETAIL }), { updatedAt: now });
        return { kind: 'finished', attempt: decision.attempt };
      case 'insert': {
        const staleAt = new Date(this.clock + this.pendingStaleAfterMs).toISOString();
        const attempt: OrderAttempt = {
          ...{ id: this.attempts.length + 1, attemptNo: decision.attemptNo, status: 'PENDING', owner: this.owner },
          ...{
            clientId: request.clientId,
            idempotencyKey: request.idempotencyKey,
            fingerprint: request.fingerprint,
            request: request.request,
          },
          ...{ csssCode: null, csssMessage: null, simId: null, orderId: null, orderTime: null, detail: null },
          ...{ createdAt: now, updatedAt: now, staleAt },
        };
        this.attempts.push(attempt);
        return { kind: 'claimed', attempt };
      }
    }
  }

  async record(attemptId: number, outcome: AttemptOutcome): Promise<boolean> {
    this.recordTries++;
    if (this.failNextRecords > 0) {
      this.failNextRecords--;
      throw new Error('database is locked');
    }
    const attempt = this.attempts.find((each) => each.id === attemptId);
    if (!attempt || (attempt.status !== 'PENDING' && attempt.status !== 'UNKNOWN')) return false;
    Object.assign(attempt, outcome);
    return true;
  }

  async findLatest(clientId: string, idempotencyKey: string): Promise<OrderAttempt | undefined> {
    return this.#latest(clientId, idempotencyKey);
  }

  #latest(clientId: string, idempotencyKey: string): OrderAttempt | undefined {
    return this.attempts.findLast((each) => each.clientId === clientId && each.idempotencyKey === idempotencyKey);
  }

  async findById(attemptId: number): Promise<OrderAttempt | undefined> {
    return this.attempts.find((each) => each.id === attemptId);
  }

  async listByStatus(): Promise<OrderAttempt[]> {
    throw new Error('not used by the service');
  }

  async markPendingUnknown(): Promise<number> {
    throw new Error('not used by the service');
  }

  async settle(): Promise<OrderAttempt> {
    throw new Error('not used by the service');
  }

  async isWritable(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

const SEND_BUDGET_MS = 2_000;

function setUp(answer: () => Promise<CreateOtaOrderWireData> = async () => PLACED) {
  const csss = new FakeCsss(answer);
  const journal = new InMemoryJournal();
  const logs = new LogCapture();
  // The service's monotonic clock; tests move it to stand for time spent between claim and send.
  const monotonic = { now: 0 };
  const service = new OtaOrderService(csss, journal, createLogger({ level: 'debug', destination: logs }), {
    sendBudgetMs: SEND_BUDGET_MS,
    now: () => monotonic.now,
  });
  const place = (idempotencyKey = 'key-1', order: OtaOrderRequest = ORDER) =>
    service.placeOrder(order, { language: 'en-US', clientId: 'apikey:shop', idempotencyKey });
  return { csss, journal, logs, service, place, monotonic };
}

describe('OtaOrderService: what each CSSS outcome becomes', () => {
  it('answers a placed order, journals it SUCCEEDED, and replays it on a retry without calling CSSS', async () => {
    const { csss, journal, place } = setUp();

    expect(await place()).toStrictEqual({ simId: 'SIM1', orderId: 'ORDER_1', orderTime: '2026-11-26 12:00:00', replayed: false });
    expect(journal.attempts[0]).toMatchObject({ status: 'SUCCEEDED', simId: 'SIM1', orderId: 'ORDER_1', orderTime: '2026-11-26 12:00:00' });
    expect(csss.requests[0]).toMatchObject({ device_id: EXAMPLE_ICCID, package_type: '1', pay_rst: '1', pay_type: '2' });

    expect(await place()).toStrictEqual({ simId: 'SIM1', orderId: 'ORDER_1', orderTime: '2026-11-26 12:00:00', replayed: true });
    expect(csss.requests).toHaveLength(1);
  });

  it('turns a CSSS rejection into CSSS_REJECTED with its code and message, journaled and replayed', async () => {
    const { csss, journal, place } = setUp(async () => Promise.reject(new CsssRejectedError('2001', 'SIM not found')));

    const error = await place().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OrderRejectedError);
    expect(error).toMatchObject({ code: 'CSSS_REJECTED', csssCode: '2001', csssMessage: 'SIM not found' });
    expect(journal.attempts[0]).toMatchObject({ status: 'REJECTED', csssCode: '2001', csssMessage: 'SIM not found' });

    await expect(place()).rejects.toMatchObject({ code: 'CSSS_REJECTED', csssCode: '2001', csssMessage: 'SIM not found' });
    expect(csss.requests).toHaveLength(1);
  });

  it('turns an unreachable CSSS into CSSS_UNAVAILABLE, journaled NOT_SENT, and sends again on a retry', async () => {
    const { csss, journal, place } = setUp(async () => Promise.reject(new CsssUnavailableError('connection refused')));

    await expect(place()).rejects.toBeInstanceOf(OrderNotSentError);
    expect(journal.attempts[0]).toMatchObject({ status: 'NOT_SENT', detail: 'connection refused' });

    csss.then(async () => PLACED);
    expect(await place()).toMatchObject({ orderId: 'ORDER_1', replayed: false });
    expect(csss.requests).toHaveLength(2);
    expect(journal.attempts.map((attempt) => [attempt.attemptNo, attempt.status])).toEqual([
      [1, 'NOT_SENT'],
      [2, 'SUCCEEDED'],
    ]);
  });

  it('refuses bad input, a reused key and a key in progress without calling CSSS', async () => {
    const { csss, journal, place } = setUp(() => new Promise(() => {}));

    await expect(place('key-1', { ...ORDER, days: 0 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', violations: [{ field: 'days' }] });
    await expect(place('')).rejects.toBeInstanceOf(InvalidOrderInputError);
    expect(journal.attempts).toHaveLength(0);

    void place('key-2');
    await expect(place('key-2')).rejects.toBeInstanceOf(IdempotencyKeyInProgressError);
    await expect(place('key-2', { ...ORDER, days: 30 })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(csss.requests).toHaveLength(1);
  });

  it('sends nothing when the attempt cannot be journaled first (SERVICE_UNAVAILABLE)', async () => {
    const { csss, journal, logs, place } = setUp();
    journal.failClaims = true;

    await expect(place()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(place()).rejects.toBeInstanceOf(OrderNotRecordedError);
    expect(csss.requests).toHaveLength(0);
    expect(logs.text).toContain('an order attempt could not be journaled, so it was not sent');
  });
});

describe('OtaOrderService: the send budget', () => {
  it('records NOT_SENT and answers SERVICE_UNAVAILABLE, sending nothing, when the claim took longer than the budget', async () => {
    const { csss, journal, logs, place, monotonic } = setUp();
    journal.afterClaimWrite = async () => {
      monotonic.now += SEND_BUDGET_MS + 1;
    };

    const refusal = place().catch((error: unknown) => error);
    await expect(refusal).resolves.toBeInstanceOf(OrderNotSentInTimeError);
    await expect(refusal).resolves.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(csss.requests).toHaveLength(0);
    expect(journal.attempts).toMatchObject([{ status: 'NOT_SENT', detail: SEND_BUDGET_PASSED_DETAIL }]);
    expect(logs.text).toContain('an order could not be sent within the send budget');

    // NOT_SENT: a retry with the key sends it as a new attempt.
    journal.afterClaimWrite = async () => {};
    expect(await place()).toMatchObject({ orderId: 'ORDER_1', replayed: false });
    expect(journal.attempts.map((attempt) => [attempt.attemptNo, attempt.status])).toEqual([
      [1, 'NOT_SENT'],
      [2, 'SUCCEEDED'],
    ]);
    expect(csss.requests).toHaveLength(1);
  });

  it('sends an order whose claim took exactly the budget', async () => {
    const { csss, journal, place, monotonic } = setUp();
    journal.afterClaimWrite = async () => {
      monotonic.now += SEND_BUDGET_MS;
    };

    expect(await place()).toMatchObject({ orderId: 'ORDER_1', replayed: false });
    expect(csss.requests).toHaveLength(1);
  });
});

describe('OtaOrderService: the claim rule it shares with the journals', () => {
  it('answers a retry of a PENDING attempt past its stale deadline as CSSS_OUTCOME_UNKNOWN, never sending it again', async () => {
    const { csss, journal, place } = setUp(() => new Promise(() => {}));
    void place();
    await expect(place()).rejects.toBeInstanceOf(IdempotencyKeyInProgressError);

    journal.clock += journal.pendingStaleAfterMs + 1;
    await expect(place()).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(journal.attempts).toMatchObject([{ status: 'UNKNOWN', detail: STALE_PENDING_DETAIL }]);
    expect(csss.requests).toHaveLength(1);
  });

  it('records nothing for a new key while CSSS would refuse it, and still answers a known key', async () => {
    const { csss, journal, place } = setUp();
    expect(await place('known')).toMatchObject({ replayed: false });
    csss.refusalReason = () => 'circuit breaker open';

    await expect(place('new')).rejects.toBeInstanceOf(OrderNotSentError);
    expect(await place('known')).toMatchObject({ replayed: true });
    expect(journal.attempts).toHaveLength(1);
    expect(csss.requests).toHaveLength(1);
  });
});

describe('OtaOrderService: outcomes whose write fails', () => {
  it('retries a failed outcome write until it lands, and answers the caller with the order', async () => {
    const { journal, logs, place } = setUp();
    journal.failNextRecords = 2;

    expect(await place()).toMatchObject({ orderId: 'ORDER_1', replayed: false });
    expect(journal.recordTries).toBe(3);
    expect(journal.attempts[0]?.status).toBe('SUCCEEDED');
    const failures = logs.entries().filter((line) => line.msg === 'an order outcome could not be journaled');
    expect(failures.map((line) => line.last)).toEqual([false, false]);
  });

  it('still answers the caller after the last try fails, leaving the attempt PENDING (never re-sent)', async () => {
    const { csss, journal, logs, place } = setUp();
    journal.failNextRecords = 3;

    expect(await place()).toMatchObject({ orderId: 'ORDER_1', replayed: false });
    expect(journal.recordTries).toBe(3);
    expect(journal.attempts[0]?.status).toBe('PENDING');
    const failures = logs.entries().filter((line) => line.msg === 'an order outcome could not be journaled');
    expect(failures.map((line) => line.last)).toEqual([false, false, true]);

    await expect(place()).rejects.toBeInstanceOf(IdempotencyKeyInProgressError);
    expect(csss.requests).toHaveLength(1);
  });
});

describe('OtaOrderService: outcomes that are UNKNOWN', () => {
  it('answers CSSS_OUTCOME_UNKNOWN, journals UNKNOWN with the reason, and never sends that key again', async () => {
    const { csss, journal, place } = setUp(async () => Promise.reject(new CsssOutcomeUnknownError('HTTP 500', { statusCode: 500 })));

    await expect(place()).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(journal.attempts[0]).toMatchObject({ status: 'UNKNOWN', detail: 'HTTP 500' });

    csss.then(async () => PLACED);
    await expect(place()).rejects.toMatchObject({ code: 'CSSS_OUTCOME_UNKNOWN' });
    expect(csss.requests).toHaveLength(1);
  });

  it('journals a defect while sending as UNKNOWN and passes the error on unchanged, to be masked', async () => {
    const defect = new TypeError('cannot read properties of undefined');
    const { csss, journal, place } = setUp(async () => Promise.reject(defect));

    await expect(place()).rejects.toBe(defect);
    expect(journal.attempts[0]).toMatchObject({ status: 'UNKNOWN', detail: 'internal error while sending' });
    await expect(place()).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(csss.requests).toHaveLength(1);
  });

  it('says loudly when an outcome arrives for an attempt an operator had already settled', async () => {
    let release: (data: CreateOtaOrderWireData) => void = () => {};
    const { journal, logs, place } = setUp(() => new Promise((resolve) => (release = resolve)));
    const placing = place();
    await new Promise((resolve) => setTimeout(resolve, 10));
    Object.assign(journal.attempts[0]!, { status: 'NOT_SENT', detail: 'settled as not placed by an operator' });

    release(PLACED);
    expect(await placing).toMatchObject({ orderId: 'ORDER_1' });
    expect(logs.text).toContain('an order outcome arrived for an attempt that was already settled; check it with CSSS');
  });

  it('waits in whenIdle until every order in flight has journaled its outcome', async () => {
    let release: (data: CreateOtaOrderWireData) => void = () => {};
    const { journal, service, place } = setUp(() => new Promise((resolve) => (release = resolve)));
    const placing = place();
    let idle = false;
    const idling = service.whenIdle().then(() => (idle = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(idle).toBe(false);

    release(PLACED);
    await idling;
    expect(journal.attempts[0]?.status).toBe('SUCCEEDED');
    await placing;
  });
});
