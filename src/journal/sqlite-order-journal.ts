import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import {
  decideClaim,
  newPendingAttempt,
  JournalSettleError,
  notPlacedTooSoon,
  outcomeFields,
  STALE_PENDING_DETAIL,
  type AttemptOutcome,
  type AttemptStatus,
  type ClaimRequest,
  type ClaimResult,
  type OrderAttempt,
  type OrderJournal,
  type SettleOptions,
} from './order-journal.js';
import type { ReconciliationStore } from './order-reconciliation.js';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import { openSqliteJournalDatabase } from './sqlite-journal.database.js';
import { latestOf, prepareSqliteJournalStatements, toAttempt, type SqliteJournalStatements } from './sqlite-journal.statements.js';
import { SqliteReconciliationStore } from './sqlite-reconciliation.store.js';
import { WalSync, type SyncFile } from './wal-sync.js';

/** The journal file in a DATA_DIR: one place for the gateway, the journal CLI and the tests. */
export function journalPathIn(dataDir: string): string {
  return join(dataDir, 'orders.sqlite');
}

export interface SqliteOrderJournalOptions {
  /** The journal file; its folder is created if missing. */
  path: string;
  /**
   * How long an attempt this process claims may stay PENDING: past it the send cannot
   * still be in flight (every CSSS call ends by its deadline), so a crash cut it off. It
   * is stored on the row, so other processes and tools judge the row by it.
   */
  pendingStaleAfterMs: number;
  clock?: () => number;
  /** How long to wait for another process's write lock. */
  busyTimeoutMs?: number;
  /** false for tools (the journal CLI): refuse a missing file instead of creating an empty journal. Default true. */
  create?: boolean;
  /** How the WAL is flushed to the disk: fdatasync on libuv's thread pool unless a test says otherwise. */
  syncFile?: SyncFile;
  /**
   * Called once when a WAL sync fails: the journal then refuses every claim for good, and
   * the process should finish what is in flight and exit, so that a restart's recovery
   * reads what is really on the disk.
   */
  onSyncFailed?: (error: unknown) => void;
}

/** The outcome of an attempt whose claim committed but could not be made durable: it was never sent. */
export const CLAIM_NOT_DURABLE_DETAIL = 'the journal could not sync the attempt to the disk, so it was not sent';

/**
 * The embedded journal: one SQLite file in WAL mode, shared safely by several gateway
 * processes on one machine. Writes use BEGIN IMMEDIATE so the check-then-insert of a claim
 * is atomic across processes.
 *
 * Durability: a new attempt is on the disk before its order is sent, and nothing syncs on
 * the event loop. Commits run with synchronous=NORMAL (they only write the WAL), and a
 * claim that recorded a new attempt resolves after the WAL is synced on libuv's thread
 * pool (`WalSync`), one sync shared by every commit before it. Outcome writes resolve at
 * commit: the next synced commit (or checkpoint) makes them durable with it, and if a power
 * cut loses one first, its attempt stays PENDING and ends UNKNOWN, never re-sent.
 * SQLite's automatic checkpoint (every 1,000 WAL pages, inside a commit) still syncs on the
 * event loop; a worker thread doing it instead cost 20 % more CPU per order (measured).
 *
 * A failed sync is fatal, as PostgreSQL treats a failed fsync: Linux reports a write-back
 * error once and may drop the failed pages, so later syncs that succeed prove nothing about
 * what was committed before. From then on every claim is refused and readiness fails.
 */
export class SqliteOrderJournal implements OrderJournal {
  readonly owner = randomUUID();
  readonly #db: Database.Database;
  readonly #clock: () => number;
  readonly #staleAfterMs: number;
  readonly #statements: SqliteJournalStatements;
  readonly #writes: SqliteGroupCommit;
  /** The reconciler's storage, on this journal's connection. */
  readonly reconciliation: ReconciliationStore;

  constructor(options: SqliteOrderJournalOptions) {
    this.#clock = options.clock ?? Date.now;
    this.#staleAfterMs = options.pendingStaleAfterMs;
    this.#db = openSqliteJournalDatabase({
      path: options.path,
      create: options.create !== false,
      busyTimeoutMs: options.busyTimeoutMs ?? 2000,
      now: () => this.#now(),
    });
    this.#writes = new SqliteGroupCommit(this.#db, new WalSync(options.path, options.syncFile), {
      clock: this.#clock,
      onSyncFailed: options.onSyncFailed,
    });

    this.#statements = prepareSqliteJournalStatements(this.#db);
    this.reconciliation = new SqliteReconciliationStore({
      db: this.#db,
      owner: this.owner,
      clock: this.#clock,
      statements: this.#statements,
      sync: () => this.#writes.sync(),
    });
  }

  #now(): string {
    return new Date(this.#clock()).toISOString();
  }

  /**
   * Claims and outcome records wait for the next batch: every write queued in one turn of
   * the event loop commits in one transaction. A claim that recorded a new attempt then
   * waits for the WAL sync; everything else resolves at commit.
   */
  claim(request: ClaimRequest): Promise<ClaimResult> {
    const failure = this.#writes.failure();
    if (failure) return Promise.reject(failure);
    return this.#writes.enqueue(() => this.#claimNow(request), {
      required: (result) => result.kind === 'claimed',
      onSyncFailed: (result) => this.#abandonClaim(result),
    });
  }

  record(attemptId: number, outcome: AttemptOutcome): Promise<boolean> {
    return this.#writes.enqueue(
      () => this.#statements.record.run({ ...outcomeFields(outcome), id: attemptId, now: this.#now() }).changes === 1,
    );
  }

  /**
   * A claim whose sync failed is refused to its caller, so its order is never sent; its
   * row (committed, maybe not on the disk) is marked NOT_SENT if the journal still takes
   * writes, so a retry with the same key may send it as a new attempt.
   */
  #abandonClaim(claim: ClaimResult): void {
    if (claim.kind !== 'claimed') return;
    this.record(claim.attempt.id, { status: 'NOT_SENT', detail: CLAIM_NOT_DURABLE_DETAIL }).catch(() => undefined);
  }

  #claimNow(request: ClaimRequest): ClaimResult {
    const latestRow = latestOf(this.#statements.attemptsOfKey.all(request.clientId, request.idempotencyKey));
    const now = this.#now();
    const latest = latestRow && { attempt: toAttempt(latestRow), stale: latestRow.stale_at === null || latestRow.stale_at < now };
    const decision = decideClaim(latest, request);
    switch (decision.kind) {
      case 'answer':
        return decision.result;
      case 'sweep': {
        const { id } = decision.attempt;
        this.#statements.record.run({ ...outcomeFields({ status: 'UNKNOWN', detail: STALE_PENDING_DETAIL }), id, now });
        return { kind: 'finished', attempt: toAttempt(this.#statements.byId.get(id)!) };
      }
      case 'insert': {
        const staleAt = new Date(this.#clock() + this.#staleAfterMs).toISOString();
        const { lastInsertRowid } = this.#statements.insert.run({
          clientId: request.clientId,
          idempotencyKey: request.idempotencyKey,
          attemptNo: decision.attemptNo,
          fingerprint: request.fingerprint,
          requestJson: JSON.stringify(request.request),
          owner: this.owner,
          now,
          staleAt,
        });
        return {
          kind: 'claimed',
          attempt: newPendingAttempt(request, decision.attemptNo, this.owner, { id: Number(lastInsertRowid), createdAt: now, staleAt }),
        };
      }
    }
  }

  async findLatest(clientId: string, idempotencyKey: string): Promise<OrderAttempt | undefined> {
    const row = latestOf(this.#statements.attemptsOfKey.all(clientId, idempotencyKey));
    return row && toAttempt(row);
  }

  async findById(attemptId: number): Promise<OrderAttempt | undefined> {
    const row = this.#statements.byId.get(attemptId);
    return row && toAttempt(row);
  }

  async listByStatus(status: AttemptStatus): Promise<OrderAttempt[]> {
    return this.#statements.byStatus.all(status).map(toAttempt);
  }

  async markPendingUnknown(options: { ownOnly: boolean; detail: string }): Promise<number> {
    const now = this.#now();
    const result = options.ownOnly
      ? this.#statements.ownToUnknown.run({ detail: options.detail, now, owner: this.owner })
      : this.#statements.staleToUnknown.run({ detail: options.detail, now });
    if (result.changes > 0) await this.#writes.sync();
    return result.changes;
  }

  async settle(
    attemptId: number,
    outcome: Extract<AttemptOutcome, { status: 'SUCCEEDED' | 'NOT_SENT' }>,
    options: SettleOptions = {},
  ): Promise<OrderAttempt> {
    const settle = this.#db.transaction((): OrderAttempt => {
      const row = this.#statements.byId.get(attemptId);
      if (!row) throw new JournalSettleError(`no attempt with id ${attemptId}`);
      if (row.status !== 'UNKNOWN') {
        throw new JournalSettleError(`attempt ${attemptId} is ${row.status}; only UNKNOWN attempts can be settled`);
      }
      if (outcome.status === 'NOT_SENT' && options.inFlightForMs !== undefined && row.stale_at !== null) {
        const possibleFrom = Date.parse(row.stale_at) + options.inFlightForMs;
        if (this.#clock() < possibleFrom) throw notPlacedTooSoon(attemptId, new Date(possibleFrom));
      }
      this.#statements.record.run({ ...outcomeFields(outcome), id: attemptId, now: this.#now() });
      return toAttempt(this.#statements.byId.get(attemptId)!);
    });
    const settled = settle.immediate();
    // An operator's verdict is durable before the tool says it is done.
    await this.#writes.sync();
    return settled;
  }

  async isWritable(): Promise<boolean> {
    return this.#writes.isWritable();
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    await this.#writes.close();
    this.#db.close();
  }
}
