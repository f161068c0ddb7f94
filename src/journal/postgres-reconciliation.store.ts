import { randomUUID } from 'node:crypto';
import type { OrderAttempt } from './order-journal.js';
import {
  packageCodeOf,
  reconciledOutcome,
  type ReconcileDueAttempt,
  type ReconcileLeaseOptions,
  type Reconciliation,
  type ReconcileVerdict,
  type ReconciliationStore,
  type ReconciliationVerdict,
  type UnknownAttemptSummary,
  type UnresolvedAttempt,
} from './order-reconciliation.js';
import type { PostgresJournalQuery } from './postgres-journal.database.js';
import { COLUMNS, outcomeParams, SET_OUTCOME, toAttempt, type AttemptRow } from './postgres-journal.statements.js';

/**
 * The reconciler's storage in the PostgreSQL journal (see ReconciliationStore): leases on
 * UNKNOWN attempts, their verdicts, and settling an attempt from a `placed` verdict. Each
 * is one statement on the journal's pool, under the journal's owner.
 */
export class PostgresReconciliationStore implements ReconciliationStore {
  readonly #query: PostgresJournalQuery;
  readonly #owner: string;

  constructor(query: PostgresJournalQuery, owner: string) {
    this.#query = query;
    this.#owner = owner;
  }

  async leaseForReconciliation(options: ReconcileLeaseOptions): Promise<ReconcileDueAttempt[]> {
    // SKIP LOCKED: replicas leasing at the same moment take different rows instead of
    // waiting for each other; the lease then keeps the others off until the verdict.
    const leaseToken = randomUUID();
    const result = await this.#query<AttemptRow & { stale_at: Date }>(
      'reconcile',
      `UPDATE ota_order_attempts
          SET reconcile_lease_until = now() + $4 * interval '1 millisecond', reconcile_lease_owner = $5, reconcile_lease_token = $6
        WHERE id IN (
          SELECT id FROM ota_order_attempts
           WHERE status = 'UNKNOWN' AND created_at <= now() - $1 * interval '1 millisecond'
             AND (reconcile_checked_at IS NULL OR reconcile_checked_at <= now() - $2 * interval '1 millisecond')
             AND (reconcile_lease_until IS NULL OR reconcile_lease_until < now())
           ORDER BY id LIMIT $3
           FOR UPDATE SKIP LOCKED)
        AND status = 'UNKNOWN'
        RETURNING ${COLUMNS}, stale_at`,
      [options.olderThanMs, options.recheckAfterMs, options.limit, options.leaseMs, this.#owner, leaseToken],
    );
    return result.rows
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((row) => ({
        attempt: toAttempt(row),
        leaseToken,
        sendWindow: { from: row.created_at.toISOString(), to: row.stale_at.toISOString() },
      }));
  }

  async recordReconciliation(attemptId: number, leaseToken: string, verdict: ReconciliationVerdict): Promise<boolean> {
    // The lease's owner and token stay on the row: they name the lease the verdict came
    // from, which a settlement from it must still match.
    const result = await this.#query(
      'reconcile',
      `UPDATE ota_order_attempts
          SET reconcile_verdict = $2, reconcile_order_id = $3, reconcile_evidence = $4, reconcile_checked_at = now(),
              reconcile_lease_until = NULL
        WHERE id = $1 AND status = 'UNKNOWN' AND reconcile_lease_owner = $5 AND reconcile_lease_token = $6`,
      [attemptId, verdict.verdict, verdict.orderId, JSON.stringify(verdict.evidence), this.#owner, leaseToken],
    );
    return result.rowCount === 1;
  }

  async releaseReconciliationLease(attemptId: number, leaseToken: string): Promise<void> {
    await this.#query(
      'reconcile',
      `UPDATE ota_order_attempts SET reconcile_lease_until = NULL
        WHERE id = $1 AND reconcile_lease_owner = $2 AND reconcile_lease_token = $3`,
      [attemptId, this.#owner, leaseToken],
    );
  }

  async unresolvedAttemptsOnDevice(attemptId: number, deviceId: string): Promise<UnresolvedAttempt[]> {
    // Two partial-index scans (PENDING by stale_at, UNKNOWN by id): only the few unresolved rows are read.
    const result = await this.#query<{ id: string; request: unknown; created_at: Date; stale_at: Date }>(
      'reconcile',
      `SELECT id, request, created_at, stale_at FROM ota_order_attempts
        WHERE status = 'PENDING' AND id <> $1 AND request->>'deviceId' = $2
       UNION ALL
       SELECT id, request, created_at, stale_at FROM ota_order_attempts
        WHERE status = 'UNKNOWN' AND id <> $1 AND request->>'deviceId' = $2 AND reconcile_verdict IS DISTINCT FROM 'placed'
       ORDER BY id`,
      [attemptId, deviceId],
    );
    return result.rows.map((row) => ({
      attemptId: Number(row.id),
      sendWindow: { from: row.created_at.toISOString(), to: row.stale_at.toISOString() },
      packageCode: packageCodeOf(row.request),
    }));
  }

  async findReconciliation(attemptId: number): Promise<Reconciliation | undefined> {
    const row = (
      await this.#query<{ verdict: ReconcileVerdict | null; checked_at: Date | null; evidence: unknown; order_id: string | null }>(
        'read',
        `SELECT reconcile_verdict AS verdict, reconcile_checked_at AS checked_at, reconcile_evidence AS evidence,
                reconcile_order_id AS order_id
           FROM ota_order_attempts WHERE id = $1`,
        [attemptId],
      )
    ).rows[0];
    if (!row?.verdict || !row.checked_at) return undefined;
    return { verdict: row.verdict, checkedAt: row.checked_at.toISOString(), orderId: row.order_id, evidence: row.evidence };
  }

  async ordersRecordedElsewhere(attemptId: number, orderIds: readonly string[]): Promise<Set<string>> {
    if (orderIds.length === 0) return new Set();
    const result = await this.#query<{ order_id: string }>(
      'reconcile',
      `SELECT order_id FROM ota_order_attempts WHERE order_id = ANY($2::text[]) AND id <> $1
       UNION
       SELECT reconcile_order_id FROM ota_order_attempts
        WHERE reconcile_order_id = ANY($2::text[]) AND id <> $1 AND reconcile_verdict = 'placed'`,
      [attemptId, [...orderIds]],
    );
    return new Set(result.rows.map((row) => row.order_id));
  }

  async settleFromReconciliation(
    attemptId: number,
    leaseToken: string,
    order: { orderId: string; orderTime: string },
  ): Promise<OrderAttempt | undefined> {
    // One conditional statement: only a stored `placed` verdict naming this order, reached
    // under this journal's lease, settles, and of two replicas or an operator settling at once, one wins.
    const result = await this.#query<AttemptRow>(
      'settle',
      `UPDATE ota_order_attempts
          SET ${SET_OUTCOME}
        WHERE id = $1 AND status = 'UNKNOWN' AND reconcile_verdict = 'placed' AND reconcile_order_id = $6
          AND reconcile_lease_owner = $9 AND reconcile_lease_token = $10
        RETURNING ${COLUMNS}`,
      [attemptId, ...outcomeParams(reconciledOutcome(order)), this.#owner, leaseToken],
    );
    return result.rows[0] && toAttempt(result.rows[0]);
  }

  async summarizeUnknown(): Promise<UnknownAttemptSummary[]> {
    const result = await this.#query<{ id: string; created_at: Date; verdict: ReconcileVerdict | null }>(
      'read',
      `SELECT id, created_at, reconcile_verdict AS verdict FROM ota_order_attempts WHERE status = 'UNKNOWN'`,
    );
    return result.rows.map((row) => ({ attemptId: Number(row.id), createdAt: row.created_at.toISOString(), verdict: row.verdict }));
  }
}
