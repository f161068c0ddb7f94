import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { journalPathIn, SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { CreateOtaOrderDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { harnessPerTest, startHarness } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { manualClock, waitFor } from '../support/timing.js';

const start = harnessPerTest();

const codeOf = (body: { errors?: Array<{ extensions?: Record<string, unknown> }> }): unknown => body.errors?.[0]?.extensions?.code;

/** What a caller reads of an error answer, less the request id (new on every call). */
function answerOf(body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }): unknown {
  const { requestId: _requestId, ...extensions } = body.errors?.[0]?.extensions ?? {};
  return { message: body.errors?.[0]?.message, extensions };
}

describe('retrying with the same idempotency key', () => {
  it('returns the same order again, marked replayed, without calling CSSS again', async () => {
    const h = await start();
    const input = orderInput();
    const first = await h.execute(CreateOtaOrderDocument, { input });
    const again = await h.execute(CreateOtaOrderDocument, { input });

    expect(first.body.data?.createOtaOrder.replayed).toBe(false);
    expect(again.body.data?.createOtaOrder).toStrictEqual({ ...first.body.data?.createOtaOrder, replayed: true });
    expect(h.simulator.requests).toHaveLength(1);
  });

  it('treats the same order written differently (defaults spelled out, fields reordered, mcc null) as the same order', async () => {
    const h = await start();
    const input = orderInput();
    await h.execute(CreateOtaOrderDocument, { input });
    const { idempotencyKey, deviceId, ...rest } = input;
    const spelledOut = {
      ...rest,
      mcc: null,
      isOpen: false,
      globalOrder: false,
      orderPeriod: 1,
      testFlow: '0',
      testFlowFlag: false,
      deviceId,
      idempotencyKey,
    };
    const again = await h.execute(CreateOtaOrderDocument, { input: spelledOut });

    expect(again.body.data?.createOtaOrder.replayed).toBe(true);
    expect(h.simulator.requests).toHaveLength(1);
  });

  it('answers the same rejection again without calling CSSS again', async () => {
    const h = await start();
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.rejected });
    const first = await h.execute(CreateOtaOrderDocument, { input });
    const again = await h.execute(CreateOtaOrderDocument, { input });

    expect(codeOf(first.body)).toBe('CSSS_REJECTED');
    expect(answerOf(again.body)).toStrictEqual(answerOf(first.body));
    expect(h.simulator.requests).toHaveLength(1);
  });

  it('never sends an order with an unknown outcome again: the retry gets CSSS_OUTCOME_UNKNOWN', async () => {
    const h = await start();
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.serverError });
    const first = await h.execute(CreateOtaOrderDocument, { input });
    const again = await h.execute(CreateOtaOrderDocument, { input });

    expect(codeOf(first.body)).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(codeOf(again.body)).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(answerOf(again.body)).toStrictEqual(answerOf(first.body));
    expect(h.simulator.requests).toHaveLength(1);
  });

  it('sends an order that never reached CSSS again on retry', async () => {
    const h = await start({ maxInFlight: 1, timeoutMs: 2_000 });
    const hanging = h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.hang }) });
    await waitFor(() => h.simulator.requests.length === 1);

    const input = orderInput();
    const refused = await h.execute(CreateOtaOrderDocument, { input });
    expect(codeOf(refused.body)).toBe('CSSS_UNAVAILABLE');
    expect(h.simulator.requests).toHaveLength(1);

    expect(codeOf((await hanging).body)).toBe('CSSS_OUTCOME_UNKNOWN');
    const retried = await h.execute(CreateOtaOrderDocument, { input });
    expect(retried.body.data?.createOtaOrder.replayed).toBe(false);
    expect(h.simulator.requests).toHaveLength(2);
    expect(h.simulator.orders).toHaveLength(1);
  });

  it('refuses the same key with a different order as IDEMPOTENCY_KEY_REUSED without calling CSSS', async () => {
    const h = await start();
    const input = orderInput();
    await h.execute(CreateOtaOrderDocument, { input });
    const reused = await h.execute(CreateOtaOrderDocument, { input: { ...input, days: 30 } });

    expect(reused.body.errors?.[0]?.extensions).toStrictEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotencyKey',
      requestId: expect.any(String),
    });
    expect(h.simulator.requests).toHaveLength(1);
  });

  it('answers IDEMPOTENCY_KEY_IN_PROGRESS while the first call is still waiting for CSSS', async () => {
    const h = await start({ timeoutMs: 2_000 });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
    const first = h.execute(CreateOtaOrderDocument, { input });
    await waitFor(() => h.simulator.requests.length === 1);

    const second = await h.execute(CreateOtaOrderDocument, { input });
    expect(codeOf(second.body)).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    expect(codeOf((await first).body)).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(h.simulator.requests).toHaveLength(1);
  });

  it('sends exactly one CSSS request for twenty concurrent calls with one key', async () => {
    const h = await start();
    const input = orderInput();
    const responses = await Promise.all(Array.from({ length: 20 }, () => h.execute(CreateOtaOrderDocument, { input })));

    expect(h.simulator.requests).toHaveLength(1);
    const orders = responses.flatMap((response) => (response.body.data ? [response.body.data.createOtaOrder.orderId] : []));
    const others = responses.filter((response) => !response.body.data).map((response) => codeOf(response.body));
    expect(orders.length).toBeGreaterThanOrEqual(1);
    expect(new Set(orders)).toEqual(new Set([h.simulator.orders[0]!.orderId]));
    expect(new Set(others)).toEqual(others.length > 0 ? new Set(['IDEMPOTENCY_KEY_IN_PROGRESS']) : new Set());
  });

  it('refuses a malformed idempotency key as BAD_USER_INPUT without calling CSSS', async () => {
    const h = await start();
    for (const idempotencyKey of ['', 'k'.repeat(256), 'clé-unique', 'tab\there']) {
      const { body } = await h.execute(CreateOtaOrderDocument, { input: orderInput({ idempotencyKey }) });
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    }
    expect(h.simulator.requests).toHaveLength(0);
  });

  it('scopes keys to the journal, which survives a restart of the gateway', async () => {
    const before = await start();
    const input = orderInput();
    const placed = await before.execute(CreateOtaOrderDocument, { input });
    await before.close();

    const after = await start({ dataDir: before.dataDir });
    const replayed = await after.execute(CreateOtaOrderDocument, { input });
    expect(replayed.body.data?.createOtaOrder).toStrictEqual({ ...placed.body.data?.createOtaOrder, replayed: true });
    expect(after.simulator.requests).toHaveLength(0);
  });
});

describe('stopping while an order is in flight', () => {
  it('waits for the order whose caller hung up and journals its real outcome', async () => {
    const h = await startHarness({ timeoutMs: 1_000 });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
    const hangUp = new AbortController();
    const call = fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: CreateOtaOrderInput!) { createOtaOrder(input: $input) { orderId } }',
        variables: { input },
      }),
      signal: hangUp.signal,
    }).catch(() => undefined);
    await waitFor(() => h.simulator.requests.length === 1);
    hangUp.abort();
    await call;
    await h.close();

    const journal = new SqliteOrderJournal({ path: journalPathIn(h.dataDir), pendingStaleAfterMs: 60_000 });
    const attempt = await journal.findLatest('anonymous', input.idempotencyKey);
    await journal.close();
    // Not "the gateway stopped before the outcome was recorded": it waited for the answer.
    expect(attempt).toMatchObject({ status: 'UNKNOWN', detail: 'deadline passed' });
  });
});

describe('looking up an order attempt', () => {
  it('shows null for a key never used, then the succeeded order', async () => {
    const h = await start();
    const idempotencyKey = randomUUID();
    const none = await h.execute(OtaOrderAttemptDocument, { idempotencyKey });
    expect(none.body.data).toEqual({ otaOrderAttempt: null });

    const placed = await h.execute(CreateOtaOrderDocument, { input: orderInput({ idempotencyKey }) });
    const { body } = await h.execute(OtaOrderAttemptDocument, { idempotencyKey });
    expect(body.data?.otaOrderAttempt).toMatchObject({
      idempotencyKey,
      status: 'SUCCEEDED',
      order: { ...placed.body.data?.createOtaOrder, replayed: true },
      csssCode: null,
    });
    expect(body.data?.otaOrderAttempt?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('shows a rejection with the CSSS code and an unknown outcome as UNKNOWN', async () => {
    const h = await start();
    const rejected = orderInput({ deviceId: SIMULATOR_ICCIDS.rejected });
    const unknown = orderInput({ deviceId: SIMULATOR_ICCIDS.garbage });
    await h.execute(CreateOtaOrderDocument, { input: rejected });
    await h.execute(CreateOtaOrderDocument, { input: unknown });

    const r = await h.execute(OtaOrderAttemptDocument, { idempotencyKey: rejected.idempotencyKey });
    const u = await h.execute(OtaOrderAttemptDocument, { idempotencyKey: unknown.idempotencyKey });
    expect(r.body.data?.otaOrderAttempt).toMatchObject({ status: 'REJECTED', csssCode: '2001', order: null });
    expect(u.body.data?.otaOrderAttempt).toMatchObject({ status: 'UNKNOWN', order: null });
  });
});

describe('the circuit breaker towards CSSS', () => {
  it('opens after a run of failures, refuses without sending, then half-opens and closes on a good probe', async () => {
    const clock = manualClock();
    const h = await start({ breakerFailureThreshold: 2, breakerCooldownMs: 30_000, clock: clock.now });
    for (let i = 0; i < 2; i += 1) {
      const { body } = await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.serverError }) });
      expect(codeOf(body)).toBe('CSSS_OUTCOME_UNKNOWN');
    }

    const refused = await h.execute(CreateOtaOrderDocument, { input: orderInput() });
    expect(codeOf(refused.body)).toBe('CSSS_UNAVAILABLE');
    expect(h.simulator.requests).toHaveLength(2);

    clock.advance(30_000);
    const probe = await h.execute(CreateOtaOrderDocument, { input: orderInput() });
    expect(probe.body.data?.createOtaOrder.replayed).toBe(false);
    const after = await h.execute(CreateOtaOrderDocument, { input: orderInput() });
    expect(after.body.errors).toBeUndefined();
    expect(h.simulator.requests).toHaveLength(4);

    const states = h.logs.entries().flatMap((entry) => (entry.breakerState ? [entry.breakerState] : []));
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('refuses a new key while open without journaling it, and still replays a finished key', async () => {
    const clock = manualClock();
    const h = await start({ breakerFailureThreshold: 1, breakerCooldownMs: 30_000, clock: clock.now });
    const placed = orderInput();
    await h.execute(CreateOtaOrderDocument, { input: placed });
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.serverError }) });

    const fresh = orderInput();
    const refused = await Promise.all([1, 2, 3].map(() => h.execute(CreateOtaOrderDocument, { input: fresh })));
    const replayed = await h.execute(CreateOtaOrderDocument, { input: placed });

    expect(refused.map(({ body }) => codeOf(body))).toEqual(['CSSS_UNAVAILABLE', 'CSSS_UNAVAILABLE', 'CSSS_UNAVAILABLE']);
    expect(replayed.body.data?.createOtaOrder.replayed).toBe(true);
    expect(h.simulator.requests).toHaveLength(2);
    const attempt = await h.execute(OtaOrderAttemptDocument, { idempotencyKey: fresh.idempotencyKey });
    expect(attempt.body.data?.otaOrderAttempt).toBeNull();
    const journal = new SqliteOrderJournal({ path: journalPathIn(h.dataDir), pendingStaleAfterMs: 60_000 });
    try {
      expect(await journal.listByStatus('NOT_SENT')).toEqual([]);
    } finally {
      await journal.close();
    }

    clock.advance(30_000);
    const probe = await h.execute(CreateOtaOrderDocument, { input: fresh });
    expect(probe.body.data?.createOtaOrder.replayed).toBe(false);
  });

  it('refuses a new key while the bulkhead is full without journaling it, and still answers IN_PROGRESS', async () => {
    const h = await start({ maxInFlight: 1, timeoutMs: 2_000 });
    const hangingInput = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
    const hanging = h.execute(CreateOtaOrderDocument, { input: hangingInput });
    await waitFor(() => h.simulator.requests.length === 1);

    const fresh = orderInput();
    const refused = await h.execute(CreateOtaOrderDocument, { input: fresh });
    const again = await h.execute(CreateOtaOrderDocument, { input: hangingInput });

    expect(codeOf(refused.body)).toBe('CSSS_UNAVAILABLE');
    expect(codeOf(again.body)).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    const attempt = await h.execute(OtaOrderAttemptDocument, { idempotencyKey: fresh.idempotencyKey });
    expect(attempt.body.data?.otaOrderAttempt).toBeNull();
    expect(codeOf((await hanging).body)).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(h.simulator.requests).toHaveLength(1);
  });

  it('re-opens when the half-open probe fails', async () => {
    const clock = manualClock();
    const h = await start({ breakerFailureThreshold: 1, breakerCooldownMs: 30_000, clock: clock.now });
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.garbage }) });
    clock.advance(30_000);
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.garbage }) });
    const refused = await h.execute(CreateOtaOrderDocument, { input: orderInput() });

    expect(codeOf(refused.body)).toBe('CSSS_UNAVAILABLE');
    expect(h.simulator.requests).toHaveLength(2);
  });
});
