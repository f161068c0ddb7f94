import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  JournalSettleError,
  STALE_PENDING_DETAIL,
  type ClaimRequest,
  type ClaimResult,
  type OrderJournal,
} from '../../src/journal/order-journal.js';
import type { ReconciliationStore } from '../../src/journal/order-reconciliation.js';

/**
 * What every OrderJournal must do, run against each implementation. Journals opened by one
 * fixture share one store, as the gateway processes or replicas sharing a journal do.
 */
export interface JournalFixture {
  /** Opens another journal on the store under test (another process or replica). */
  open(options: { pendingStaleAfterMs: number }): Promise<OrderJournal & { readonly reconciliation: ReconciliationStore }>;
  /**
   * Makes the store refuse writes (another holder keeps its write lock) until the returned
   * function runs; the journal's own wait for that lock is short.
   */
  blockWrites(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const LIVE_MS = 60_000;

let sequence = 0;
function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  sequence += 1;
  return {
    clientId: 'client-a',
    idempotencyKey: `key-${sequence}`,
    fingerprint: 'f'.repeat(64),
    request: { deviceId: '89852202101130001670', packageCode: 'DP1', days: 364 },
    ...overrides,
  };
}

type AnsweredClaim = Exclude<ClaimResult, { kind: 'refused' }>;
/** A claim that is not refusing new keys always answers with an attempt. */
async function claimIn(journal: OrderJournal, request: ClaimRequest): Promise<AnsweredClaim> {
  const claim = await journal.claim(request);
  if (claim.kind === 'refused') throw new Error('a claim without refuseNew was refused');
  return claim;
}

export function describeOrderJournalContract(name: string, createFixture: () => Promise<JournalFixture>): void {
  describe(`the order journal contract: ${name}`, () => {
    let fixture: JournalFixture;
    const opened: OrderJournal[] = [];
    const open = async (pendingStaleAfterMs = LIVE_MS): Promise<OrderJournal & { readonly reconciliation: ReconciliationStore }> => {
      const journal = await fixture.open({ pendingStaleAfterMs });
      opened.push(journal);
      return journal;
    };
    beforeEach(async () => {
      fixture = await createFixture();
    });
    afterEach(async () => {
      for (const journal of opened.splice(0)) await journal.close();
      await fixture.close();
    });

    it('claims a new key as PENDING attempt 1 of this journal, and every journal on the store sees it', async () => {
      const [a, b] = [await open(), await open()];
      const request = claimRequest();
      const claim = await claimIn(a, request);

      expect(claim).toMatchObject({
        kind: 'claimed',
        attempt: { ...request, attemptNo: 1, status: 'PENDING', owner: a.owner, orderId: null, detail: null },
      });
      expect(claim.attempt.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(await b.findLatest(request.clientId, request.idempotencyKey)).toStrictEqual(claim.attempt);
      expect(await b.findById(claim.attempt.id)).toStrictEqual(claim.attempt);
      expect(await b.findLatest(request.clientId, 'never-used')).toBeUndefined();
      expect(await b.findLatest('client-b', request.idempotencyKey)).toBeUndefined();
    });

    it('answers in_progress to a claim of a key whose live attempt is PENDING on another journal', async () => {
      const [a, b] = [await open(), await open()];
      const request = claimRequest();
      const first = await claimIn(a, request);
      const second = await claimIn(b, request);
      expect(second).toStrictEqual({ kind: 'in_progress', attempt: first.attempt });
    });

    it('answers reused to the same key with another fingerprint, whatever the first attempt became', async () => {
      const [a, b] = [await open(), await open()];
      const pending = claimRequest();
      await claimIn(a, pending);
      const notSent = claimRequest();
      const notSentClaim = await claimIn(a, notSent);
      await a.record(notSentClaim.attempt.id, { status: 'NOT_SENT', detail: 'connection refused' });

      for (const request of [pending, notSent]) {
        const claim = await claimIn(b, { ...request, fingerprint: 'e'.repeat(64) });
        expect(claim.kind).toBe('reused');
        expect(claim.attempt.fingerprint).toBe('f'.repeat(64));
      }
    });

    it('replays each finished status as stored, and sends NOT_SENT again as the next attempt', async () => {
      const [a, b] = [await open(), await open()];
      const outcomes = [
        { status: 'SUCCEEDED', simId: 'SIM1', orderId: 'ORDER_1', orderTime: '2026-11-26 12:00:00' },
        { status: 'REJECTED', csssCode: '1002', csssMessage: 'SIM card not found' },
        { status: 'UNKNOWN', detail: 'deadline passed' },
      ] as const;
      for (const outcome of outcomes) {
        const request = claimRequest();
        const claim = await claimIn(a, request);
        expect(await a.record(claim.attempt.id, outcome)).toBe(true);
        const replay = await claimIn(b, request);
        expect(replay.kind).toBe('finished');
        expect(replay.attempt).toMatchObject({ id: claim.attempt.id, attemptNo: 1, ...outcome });
      }

      const request = claimRequest();
      const first = await claimIn(a, request);
      await a.record(first.attempt.id, { status: 'NOT_SENT', detail: 'connection refused' });
      const again = await claimIn(b, request);
      expect(again).toMatchObject({ kind: 'claimed', attempt: { attemptNo: 2, status: 'PENDING', owner: b.owner } });
      expect(await a.findLatest(request.clientId, request.idempotencyKey)).toMatchObject({ id: again.attempt.id, attemptNo: 2 });
    });

    it('turns a PENDING attempt past the deadline its sender stored into UNKNOWN, on a claim or a sweep by any journal', async () => {
      const crashed = await open(100);
      const [other] = [await open()];
      const retried = claimRequest();
      const swept = claimRequest();
      const retriedClaim = await claimIn(crashed, retried);
      const sweptClaim = await claimIn(crashed, swept);
      await sleep(300);

      const replay = await claimIn(other, retried);
      expect(replay).toMatchObject({
        kind: 'finished',
        attempt: { id: retriedClaim.attempt.id, status: 'UNKNOWN', detail: STALE_PENDING_DETAIL },
      });
      expect(await other.markPendingUnknown({ ownOnly: false, detail: STALE_PENDING_DETAIL })).toBe(1);
      expect(await other.findById(sweptClaim.attempt.id)).toMatchObject({ status: 'UNKNOWN', detail: STALE_PENDING_DETAIL });
    });

    it('never turns a live PENDING attempt UNKNOWN from another journal; on shutdown a journal marks only its own', async () => {
      const [a, b] = [await open(), await open()];
      const ofA = await claimIn(a, claimRequest());
      const ofB = await claimIn(b, claimRequest());

      expect(await b.markPendingUnknown({ ownOnly: false, detail: STALE_PENDING_DETAIL })).toBe(0);
      expect(await b.findById(ofA.attempt.id)).toMatchObject({ status: 'PENDING' });
      expect(await a.markPendingUnknown({ ownOnly: true, detail: 'the gateway stopped' })).toBe(1);
      expect(await b.findById(ofA.attempt.id)).toMatchObject({ status: 'UNKNOWN', detail: 'the gateway stopped' });
      expect(await a.findById(ofB.attempt.id)).toMatchObject({ status: 'PENDING' });
    });

    it('records an outcome that arrives after a sweep, but not one that arrives after an operator settled the attempt', async () => {
      const [a, b] = [await open(100), await open()];
      const late = await claimIn(a, claimRequest());
      await sleep(300);
      await b.markPendingUnknown({ ownOnly: false, detail: STALE_PENDING_DETAIL });
      const placed = { status: 'SUCCEEDED', simId: 'SIM1', orderId: 'ORDER_1', orderTime: '2026-11-26 12:00:00' } as const;
      expect(await a.record(late.attempt.id, placed)).toBe(true);
      expect(await b.findById(late.attempt.id)).toMatchObject(placed);

      const settled = await claimIn(a, claimRequest());
      await a.record(settled.attempt.id, { status: 'UNKNOWN', detail: 'deadline passed' });
      await b.settle(settled.attempt.id, { status: 'NOT_SENT', detail: 'settled as not placed by an operator' });
      expect(await a.record(settled.attempt.id, placed)).toBe(false);
      expect(await b.findById(settled.attempt.id)).toMatchObject({
        status: 'NOT_SENT',
        orderId: null,
        detail: 'settled as not placed by an operator',
      });
    });

    it('with refuseNew, records nothing for a new key or one whose last attempt was not sent, and still answers known keys', async () => {
      const [a, b] = [await open(), await open()];
      const fresh = claimRequest();
      expect(await a.claim({ ...fresh, refuseNew: true })).toStrictEqual({ kind: 'refused' });
      expect(await b.findLatest(fresh.clientId, fresh.idempotencyKey)).toBeUndefined();

      const notSent = await claimIn(a, claimRequest());
      await a.record(notSent.attempt.id, { status: 'NOT_SENT', detail: 'breaker open' });
      const retry = { ...claimRequest(), idempotencyKey: notSent.attempt.idempotencyKey };
      expect(await b.claim({ ...retry, refuseNew: true })).toStrictEqual({ kind: 'refused' });
      expect((await b.findLatest(retry.clientId, retry.idempotencyKey))?.attemptNo).toBe(1);

      const pending = await claimIn(a, claimRequest());
      const pendingRequest = { ...claimRequest(), idempotencyKey: pending.attempt.idempotencyKey, refuseNew: true };
      expect(await b.claim(pendingRequest)).toMatchObject({ kind: 'in_progress', attempt: { id: pending.attempt.id } });
      expect(await b.claim({ ...pendingRequest, fingerprint: 'e'.repeat(64) })).toMatchObject({ kind: 'reused' });
      await a.record(pending.attempt.id, { status: 'SUCCEEDED', simId: 'S', orderId: 'O', orderTime: 'T' });
      expect(await b.claim(pendingRequest)).toMatchObject({ kind: 'finished', attempt: { status: 'SUCCEEDED', orderId: 'O' } });
    });

    it('settles only UNKNOWN attempts, as placed or not placed', async () => {
      const [a, b] = [await open(), await open()];
      const unknown = await claimIn(a, claimRequest());
      await a.record(unknown.attempt.id, { status: 'UNKNOWN', detail: 'HTTP 500' });
      const settled = await b.settle(unknown.attempt.id, {
        status: 'SUCCEEDED',
        simId: 'SIM9',
        orderId: 'ORDER_9',
        orderTime: '2026-11-26 12:00:00',
        detail: 'settled as placed by an operator',
      });
      expect(settled).toMatchObject({
        id: unknown.attempt.id,
        status: 'SUCCEEDED',
        orderId: 'ORDER_9',
        detail: 'settled as placed by an operator',
      });
      expect((await a.findById(unknown.attempt.id))?.orderId).toBe('ORDER_9');

      await expect(b.settle(unknown.attempt.id, { status: 'NOT_SENT', detail: 'again' })).rejects.toThrow(
        new JournalSettleError(`attempt ${unknown.attempt.id} is SUCCEEDED; only UNKNOWN attempts can be settled`),
      );
      await expect(b.settle(999_999, { status: 'NOT_SENT', detail: 'missing' })).rejects.toThrow(
        new JournalSettleError('no attempt with id 999999'),
      );
      const pending = await claimIn(a, claimRequest());
      await expect(b.settle(pending.attempt.id, { status: 'NOT_SENT', detail: 'too early' })).rejects.toThrow(/is PENDING/);
    });

    it('lists the attempts of one status in the order they were made', async () => {
      const [a, b] = [await open(), await open()];
      const ids: number[] = [];
      for (const journal of [a, b, a]) {
        const claim = await claimIn(journal, claimRequest());
        await journal.record(claim.attempt.id, { status: 'UNKNOWN', detail: 'deadline passed' });
        ids.push(claim.attempt.id);
      }
      const succeeded = await claimIn(a, claimRequest());
      await a.record(succeeded.attempt.id, { status: 'SUCCEEDED', simId: 'S', orderId: 'O', orderTime: 'T' });

      expect((await b.listByStatus('UNKNOWN')).map((attempt) => attempt.id)).toStrictEqual(ids);
      expect((await b.listByStatus('SUCCEEDED')).map((attempt) => attempt.id)).toStrictEqual([succeeded.attempt.id]);
      expect(await b.listByStatus('REJECTED')).toStrictEqual([]);
    });

    it('lets exactly one of many concurrent claims of one key across journals through', async () => {
      const journals = [await open(), await open(), await open()];
      const request = claimRequest();
      const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => claimIn(journals[i % 3]!, request)));
      expect(claims.filter((claim) => claim.kind === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim.kind === 'in_progress')).toHaveLength(29);
    });

    it('fails writes as a whole while the store refuses them, leaving nothing behind, and works again afterwards', async () => {
      const journal = await open();
      const requests = [claimRequest(), claimRequest(), claimRequest()];
      const release = await fixture.blockWrites();
      try {
        const results = await Promise.allSettled(requests.map((request) => claimIn(journal, request)));
        expect(results.map((result) => result.status)).toStrictEqual(['rejected', 'rejected', 'rejected']);
      } finally {
        await release();
      }
      for (const request of requests) expect(await journal.findLatest(request.clientId, request.idempotencyKey)).toBeUndefined();
      expect(await claimIn(journal, requests[0]!)).toMatchObject({ kind: 'claimed', attempt: { attemptNo: 1 } });
      expect(await journal.isWritable()).toBe(true);
    });

    describe('reconciliation', () => {
      const leaseAll = { olderThanMs: 0, recheckAfterMs: 0, leaseMs: 60_000, limit: 100 };
      const unknownAttempt = async (journal: OrderJournal): Promise<number> => {
        const claim = await claimIn(journal, claimRequest());
        expect(await journal.record(claim.attempt.id, { status: 'UNKNOWN', detail: 'deadline passed' })).toBe(true);
        return claim.attempt.id;
      };

      it('leases an UNKNOWN attempt to one journal at a time, with its send window; a verdict ends the lease', async () => {
        const [a, b] = [await open(), await open()];
        const id = await unknownAttempt(a);
        const leased = await a.reconciliation.leaseForReconciliation(leaseAll);
        expect(leased.map((entry) => entry.attempt.id)).toStrictEqual([id]);
        expect(Date.parse(leased[0]!.sendWindow.to)).toBeGreaterThan(Date.parse(leased[0]!.sendWindow.from));
        expect(await b.reconciliation.leaseForReconciliation(leaseAll)).toStrictEqual([]);

        expect(
          await a.reconciliation.recordReconciliation(id, leased[0]!.leaseToken, {
            verdict: 'not-found',
            orderId: null,
            evidence: { listed: 0 },
          }),
        ).toBe(true);
        expect(await b.reconciliation.findReconciliation(id)).toMatchObject({
          verdict: 'not-found',
          orderId: null,
          evidence: { listed: 0 },
        });
        // A fresh verdict stands until the recheck time; the lease is gone.
        expect(await b.reconciliation.leaseForReconciliation({ ...leaseAll, recheckAfterMs: 60_000 })).toStrictEqual([]);
        const releasing = await b.reconciliation.leaseForReconciliation(leaseAll);
        expect(releasing.map((entry) => entry.attempt.id)).toStrictEqual([id]);
        await b.reconciliation.releaseReconciliationLease(id, releasing[0]!.leaseToken);
        expect((await a.reconciliation.leaseForReconciliation(leaseAll)).map((entry) => entry.attempt.id)).toStrictEqual([id]);
      });

      it('leases only attempts old enough, and only UNKNOWN ones', async () => {
        const journal = await open();
        await unknownAttempt(journal);
        await claimIn(journal, claimRequest());
        expect(await journal.reconciliation.leaseForReconciliation({ ...leaseAll, olderThanMs: 60_000 })).toStrictEqual([]);
        expect(await journal.reconciliation.leaseForReconciliation(leaseAll)).toHaveLength(1);
        expect((await journal.reconciliation.summarizeUnknown()).map((attempt) => attempt.verdict)).toStrictEqual([null]);
      });

      it('takes a verdict, a release or a settlement only from the journal still holding the lease', async () => {
        const [a, b] = [await open(), await open()];
        const id = await unknownAttempt(a);
        const order = { orderId: 'ORDER_00000000000000007', orderTime: '2026-11-26 20:13:10' };
        const first = (await a.reconciliation.leaseForReconciliation({ ...leaseAll, leaseMs: 1 }))[0]!;
        await sleep(20);
        // a's round outlived its lease; b leases the attempt again.
        const second = (await b.reconciliation.leaseForReconciliation(leaseAll))[0]!;
        expect(second.attempt.id).toBe(id);
        expect(second.leaseToken).not.toBe(first.leaseToken);

        expect(
          await a.reconciliation.recordReconciliation(id, first.leaseToken, { verdict: 'placed', orderId: order.orderId, evidence: {} }),
        ).toBe(false);
        expect(await a.reconciliation.findReconciliation(id)).toBeUndefined();
        await a.reconciliation.releaseReconciliationLease(id, first.leaseToken);
        expect(await a.reconciliation.leaseForReconciliation(leaseAll)).toStrictEqual([]);
        // Another journal's token is not this journal's lease.
        expect(
          await a.reconciliation.recordReconciliation(id, second.leaseToken, { verdict: 'placed', orderId: order.orderId, evidence: {} }),
        ).toBe(false);

        expect(
          await b.reconciliation.recordReconciliation(id, second.leaseToken, { verdict: 'placed', orderId: order.orderId, evidence: {} }),
        ).toBe(true);
        expect(await a.reconciliation.settleFromReconciliation(id, first.leaseToken, order)).toBeUndefined();
        expect(await a.reconciliation.settleFromReconciliation(id, second.leaseToken, order)).toBeUndefined();
        expect(await a.findById(id)).toMatchObject({ status: 'UNKNOWN' });

        // A later lease (the CLI's, say) makes the earlier verdict's settlement stale too.
        const third = (await a.reconciliation.leaseForReconciliation(leaseAll))[0]!;
        expect(await b.reconciliation.settleFromReconciliation(id, second.leaseToken, order)).toBeUndefined();
        expect(
          await a.reconciliation.recordReconciliation(id, third.leaseToken, { verdict: 'placed', orderId: order.orderId, evidence: {} }),
        ).toBe(true);
        expect(await a.reconciliation.settleFromReconciliation(id, third.leaseToken, order)).toMatchObject({
          id,
          status: 'SUCCEEDED',
          orderId: order.orderId,
        });
      });

      it('lists the other unresolved attempts on an ICCID, any client, without those a placed verdict accounts for', async () => {
        const [a, b] = [await open(), await open()];
        const deviceId = '89852202101130009999';
        const onDevice = (overrides: Partial<ClaimRequest> = {}): ClaimRequest =>
          claimRequest({ request: { deviceId, packageCode: 'DP2', days: 30 }, ...overrides });
        const unknownOn = async (journal: OrderJournal, request: ClaimRequest): Promise<number> => {
          const claim = await claimIn(journal, request);
          expect(await journal.record(claim.attempt.id, { status: 'UNKNOWN', detail: 'deadline passed' })).toBe(true);
          return claim.attempt.id;
        };
        const own = await unknownOn(a, onDevice());
        const pending = (await claimIn(b, onDevice({ clientId: 'client-b' }))).attempt;
        const otherUnknown = await unknownOn(b, onDevice({ clientId: 'client-c' }));
        const accounted = await unknownOn(a, onDevice());
        const succeeded = (await claimIn(a, onDevice())).attempt.id;
        await a.record(succeeded, { status: 'SUCCEEDED', simId: 'SIM1', orderId: 'ORDER_1', orderTime: '2026-11-26 12:00:00' });
        await unknownOn(a, claimRequest());

        const leased = await a.reconciliation.leaseForReconciliation(leaseAll);
        const accountedLease = leased.find((entry) => entry.attempt.id === accounted)!.leaseToken;
        expect(
          await a.reconciliation.recordReconciliation(accounted, accountedLease, { verdict: 'placed', orderId: 'ORDER_2', evidence: {} }),
        ).toBe(true);

        const rivals = await b.reconciliation.unresolvedAttemptsOnDevice(own, deviceId);
        expect(rivals.map((rival) => rival.attemptId)).toStrictEqual([pending.id, otherUnknown]);
        expect(rivals[0]).toMatchObject({ packageCode: 'DP2', sendWindow: { from: pending.createdAt } });
        expect(Date.parse(rivals[0]!.sendWindow.to)).toBeGreaterThan(Date.parse(rivals[0]!.sendWindow.from));
        expect((await b.reconciliation.unresolvedAttemptsOnDevice(otherUnknown, deviceId)).map((rival) => rival.attemptId)).toStrictEqual([
          own,
          pending.id,
        ]);
        expect(await b.reconciliation.unresolvedAttemptsOnDevice(own, '89852202101130000000')).toStrictEqual([]);
      });

      it('settles SUCCEEDED only from a placed verdict naming that order, and holds the order against other attempts', async () => {
        const journal = await open();
        const id = await unknownAttempt(journal);
        const other = await unknownAttempt(journal);
        const order = { orderId: 'ORDER_00000000000000001', orderTime: '2026-11-26 20:13:10' };
        const { leaseToken } = (await journal.reconciliation.leaseForReconciliation({ ...leaseAll, limit: 1 }))[0]!;
        expect(await journal.reconciliation.settleFromReconciliation(id, leaseToken, order)).toBeUndefined();

        await journal.reconciliation.recordReconciliation(id, leaseToken, { verdict: 'placed', orderId: order.orderId, evidence: {} });
        expect(await journal.reconciliation.ordersRecordedElsewhere(other, [order.orderId, 'ORDER_2'])).toStrictEqual(
          new Set([order.orderId]),
        );
        expect(await journal.reconciliation.ordersRecordedElsewhere(id, [order.orderId])).toStrictEqual(new Set());
        expect(await journal.reconciliation.settleFromReconciliation(id, leaseToken, { ...order, orderId: 'ORDER_2' })).toBeUndefined();

        const settled = await journal.reconciliation.settleFromReconciliation(id, leaseToken, order);
        expect(settled).toMatchObject({ id, status: 'SUCCEEDED', orderId: order.orderId, orderTime: order.orderTime });
        expect(await journal.findById(id)).toMatchObject({ status: 'SUCCEEDED', orderId: order.orderId });
        expect(await journal.reconciliation.settleFromReconciliation(id, leaseToken, order)).toBeUndefined();
        expect(
          await journal.reconciliation.recordReconciliation(id, leaseToken, { verdict: 'not-found', orderId: null, evidence: {} }),
        ).toBe(false);
        expect(await journal.reconciliation.ordersRecordedElsewhere(other, [order.orderId])).toStrictEqual(new Set([order.orderId]));
        expect((await journal.reconciliation.summarizeUnknown()).map((attempt) => attempt.attemptId)).toStrictEqual([other]);
      });
    });
  });
}
