import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../../src/journal/order-journal.js';
import { CLAIM_NOT_DURABLE_DETAIL, journalPathIn, SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { fdatasyncOffLoop } from '../../src/journal/wal-sync.js';

/**
 * The SQLite journal's durability rule, on a real file: a new attempt resolves only once its
 * WAL is synced (the sync runs off the event loop, one for every commit before it), outcome
 * writes do not wait for a sync, and a claim whose sync fails is never sent. The WAL sync is
 * the real fdatasync, held back or failed by the test where it says so.
 */

/** A syncFile whose calls wait until the test releases them (or fail them), counting each. */
function heldSync() {
  const calls: Array<{ release: () => void; fail: (error: Error) => void }> = [];
  return {
    calls,
    syncFile: (fd: number) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ release: () => fdatasyncOffLoop(fd).then(resolve, reject), fail: reject });
      }),
  };
}

let sequence = 0;
function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  sequence += 1;
  return { clientId: 'client-a', idempotencyKey: `key-${sequence}`, fingerprint: 'f'.repeat(64), request: { n: sequence }, ...overrides };
}

/** Whether `promise` has settled after the event loop has had a few turns. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

const journals: SqliteOrderJournal[] = [];
afterEach(async () => {
  await Promise.all(journals.splice(0).map((journal) => journal.close()));
});

async function openJournal(syncFile: (fd: number) => Promise<void>): Promise<SqliteOrderJournal> {
  const path = journalPathIn(await mkdtemp(join(tmpdir(), 'csss-journal-durability-')));
  const journal = new SqliteOrderJournal({ path, pendingStaleAfterMs: 60_000, syncFile });
  journals.push(journal);
  return journal;
}

describe('SQLite journal durability', () => {
  it('answers a new attempt only after its WAL sync, and records outcomes without waiting for one', async () => {
    const sync = heldSync();
    const journal = await openJournal(sync.syncFile);

    const claiming = journal.claim(claimRequest());
    expect(await settledSoon(claiming)).toBe(false);
    expect(sync.calls).toHaveLength(1);
    sync.calls[0]!.release();
    const claim = await claiming;
    expect(claim.kind).toBe('claimed');

    // The outcome commits and answers while no sync runs at all.
    const recording = journal.record(claim.kind === 'claimed' ? claim.attempt.id : -1, {
      status: 'SUCCEEDED',
      simId: 'S1',
      orderId: 'O1',
      orderTime: '2026-12-02 10:00:00',
    });
    expect(await settledSoon(recording)).toBe(true);
    expect(await recording).toBe(true);
    expect(sync.calls).toHaveLength(1);
  });

  it('shares one sync among the claims that arrive while another sync runs', async () => {
    const sync = heldSync();
    const journal = await openJournal(sync.syncFile);

    const first = journal.claim(claimRequest());
    expect(await settledSoon(first)).toBe(false);
    // Committed while the first sync runs: that sync may have started before their commit, so they wait for the next.
    const later = [journal.claim(claimRequest()), journal.claim(claimRequest())];
    await settledSoon(Promise.all(later));
    const andAnother = journal.claim(claimRequest());
    await settledSoon(andAnother);
    expect(sync.calls).toHaveLength(1);

    sync.calls[0]!.release();
    expect((await first).kind).toBe('claimed');
    expect(await settledSoon(Promise.all(later))).toBe(false);
    expect(sync.calls).toHaveLength(2);
    sync.calls[1]!.release();
    const answers = await Promise.all([...later, andAnother]);
    expect(answers.map((answer) => answer.kind)).toEqual(['claimed', 'claimed', 'claimed']);
    expect(sync.calls).toHaveLength(2);
  });

  it('refuses a claim whose sync failed, marks its attempt NOT_SENT and lets the same key be sent again', async () => {
    const sync = heldSync();
    const journal = await openJournal(sync.syncFile);
    const request = claimRequest();

    const claiming = journal.claim(request);
    await settledSoon(claiming);
    sync.calls[0]!.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(claiming).rejects.toThrow(/EIO/);
    expect(await journal.isWritable()).toBe(false);

    await expect.poll(async () => (await journal.findLatest(request.clientId, request.idempotencyKey))?.status).toBe('NOT_SENT');
    expect((await journal.findLatest(request.clientId, request.idempotencyKey))?.detail).toBe(CLAIM_NOT_DURABLE_DETAIL);

    // The readiness probe's synced write, then a retry with the same key, each pass once the disk syncs again.
    await expect
      .poll(async () => {
        for (const call of sync.calls.splice(0)) call.release();
        return journal.isWritable();
      })
      .toBe(true);
    const retry = journal.claim(request);
    await expect.poll(() => (sync.calls.splice(0).forEach((call) => call.release()), settledSoon(retry))).toBe(true);
    const answer = await retry;
    expect(answer.kind === 'claimed' && answer.attempt.attemptNo).toBe(2);
  });
});
