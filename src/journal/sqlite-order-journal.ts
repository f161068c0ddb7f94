import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import {
  attemptFromColumns,
  decideClaim,
  JournalSettleError,
  notPlacedTooSoon,
  outcomeFields,
  STALE_PENDING_DETAIL,
  type AttemptColumns,
  type AttemptOutcome,
  type AttemptStatus,
  type ClaimRequest,
  type ClaimResult,
  type OrderAttempt,
  type OrderJournal,
  type SettleOptions,
} from './order-journal.js';
import {
  packageCodeOf,
  RECONCILED_DETAIL,
  type ReconcileDueAttempt,
  type ReconcileLeaseOptions,
  type Reconciliation,
  type ReconcileVerdict,
  type ReconciliationStore,
  type ReconciliationVerdict,
  type UnresolvedAttempt,
  type UnknownAttemptSummary,
} from './order-reconciliation.js';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import { openSqliteJournalDatabase } from './sqlite-journal.database.js';
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

interface AttemptRow extends AttemptColumns {
  id: number;
  request_json: string;
  created_at: string;
  updated_at: string;
  /** Null only on rows written before migration 2: they count as stale. */
  stale_at: string | null;
}

interface ReconciliationRow {
  reconcile_verdict: ReconcileVerdict | null;
  reconcile_checked_at: string | null;
  reconcile_evidence_json: string | null;
  reconcile_order_id: string | null;
}

type ReconcileDueRow = AttemptRow & ReconciliationRow;

function toAttempt(row: AttemptRow): OrderAttempt {
  const request = JSON.parse(row.request_json) as unknown;
  return attemptFromColumns(row, { id: row.id, request, createdAt: row.created_at, updatedAt: row.updated_at, staleAt: row.stale_at });
}

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
export class SqliteOrderJournal implements OrderJournal, ReconciliationStore {
  readonly owner = randomUUID();
  readonly #db: Database.Database;
  readonly #clock: () => number;
  readonly #staleAfterMs: number;
  readonly #statements;
  readonly #writes: SqliteGroupCommit;

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

    const db = this.#db;
    this.#statements = {
      latest: db.prepare<[string, string], AttemptRow>(
        'SELECT * FROM ota_order_attempts WHERE client_id = ? AND idempotency_key = ? ORDER BY attempt_no DESC LIMIT 1',
      ),
      byId: db.prepare<[number], AttemptRow>('SELECT * FROM ota_order_attempts WHERE id = ?'),
      byStatus: db.prepare<[string], AttemptRow>('SELECT * FROM ota_order_attempts WHERE status = ? ORDER BY id'),
      insert: db.prepare(
        `INSERT INTO ota_order_attempts
           (client_id, idempotency_key, attempt_no, fingerprint, request_json, status, owner, created_at, updated_at, stale_at)
         VALUES (@clientId, @idempotencyKey, @attemptNo, @fingerprint, @requestJson, 'PENDING', @owner, @now, @now, @staleAt)`,
      ),
      record: db.prepare(
        `UPDATE ota_order_attempts
            SET status = @status, csss_code = @csssCode, csss_message = @csssMessage, sim_id = @simId,
                order_id = @orderId, order_time = @orderTime, detail = @detail, updated_at = @now
          WHERE id = @id AND status IN ('PENDING', 'UNKNOWN')`,
      ),
      staleToUnknown: db.prepare(
        `UPDATE ota_order_attempts SET status = 'UNKNOWN', detail = @detail, updated_at = @now
          WHERE status = 'PENDING' AND (stale_at < @now OR stale_at IS NULL)`,
      ),
      ownToUnknown: db.prepare(
        `UPDATE ota_order_attempts SET status = 'UNKNOWN', detail = @detail, updated_at = @now
          WHERE status = 'PENDING' AND owner = @owner`,
      ),
    };
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
    const latestRow = this.#statements.latest.get(request.clientId, request.idempotencyKey);
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
          attempt: {
            id: Number(lastInsertRowid),
            clientId: request.clientId,
            idempotencyKey: request.idempotencyKey,
            attemptNo: decision.attemptNo,
            fingerprint: request.fingerprint,
            request: request.request,
            status: 'PENDING',
            csssCode: null,
            csssMessage: null,
            simId: null,
            orderId: null,
            orderTime: null,
            detail: null,
            owner: this.owner,
            createdAt: now,
            updatedAt: now,
            staleAt,
          },
        };
      }
    }
  }

  async findLatest(clientId: string, idempotencyKey: string): Promise<OrderAttempt | undefined> {
    const row = this.#statements.latest.get(clientId, idempotencyKey);
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

  async leaseForReconciliation(options: ReconcileLeaseOptions): Promise<ReconcileDueAttempt[]> {
    const nowMs = this.#clock();
    const iso = (ms: number): string => new Date(ms).toISOString();
    const leaseToken = randomUUID();
    const lease = this.#db.transaction((): ReconcileDueRow[] => {
      const due = this.#db
        .prepare<[{ createdBy: string; checkedBy: string; now: string; limit: number }], ReconcileDueRow>(
          `SELECT * FROM ota_order_attempts
            WHERE status = 'UNKNOWN' AND created_at <= @createdBy
              AND (reconcile_checked_at IS NULL OR reconcile_checked_at <= @checkedBy)
              AND (reconcile_lease_until IS NULL OR reconcile_lease_until < @now)
            ORDER BY id LIMIT @limit`,
        )
        .all({
          createdBy: iso(nowMs - options.olderThanMs),
          checkedBy: iso(nowMs - options.recheckAfterMs),
          now: iso(nowMs),
          limit: options.limit,
        });
      const setLease = this.#db.prepare(
        'UPDATE ota_order_attempts SET reconcile_lease_until = ?, reconcile_lease_owner = ?, reconcile_lease_token = ? WHERE id = ?',
      );
      for (const row of due) setLease.run(iso(nowMs + options.leaseMs), this.owner, leaseToken, row.id);
      return due;
    });
    return lease.immediate().map((row) => ({
      attempt: toAttempt(row),
      leaseToken,
      sendWindow: { from: row.created_at, to: row.stale_at ?? row.updated_at },
    }));
  }

  async recordReconciliation(attemptId: number, leaseToken: string, verdict: ReconciliationVerdict): Promise<boolean> {
    // The lease's owner and token stay on the row: they name the lease the verdict came
    // from, which a settlement from it must still match.
    const result = this.#db
      .prepare(
        `UPDATE ota_order_attempts
            SET reconcile_verdict = @verdict, reconcile_checked_at = @now, reconcile_evidence_json = @evidence,
                reconcile_order_id = @orderId, reconcile_lease_until = NULL
          WHERE id = @id AND status = 'UNKNOWN' AND reconcile_lease_owner = @owner AND reconcile_lease_token = @leaseToken`,
      )
      .run({
        id: attemptId,
        owner: this.owner,
        leaseToken,
        verdict: verdict.verdict,
        orderId: verdict.orderId,
        evidence: JSON.stringify(verdict.evidence),
        now: this.#now(),
      });
    return result.changes === 1;
  }

  async releaseReconciliationLease(attemptId: number, leaseToken: string): Promise<void> {
    this.#db
      .prepare(
        `UPDATE ota_order_attempts SET reconcile_lease_until = NULL
          WHERE id = ? AND reconcile_lease_owner = ? AND reconcile_lease_token = ?`,
      )
      .run(attemptId, this.owner, leaseToken);
  }

  async unresolvedAttemptsOnDevice(attemptId: number, deviceId: string): Promise<UnresolvedAttempt[]> {
    // The (status, stale_at) index narrows this to the few PENDING and UNKNOWN rows.
    const rows = this.#db
      .prepare<[number, string], Pick<AttemptRow, 'id' | 'request_json' | 'created_at' | 'updated_at' | 'stale_at'>>(
        `SELECT id, request_json, created_at, updated_at, stale_at FROM ota_order_attempts
          WHERE status IN ('PENDING', 'UNKNOWN') AND id <> ? AND json_extract(request_json, '$.deviceId') = ?
            AND (status = 'PENDING' OR reconcile_verdict IS NULL OR reconcile_verdict <> 'placed')
          ORDER BY id`,
      )
      .all(attemptId, deviceId);
    return rows.map((row) => ({
      attemptId: row.id,
      sendWindow: { from: row.created_at, to: row.stale_at ?? row.updated_at },
      packageCode: packageCodeOf(JSON.parse(row.request_json) as unknown),
    }));
  }

  async findReconciliation(attemptId: number): Promise<Reconciliation | undefined> {
    const row = this.#db
      .prepare<[number], ReconciliationRow>(
        'SELECT reconcile_verdict, reconcile_checked_at, reconcile_evidence_json, reconcile_order_id FROM ota_order_attempts WHERE id = ?',
      )
      .get(attemptId);
    if (!row?.reconcile_verdict || !row.reconcile_checked_at) return undefined;
    return {
      verdict: row.reconcile_verdict,
      checkedAt: row.reconcile_checked_at,
      orderId: row.reconcile_order_id,
      evidence: row.reconcile_evidence_json === null ? null : (JSON.parse(row.reconcile_evidence_json) as unknown),
    };
  }

  async ordersRecordedElsewhere(attemptId: number, orderIds: readonly string[]): Promise<Set<string>> {
    if (orderIds.length === 0) return new Set();
    const marks = orderIds.map(() => '?').join(', ');
    const rows = this.#db
      .prepare<unknown[], { orderId: string }>(
        `SELECT order_id AS orderId FROM ota_order_attempts WHERE order_id IN (${marks}) AND id <> ?
         UNION
         SELECT reconcile_order_id FROM ota_order_attempts
          WHERE reconcile_order_id IN (${marks}) AND id <> ? AND reconcile_verdict = 'placed'`,
      )
      .all(...orderIds, attemptId, ...orderIds, attemptId);
    return new Set(rows.map((row) => row.orderId));
  }

  async settleFromReconciliation(
    attemptId: number,
    leaseToken: string,
    order: { orderId: string; orderTime: string },
  ): Promise<OrderAttempt | undefined> {
    const settle = this.#db.transaction((): OrderAttempt | undefined => {
      const row = this.#db
        .prepare<[number], AttemptRow & ReconciliationRow & { reconcile_lease_owner: string | null; reconcile_lease_token: string | null }>(
          'SELECT * FROM ota_order_attempts WHERE id = ?',
        )
        .get(attemptId);
      if (row?.status !== 'UNKNOWN' || row.reconcile_verdict !== 'placed' || row.reconcile_order_id !== order.orderId) return undefined;
      if (row.reconcile_lease_owner !== this.owner || row.reconcile_lease_token !== leaseToken) return undefined;
      const outcome = {
        status: 'SUCCEEDED',
        simId: '',
        orderId: order.orderId,
        orderTime: order.orderTime,
        detail: RECONCILED_DETAIL,
      } as const;
      this.#statements.record.run({ ...outcomeFields(outcome), id: attemptId, now: this.#now() });
      return toAttempt(this.#statements.byId.get(attemptId)!);
    });
    const settled = settle.immediate();
    // Retries replay this order from now on: durable before anyone is told so.
    if (settled) await this.#writes.sync();
    return settled;
  }

  async summarizeUnknown(): Promise<UnknownAttemptSummary[]> {
    return this.#db
      .prepare<[], { attemptId: number; createdAt: string; verdict: ReconcileVerdict | null }>(
        `SELECT id AS attemptId, created_at AS createdAt, reconcile_verdict AS verdict FROM ota_order_attempts WHERE status = 'UNKNOWN'`,
      )
      .all();
  }
}
