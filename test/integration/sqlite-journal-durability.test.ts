import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalFailedError, type ClaimRequest } from '../../src/journal/order-journal.js';
import { CLAIM_NOT_DURABLE_DETAIL, journalPathIn, SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { fdatasyncOffLoop } from '../../src/journal/wal-sync.js';

/**
 * The SQLite journal's durability rule, on a real file: a new attempt resolves only once its
 * WAL is synced (the sync runs off the event loop, one for every commit before it), outcome
 * writes do not wait for a sync, and a claim whose sync fails is never sent and ends claiming. The WAL sync is
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

const newJournalPath = async (): Promise<string> => journalPathIn(await mkdtemp(join(tmpdir(), 'csss-journal-durability-')));

function track(journal: SqliteOrderJournal): SqliteOrderJournal {
  journals.push(journal);
  return journal;
}

async function openJournal(syncFile: (fd: number) => Promise<void>): Promise<SqliteOrderJournal> {
  return track(new SqliteOrderJournal({ path: await newJournalPath(), pendingStaleAfterMs: 60_000, syncFile }));
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

  it('refuses a claim whose sync failed, marks its attempt NOT_SENT, and after a restart lets the same key be sent again', async () => {
    const sync = heldSync();
    const failures: unknown[] = [];
    const path = await newJournalPath();
    const journal = track(
      new SqliteOrderJournal({ path, pendingStaleAfterMs: 60_000, syncFile: sync.syncFile, onSyncFailed: (error) => failures.push(error) }),
    );
    const request = claimRequest();

    const claiming = journal.claim(request);
    await settledSoon(claiming);
    sync.calls[0]!.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(claiming).rejects.toThrow(/EIO/);
    expect(await journal.isWritable()).toBe(false);
    expect(failures).toHaveLength(1);

    await expect.poll(async () => (await journal.findLatest(request.clientId, request.idempotencyKey))?.status).toBe('NOT_SENT');
    expect((await journal.findLatest(request.clientId, request.idempotencyKey))?.detail).toBe(CLAIM_NOT_DURABLE_DETAIL);

    // A failed sync is fatal: later syncs that succeed prove nothing about what was committed
    // before it, so no claim is taken and readiness stays down, however well the disk syncs now.
    await expect(journal.claim(claimRequest())).rejects.toBeInstanceOf(JournalFailedError);
    for (let turn = 0; turn < 5; turn += 1) {
      for (const call of sync.calls.splice(0)) call.release();
      expect(await journal.isWritable()).toBe(false);
      await settledSoon(Promise.resolve());
    }
    expect(failures).toHaveLength(1);

    // A restart reads what is on the disk; the NOT_SENT attempt may be sent again as attempt 2.
    await journal.close();
    const restarted = track(new SqliteOrderJournal({ path, pendingStaleAfterMs: 60_000, syncFile: fdatasyncOffLoop }));
    const answer = await restarted.claim(request);
    expect(answer.kind === 'claimed' && answer.attempt.attemptNo).toBe(2);
    expect(await restarted.isWritable()).toBe(true);
  });

  it('refuses new claims after a failed sync although the claims of that batch resolve later', async () => {
    const sync = heldSync();
    const journal = await openJournal(sync.syncFile);
    const first = journal.claim(claimRequest());
    await settledSoon(first);
    // A second claim commits while the first sync runs: it waits for the next sync.
    const second = journal.claim(claimRequest());
    await settledSoon(second);
    sync.calls[0]!.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(first).rejects.toThrow(/EIO/);
    // The next sync succeeds, but it cannot vouch for a commit made after a failed write-back.
    await expect.poll(() => (sync.calls.splice(0).forEach((call) => call.release()), settledSoon(second))).toBe(true);
    await expect(second).rejects.toBeInstanceOf(JournalFailedError);
  });
});
