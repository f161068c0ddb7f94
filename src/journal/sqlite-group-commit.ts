import type Database from 'better-sqlite3';
import { JournalFailedError } from './order-journal.js';
import type { WalSync } from './wal-sync.js';

/**
 * What a write whose caller may go on only once it is on the disk (a new attempt, before its
 * order leaves) needs: whether this result is such a one, and what to undo if the sync fails.
 * Writes without it resolve at commit.
 */
export interface Durability<T> {
  required: (value: T) => boolean;
  onSyncFailed?: (value: T) => void;
}

interface QueuedWrite {
  write: () => unknown;
  durability: Durability<unknown> | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type WriteOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface SqliteGroupCommitOptions {
  /** Milliseconds since the epoch; the readiness probe writes it. */
  clock: () => number;
  /** Called once, at the first failed sync. */
  onSyncFailed?: (error: unknown) => void;
}

/**
 * The SQLite journal's writes: every write queued in one turn of the event loop commits in
 * one transaction, and the writes whose callers need it wait for one shared WAL sync after
 * the commit (group commit). It also keeps what readiness reports.
 *
 * A failed sync is fatal, as PostgreSQL treats a failed fsync: Linux reports a write-back
 * error once and may drop the failed pages, so later syncs that succeed prove nothing about
 * what was committed before. From then on `failure()` says so for good and readiness fails.
 */
export class SqliteGroupCommit {
  readonly #db: Database.Database;
  readonly #wal: WalSync;
  readonly #clock: () => number;
  readonly #onSyncFailed: ((error: unknown) => void) | undefined;
  readonly #queue: QueuedWrite[] = [];
  /**
   * Whether the last WAL sync succeeded and no write transaction failed since; readiness
   * reads it. A commit alone never sets it back: on a full disk a small write may commit
   * to the page cache while syncs keep failing.
   */
  #lastSyncOk = true;
  /** Set by the first failed sync, never cleared. */
  #syncFailure: unknown;
  #probing = false;
  /**
   * Runs a batch's writes in one BEGIN IMMEDIATE transaction, recording each write's
   * outcome. Built once: better-sqlite3's transaction() makes four wrapper functions each
   * time it is called.
   */
  readonly #commitBatch: (batch: QueuedWrite[], outcomes: WriteOutcome[]) => void;

  constructor(db: Database.Database, wal: WalSync, options: SqliteGroupCommitOptions) {
    this.#db = db;
    this.#wal = wal;
    this.#clock = options.clock;
    this.#onSyncFailed = options.onSyncFailed;
    // One write failing (say, a constraint) must not undo the others in its batch. But
    // when SQLite rolled back the whole transaction (disk full, I/O error), the later
    // writes would commit on their own while the caller is told nothing was written, so
    // the batch fails as a whole.
    this.#commitBatch = db.transaction((batch: QueuedWrite[], outcomes: WriteOutcome[]) => {
      for (const { write } of batch) {
        try {
          outcomes.push({ ok: true, value: write() });
        } catch (error) {
          if (!db.inTransaction) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    }).immediate;
  }

  /** Once a sync has failed: the error to refuse new attempts with. */
  failure(): JournalFailedError | undefined {
    if (this.#syncFailure === undefined) return undefined;
    return new JournalFailedError('a WAL sync of the order journal failed; it takes no new attempts until the gateway restarts', {
      cause: this.#syncFailure,
    });
  }

  /** Runs `write` in the next batch; resolves at its commit, or after the sync where `durability` requires it. */
  enqueue<T>(write: () => T, durability?: Durability<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        write,
        durability: durability as Durability<unknown> | undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  /** A sync outside the batches (sweeps, settling): its failure is as fatal as a claim's. */
  async sync(): Promise<void> {
    try {
      await this.#wal.sync();
    } catch (error) {
      this.#failSync(error);
      throw error;
    }
  }

  /**
   * Readiness, answered from the state at once. After a failed write, a real synced write
   * re-checks in the background (a transaction that writes nothing proves nothing: it
   * commits on a full disk); after a failed sync, never ready again.
   */
  isWritable(): boolean {
    if (this.#syncFailure !== undefined) return false;
    if (!this.#lastSyncOk && !this.#probing && this.#db.open) {
      // The header's user_version (unused by the journal) is rewritten, so a full disk fails it.
      this.#probing = true;
      this.enqueue(() => this.#db.pragma(`user_version = ${this.#clock() % 2 ** 31}`), { required: () => true })
        .catch(() => undefined)
        .finally(() => (this.#probing = false));
    }
    return this.#lastSyncOk;
  }

  /** Commits the writes still waiting for their batch (not dropped; synced if their callers wait for it), then closes the WAL. */
  async close(): Promise<void> {
    if (this.#queue.length > 0) this.#flush();
    await this.#wal.close();
  }

  #flush(): void {
    const batch = this.#queue.splice(0);
    const outcomes: WriteOutcome[] = [];
    try {
      this.#commitBatch(batch, outcomes);
    } catch (error) {
      // The transaction itself failed (busy, disk full): nothing in it was written.
      this.#lastSyncOk = false;
      for (const { reject } of batch) reject(error);
      return;
    }
    const durableWaiters: Array<{ entry: QueuedWrite; value: unknown }> = [];
    batch.forEach((entry, index) => {
      const outcome = outcomes[index]!;
      if (!outcome.ok) entry.reject(outcome.error);
      else if (entry.durability?.required(outcome.value)) durableWaiters.push({ entry, value: outcome.value });
      else entry.resolve(outcome.value);
    });
    if (durableWaiters.length === 0) return;
    this.#wal.sync().then(
      () => {
        // A sync that started after a failed one proves nothing about the commits before it.
        const failure = this.failure();
        if (failure) {
          for (const { entry, value } of durableWaiters) {
            entry.reject(failure);
            entry.durability?.onSyncFailed?.(value);
          }
          return;
        }
        this.#lastSyncOk = true;
        for (const { entry, value } of durableWaiters) entry.resolve(value);
      },
      (error: unknown) => {
        this.#failSync(error);
        for (const { entry, value } of durableWaiters) {
          entry.reject(error);
          entry.durability?.onSyncFailed?.(value);
        }
      },
    );
  }

  /** The first failed sync: readiness fails for good, and the owner is told once. */
  #failSync(error: unknown): void {
    this.#lastSyncOk = false;
    if (this.#syncFailure !== undefined) return;
    this.#syncFailure = error;
    this.#onSyncFailed?.(error);
  }
}
