import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { outcomeFields, type OrderAttempt } from './order-journal.js';
import {
  packageCodeOf,
  reconciledOutcome,
  type ReconcileDueAttempt,
  type ReconcileLeaseOptions,
  type Reconciliation,
  type ReconcileVerdict,
  type ReconciliationStore,
  type ReconciliationVerdict,
  type UnresolvedAttempt,
  type UnknownAttemptSummary,
} from './order-reconciliation.js';
import { toAttempt, type AttemptRow, type SqliteJournalStatements } from './sqlite-journal.statements.js';

interface ReconciliationRow {
  reconcile_verdict: ReconcileVerdict | null;
  reconcile_checked_at: string | null;
  reconcile_evidence_json: string | null;
  reconcile_order_id: string | null;
}

type ReconcileDueRow = AttemptRow & ReconciliationRow;

/** From the claim's write to the stale deadline its sender stored (the updated time on rows older than that column). */
function sendWindowOf(row: Pick<AttemptRow, 'created_at' | 'updated_at' | 'stale_at'>): { from: string; to: string } {
  return { from: row.created_at, to: row.stale_at ?? row.updated_at };
}

interface SqliteReconciliationStoreDeps {
  db: Database.Database;
  /** The journal's owner: leases are taken, and verdicts and settlements count, under it. */
  owner: string;
  clock: () => number;
  statements: SqliteJournalStatements;
  /** Makes every commit so far durable (the journal's WAL sync). */
  sync: () => Promise<void>;
}

/**
 * The reconciler's storage in the SQLite journal (see ReconciliationStore): leases on
 * UNKNOWN attempts, their verdicts, and settling an attempt from a `placed` verdict. It
 * shares the journal's connection, owner and WAL sync.
 */
export class SqliteReconciliationStore implements ReconciliationStore {
  readonly #deps: SqliteReconciliationStoreDeps;

  constructor(deps: SqliteReconciliationStoreDeps) {
    this.#deps = deps;
  }

  #now(): string {
    return new Date(this.#deps.clock()).toISOString();
  }

  async leaseForReconciliation(options: ReconcileLeaseOptions): Promise<ReconcileDueAttempt[]> {
    const nowMs = this.#deps.clock();
    const iso = (ms: number): string => new Date(ms).toISOString();
    const leaseToken = randomUUID();
    const lease = this.#deps.db.transaction((): ReconcileDueRow[] => {
      const due = this.#deps.db
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
      const setLease = this.#deps.db.prepare(
        'UPDATE ota_order_attempts SET reconcile_lease_until = ?, reconcile_lease_owner = ?, reconcile_lease_token = ? WHERE id = ?',
      );
      for (const row of due) setLease.run(iso(nowMs + options.leaseMs), this.#deps.owner, leaseToken, row.id);
      return due;
    });
    return lease.immediate().map((row) => ({
      attempt: toAttempt(row),
      leaseToken,
      sendWindow: sendWindowOf(row),
    }));
  }

  async recordReconciliation(attemptId: number, leaseToken: string, verdict: ReconciliationVerdict): Promise<boolean> {
    // The lease's owner and token stay on the row: they name the lease the verdict came
    // from, which a settlement from it must still match.
    const result = this.#deps.db
      .prepare(
        `UPDATE ota_order_attempts
            SET reconcile_verdict = @verdict, reconcile_checked_at = @now, reconcile_evidence_json = @evidence,
                reconcile_order_id = @orderId, reconcile_lease_until = NULL
          WHERE id = @id AND status = 'UNKNOWN' AND reconcile_lease_owner = @owner AND reconcile_lease_token = @leaseToken`,
      )
      .run({
        id: attemptId,
        owner: this.#deps.owner,
        leaseToken,
        verdict: verdict.verdict,
        orderId: verdict.orderId,
        evidence: JSON.stringify(verdict.evidence),
        now: this.#now(),
      });
    return result.changes === 1;
  }

  async releaseReconciliationLease(attemptId: number, leaseToken: string): Promise<void> {
    this.#deps.db
      .prepare(
        `UPDATE ota_order_attempts SET reconcile_lease_until = NULL
          WHERE id = ? AND reconcile_lease_owner = ? AND reconcile_lease_token = ?`,
      )
      .run(attemptId, this.#deps.owner, leaseToken);
  }

  async unresolvedAttemptsOnDevice(attemptId: number, deviceId: string): Promise<UnresolvedAttempt[]> {
    // The (status, stale_at) index narrows this to the few PENDING and UNKNOWN rows.
    const rows = this.#deps.db
      .prepare<[number, string], Pick<AttemptRow, 'id' | 'request_json' | 'created_at' | 'updated_at' | 'stale_at'>>(
        `SELECT id, request_json, created_at, updated_at, stale_at FROM ota_order_attempts
          WHERE status IN ('PENDING', 'UNKNOWN') AND id <> ? AND json_extract(request_json, '$.deviceId') = ?
            AND (status = 'PENDING' OR reconcile_verdict IS NULL OR reconcile_verdict <> 'placed')
          ORDER BY id`,
      )
      .all(attemptId, deviceId);
    return rows.map((row) => ({
      attemptId: row.id,
      sendWindow: sendWindowOf(row),
      packageCode: packageCodeOf(JSON.parse(row.request_json) as unknown),
    }));
  }

  async findReconciliation(attemptId: number): Promise<Reconciliation | undefined> {
    const row = this.#deps.db
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
    const rows = this.#deps.db
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
    const settle = this.#deps.db.transaction((): OrderAttempt | undefined => {
      const row = this.#deps.db
        .prepare<[number], AttemptRow & ReconciliationRow & { reconcile_lease_owner: string | null; reconcile_lease_token: string | null }>(
          'SELECT * FROM ota_order_attempts WHERE id = ?',
        )
        .get(attemptId);
      if (row?.status !== 'UNKNOWN' || row.reconcile_verdict !== 'placed' || row.reconcile_order_id !== order.orderId) return undefined;
      if (row.reconcile_lease_owner !== this.#deps.owner || row.reconcile_lease_token !== leaseToken) return undefined;
      this.#deps.statements.record.run({ ...outcomeFields(reconciledOutcome(order)), id: attemptId, now: this.#now() });
      return toAttempt(this.#deps.statements.byId.get(attemptId)!);
    });
    const settled = settle.immediate();
    // Retries replay this order from now on: durable before anyone is told so.
    if (settled) await this.#deps.sync();
    return settled;
  }

  async summarizeUnknown(): Promise<UnknownAttemptSummary[]> {
    return this.#deps.db
      .prepare<[], { attemptId: number; createdAt: string; verdict: ReconcileVerdict | null }>(
        `SELECT id AS attemptId, created_at AS createdAt, reconcile_verdict AS verdict FROM ota_order_attempts WHERE status = 'UNKNOWN'`,
      )
      .all();
  }
}
