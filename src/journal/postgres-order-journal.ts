import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { JournalOperation, JournalStoreMetrics } from '../observability/store-metrics.js';
import {
  packageCodeOf,
  RECONCILED_DETAIL,
  type ReconcileDueAttempt,
  type ReconcileLeaseOptions,
  type Reconciliation,
  type ReconcileVerdict,
  type ReconciliationStore,
  type ReconciliationVerdict,
  type UnknownAttemptSummary,
  type UnresolvedAttempt,
} from './order-reconciliation.js';
import { PostgresClaimSlots } from './postgres-claim-slots.js';
import { preparePostgresJournalSchema, warnWithoutSynchronousStandby } from './postgres-journal.schema.js';
import { claimedAttempt, COLUMNS, SQL, toAttempt, type AttemptRow, type ClaimedRow } from './postgres-journal.statements.js';
import {
  decideClaim,
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

export interface PostgresOrderJournalOptions {
  /** postgres://user:password@host:port/database; it may carry a password, so it is never logged. */
  url: string;
  /** Connections this process keeps at most. */
  poolSize: number;
  /**
   * The longest one statement, or the wait for a free connection, may take. Kept short:
   * a claim that cannot be written in time is answered SERVICE_UNAVAILABLE rather than
   * left waiting, and outcome writes must land well inside the stale margin.
   */
  statementTimeoutMs: number;
  /** How long an attempt this process claims may stay PENDING (see SqliteOrderJournal). */
  pendingStaleAfterMs: number;
  /** false for tools (the journal CLI): refuse a database without a journal instead of creating one. */
  create: boolean;
  logger?: Logger;
  metrics?: JournalStoreMetrics;
}

/** A claim that keeps losing races on one key gives up after this many rounds (each round is a write another call won). */
const MAX_CLAIM_ROUNDS = 8;
/** Pauses before the tries of undoing a claim whose reply was lost; the first try is at once. */
const UNDO_LOST_CLAIM_PAUSES_MS = [0, 250, 1_000];
/** The outcome of a claim whose INSERT may have committed although its reply never came: its order was not sent. */
export const CLAIM_REPLY_LOST_DETAIL = 'the journal did not confirm the attempt, so it was not sent';

/**
 * The order journal on PostgreSQL, shared by every replica of the gateway. Each write is
 * one autocommit statement, so a new order costs two round trips and two commits (the
 * claim and its outcome). The claim relies on the unique rule on (client, key, attempt):
 * `INSERT … ON CONFLICT DO NOTHING` lets exactly one of any number of racing replicas
 * record attempt n; the others read what won and answer from it. Every follow-up write is
 * conditional on what was read, and a lost race goes round again, so no lock is held
 * across round trips. Claims commit with synchronous_commit on, so a claimed attempt is
 * durable before the order leaves; outcome writes commit without waiting for the flush
 * (see SQL.record).
 */
export class PostgresOrderJournal implements OrderJournal, ReconciliationStore {
  readonly owner = randomUUID();
  readonly #pool: pg.Pool;
  readonly #staleAfterMs: number;
  readonly #metrics: JournalStoreMetrics | undefined;
  readonly #logger: Logger | undefined;
  readonly #slots = new PostgresClaimSlots();

  private constructor(pool: pg.Pool, options: PostgresOrderJournalOptions) {
    this.#pool = pool;
    this.#staleAfterMs = options.pendingStaleAfterMs;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
  }

  /**
   * Connects, and migrates the schema under an advisory lock (or, with `create: false`,
   * checks that a journal exists). Throws when the database cannot be reached: the caller
   * decides whether to try again.
   */
  static async open(options: PostgresOrderJournalOptions): Promise<PostgresOrderJournal> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.statementTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      lock_timeout: options.statementTimeoutMs,
      // A statement on a connection whose peer vanished (a host lost, not a refusal)
      // would otherwise wait for TCP to give up; the server-side timeout cannot fire then.
      query_timeout: options.statementTimeoutMs + 1_000,
      idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
      keepAlive: true,
      application_name: 'csss-gateway',
      // The claim must be durable before the order leaves: whatever a server or role sets,
      // this session commits with PostgreSQL's default, on.
      options: '-c synchronous_commit=on',
    });
    // A connection cut while idle (a restart, pg_terminate_backend) is dropped by the pool
    // and replaced on the next checkout; without a listener the error would end the process.
    pool.on('error', (error) => options.logger?.warn({ err: error }, 'a PostgreSQL journal connection was lost; it will be replaced'));
    const journal = new PostgresOrderJournal(pool, options);
    try {
      await preparePostgresJournalSchema(pool, options);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    options.metrics?.observePool(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
    if (options.create) await warnWithoutSynchronousStandby(pool, options.logger);
    return journal;
  }

  async #query<Row extends pg.QueryResultRow>(
    operation: JournalOperation,
    query: string | { name: string; text: string },
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    const done = this.#metrics?.startQuery(operation);
    try {
      const result = await this.#pool.query<Row>(typeof query === 'string' ? { text: query, values } : { ...query, values });
      done?.('ok');
      return result;
    } catch (error) {
      done?.('error');
      throw error;
    }
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const requestJson = JSON.stringify(request.request);
    let attemptNo = 1;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      // While nothing would be sent (refuseNew), only known keys are answered: no row is written.
      if (!request.refuseNew) {
        const claimed = await this.#insertClaim(request, attemptNo, requestJson);
        if (claimed) return { kind: 'claimed', attempt: claimed };
      }

      // Attempt n exists (or none does yet): decide from the latest attempt, as it stands now.
      const latest = (await this.#query<AttemptRow & { stale: boolean }>('claim', SQL.latest, [request.clientId, request.idempotencyKey]))
        .rows[0];
      const decision = decideClaim(latest && { attempt: toAttempt(latest), stale: latest.stale }, request);
      switch (decision.kind) {
        case 'answer':
          return decision.result;
        case 'sweep': {
          const swept = (await this.#query<AttemptRow>('claim', SQL.sweepOne, [decision.attempt.id, STALE_PENDING_DETAIL])).rows[0];
          if (swept) return { kind: 'finished', attempt: toAttempt(swept) };
          continue; // its outcome was recorded meanwhile: read it again
        }
        case 'insert':
          attemptNo = decision.attemptNo;
          continue;
      }
    }
    throw new Error(`the claim of one idempotency key lost ${MAX_CLAIM_ROUNDS} races in a row`);
  }

  /**
   * Records attempt `attemptNo` as PENDING, or answers undefined when it exists. When the
   * INSERT fails, it may still have committed (the reply was lost): the row is marked
   * NOT_SENT before the error goes on, so a retry is not told the order is in progress and
   * then that its outcome is unknown, for an order that never left.
   */
  async #insertClaim(request: ClaimRequest, attemptNo: number, requestJson: string): Promise<OrderAttempt | undefined> {
    const slot = this.#slots.enter(request.clientId, request.idempotencyKey, attemptNo);
    let row: ClaimedRow | undefined;
    try {
      row = (
        await this.#query<ClaimedRow>('claim', SQL.insert, [
          request.clientId,
          request.idempotencyKey,
          attemptNo,
          request.fingerprint,
          requestJson,
          this.owner,
          this.#staleAfterMs,
        ])
      ).rows[0];
    } catch (error) {
      if (this.#slots.leave(slot)) await this.#undoLostClaim(request, attemptNo);
      throw error;
    }
    if (!row) {
      this.#slots.leave(slot);
      return undefined;
    }
    const attempt = claimedAttempt(request, attemptNo, this.owner, row);
    this.#slots.holdFor(attempt.id, slot);
    return attempt;
  }

  async #undoLostClaim(request: ClaimRequest, attemptNo: number): Promise<void> {
    for (const [tryNo, pauseMs] of UNDO_LOST_CLAIM_PAUSES_MS.entries()) {
      if (pauseMs > 0) await sleep(pauseMs);
      try {
        const undone = await this.#query('claim', SQL.undoLostClaim, [
          request.clientId,
          request.idempotencyKey,
          attemptNo,
          this.owner,
          CLAIM_REPLY_LOST_DETAIL,
        ]);
        if ((undone.rowCount ?? 0) > 0) this.#logger?.warn({ attemptNo }, 'an attempt whose claim reply was lost is now NOT_SENT');
        return;
      } catch (error) {
        // Still unreachable: the attempt stays PENDING and becomes UNKNOWN once stale, never sent twice.
        const last = tryNo === UNDO_LOST_CLAIM_PAUSES_MS.length - 1;
        this.#logger?.error({ err: error, attemptNo, last }, 'an attempt whose claim reply was lost could not be marked NOT_SENT');
      }
    }
  }

  async record(attemptId: number, outcome: AttemptOutcome): Promise<boolean> {
    this.#slots.release(attemptId);
    const fields = outcomeFields(outcome);
    const result = await this.#query('record', SQL.record, [
      attemptId,
      fields.status,
      fields.csssCode,
      fields.csssMessage,
      fields.simId,
      fields.orderId,
      fields.orderTime,
      fields.detail,
    ]);
    return result.rowCount === 1;
  }

  async findLatest(clientId: string, idempotencyKey: string): Promise<OrderAttempt | undefined> {
    const row = (await this.#query<AttemptRow>('read', SQL.latest, [clientId, idempotencyKey])).rows[0];
    return row && toAttempt(row);
  }

  async findById(attemptId: number): Promise<OrderAttempt | undefined> {
    const row = (await this.#query<AttemptRow>('read', `SELECT ${COLUMNS} FROM ota_order_attempts WHERE id = $1`, [attemptId])).rows[0];
    return row && toAttempt(row);
  }

  async listByStatus(status: AttemptStatus): Promise<OrderAttempt[]> {
    const result = await this.#query<AttemptRow>('read', `SELECT ${COLUMNS} FROM ota_order_attempts WHERE status = $1 ORDER BY id`, [
      status,
    ]);
    return result.rows.map(toAttempt);
  }

  async markPendingUnknown(options: { ownOnly: boolean; detail: string }): Promise<number> {
    const result = options.ownOnly
      ? await this.#query(
          'sweep',
          `UPDATE ota_order_attempts SET status = 'UNKNOWN', detail = $1, updated_at = now() WHERE status = 'PENDING' AND owner = $2`,
          [options.detail, this.owner],
        )
      : await this.#query(
          'sweep',
          {
            name: 'journal-sweep-stale',
            text: `UPDATE ota_order_attempts SET status = 'UNKNOWN', detail = $1, updated_at = now() WHERE status = 'PENDING' AND stale_at < now()`,
          },
          [options.detail],
        );
    return result.rowCount ?? 0;
  }

  async settle(
    attemptId: number,
    outcome: Extract<AttemptOutcome, { status: 'SUCCEEDED' | 'NOT_SENT' }>,
    options: SettleOptions = {},
  ): Promise<OrderAttempt> {
    const fields = outcomeFields(outcome);
    const inFlightForMs = outcome.status === 'NOT_SENT' ? (options.inFlightForMs ?? null) : null;
    // One conditional statement, judged by the database's clock: two operators settling the
    // same attempt cannot both win, and a NOT_SENT verdict cannot land while it may be in flight.
    const settled = await this.#query<AttemptRow>(
      'settle',
      `UPDATE ota_order_attempts
          SET status = $2, csss_code = $3, csss_message = $4, sim_id = $5, order_id = $6, order_time = $7, detail = $8, updated_at = now()
        WHERE id = $1 AND status = 'UNKNOWN' AND ($9::integer IS NULL OR stale_at + $9 * interval '1 millisecond' <= now())
        RETURNING ${COLUMNS}`,
      [
        attemptId,
        fields.status,
        fields.csssCode,
        fields.csssMessage,
        fields.simId,
        fields.orderId,
        fields.orderTime,
        fields.detail,
        inFlightForMs,
      ],
    );
    if (settled.rows[0]) return toAttempt(settled.rows[0]);
    const current = await this.findById(attemptId);
    if (!current) throw new JournalSettleError(`no attempt with id ${attemptId}`);
    if (current.status === 'UNKNOWN' && inFlightForMs !== null && current.staleAt !== null) {
      throw notPlacedTooSoon(attemptId, new Date(Date.parse(current.staleAt) + inFlightForMs));
    }
    throw new JournalSettleError(`attempt ${attemptId} is ${current.status}; only UNKNOWN attempts can be settled`);
  }

  async isWritable(): Promise<boolean> {
    try {
      // A standby (or a primary demoted behind a proxy) answers reads but refuses writes.
      const result = await this.#query<{ writable: boolean }>('ready', 'SELECT NOT pg_is_in_recovery() AS writable');
      return result.rows[0]?.writable === true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#pool.ended) return;
    await this.#pool.end();
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
      [options.olderThanMs, options.recheckAfterMs, options.limit, options.leaseMs, this.owner, leaseToken],
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
      [attemptId, verdict.verdict, verdict.orderId, JSON.stringify(verdict.evidence), this.owner, leaseToken],
    );
    return result.rowCount === 1;
  }

  async releaseReconciliationLease(attemptId: number, leaseToken: string): Promise<void> {
    await this.#query(
      'reconcile',
      `UPDATE ota_order_attempts SET reconcile_lease_until = NULL
        WHERE id = $1 AND reconcile_lease_owner = $2 AND reconcile_lease_token = $3`,
      [attemptId, this.owner, leaseToken],
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
          SET status = 'SUCCEEDED', csss_code = NULL, csss_message = NULL, sim_id = '', order_id = $2, order_time = $3,
              detail = $4, updated_at = now()
        WHERE id = $1 AND status = 'UNKNOWN' AND reconcile_verdict = 'placed' AND reconcile_order_id = $2
          AND reconcile_lease_owner = $5 AND reconcile_lease_token = $6
        RETURNING ${COLUMNS}`,
      [attemptId, order.orderId, order.orderTime, RECONCILED_DETAIL, this.owner, leaseToken],
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
