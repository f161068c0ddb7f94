import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { ReconciliationStore } from './order-reconciliation.js';
import { PostgresClaimInserts } from './postgres-claim-inserts.js';
import { PostgresClaimSlots } from './postgres-claim-slots.js';
import {
  openPostgresJournalDatabase,
  timedJournalQuery,
  type PostgresJournalDatabaseOptions,
  type PostgresJournalQuery,
} from './postgres-journal.database.js';
import {
  claimedAttempt,
  COLUMNS,
  outcomeParams,
  SET_OUTCOME,
  SQL,
  toAttempt,
  type AttemptRow,
  type ClaimedRow,
} from './postgres-journal.statements.js';
import { PostgresReconciliationStore } from './postgres-reconciliation.store.js';
import {
  decideClaim,
  JournalSettleError,
  notPlacedTooSoon,
  STALE_PENDING_DETAIL,
  type AttemptOutcome,
  type AttemptStatus,
  type ClaimRequest,
  type ClaimResult,
  type OrderAttempt,
  type OrderJournal,
  type SettleOptions,
} from './order-journal.js';

interface PostgresOrderJournalOptions extends PostgresJournalDatabaseOptions {
  /** How long an attempt this process claims may stay PENDING (see SqliteOrderJournal). */
  pendingStaleAfterMs: number;
}

/** A claim that keeps losing races on one key gives up after this many rounds (each round is a write another call won). */
const MAX_CLAIM_ROUNDS = 8;
/** Pauses before the tries of undoing a claim whose reply was lost; the first try is at once. */
const UNDO_LOST_CLAIM_PAUSES_MS = [0, 250, 1_000];
/** The outcome of a claim whose INSERT may have committed although its reply never came: its order was not sent. */
export const CLAIM_REPLY_LOST_DETAIL = 'the journal did not confirm the attempt, so it was not sent';

/**
 * The order journal on PostgreSQL, shared by every replica of the gateway. A new order
 * costs two writes, its claim and its outcome, each one autocommit statement; the claims
 * of the orders of one turn of the event loop share one multi-row statement and one
 * commit (PostgresClaimInserts), as SQLite's group commit shares a transaction. The claim
 * relies on the unique rule on (client, key, attempt): `INSERT … ON CONFLICT DO NOTHING`
 * lets exactly one of any number of racing replicas record attempt n; the others read what
 * won and answer from it. Every follow-up write is conditional on what was read, and a
 * lost race goes round again, so no lock is held across round trips. Claims commit with synchronous_commit on, so a claimed
 * attempt is durable before the order leaves; outcome writes commit without waiting for
 * the flush (see SQL.record).
 */
export class PostgresOrderJournal implements OrderJournal {
  readonly owner = randomUUID();
  readonly #pool: pg.Pool;
  readonly #query: PostgresJournalQuery;
  readonly #claimInserts: PostgresClaimInserts;
  readonly #logger: Logger | undefined;
  readonly #slots = new PostgresClaimSlots();
  /** The reconciler's storage, on this journal's pool. */
  readonly reconciliation: ReconciliationStore;

  private constructor(pool: pg.Pool, options: PostgresOrderJournalOptions) {
    this.#pool = pool;
    this.#query = timedJournalQuery(pool, options.metrics);
    this.#claimInserts = new PostgresClaimInserts(this.#query, { owner: this.owner, staleAfterMs: options.pendingStaleAfterMs });
    this.#logger = options.logger;
    this.reconciliation = new PostgresReconciliationStore(this.#query, this.owner);
  }

  /**
   * Connects, and migrates the schema under an advisory lock (or, with `create: false`,
   * checks that a journal exists). Throws when the database cannot be reached: the caller
   * decides whether to try again.
   */
  static async open(options: PostgresOrderJournalOptions): Promise<PostgresOrderJournal> {
    return new PostgresOrderJournal(await openPostgresJournalDatabase(options), options);
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
   * Records attempt `attemptNo` as PENDING (in the next batch of claims), or answers
   * undefined when it exists. When the batch's INSERT fails, it may still have committed
   * (the reply was lost): the row is marked NOT_SENT before the error goes on, so a retry is
   * not told the order is in progress and then that its outcome is unknown, for an order
   * that never left. Every claim of the failed batch does so for its own slot.
   */
  async #insertClaim(request: ClaimRequest, attemptNo: number, requestJson: string): Promise<OrderAttempt | undefined> {
    const slot = this.#slots.enter(request.clientId, request.idempotencyKey, attemptNo);
    let row: ClaimedRow | undefined;
    try {
      row = await this.#claimInserts.insert({
        slot,
        clientId: request.clientId,
        idempotencyKey: request.idempotencyKey,
        attemptNo,
        fingerprint: request.fingerprint,
        requestJson,
      });
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
    // One statement per outcome, not batched as the claims are: outcome batches, one in
    // flight at a time, halved the orders/s at 8 connections (613-677 against 865-990,
    // bench, gateway-postgres) for no CPU per order that the bench could tell at 32 and 64.
    const result = await this.#query('record', SQL.record, [attemptId, ...outcomeParams(outcome)]);
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
    const inFlightForMs = outcome.status === 'NOT_SENT' ? (options.inFlightForMs ?? null) : null;
    // One conditional statement, judged by the database's clock: two operators settling the
    // same attempt cannot both win, and a NOT_SENT verdict cannot land while it may be in flight.
    const settled = await this.#query<AttemptRow>(
      'settle',
      `UPDATE ota_order_attempts
          SET ${SET_OUTCOME}
        WHERE id = $1 AND status = 'UNKNOWN' AND ($9::integer IS NULL OR stale_at + $9 * interval '1 millisecond' <= now())
        RETURNING ${COLUMNS}`,
      [attemptId, ...outcomeParams(outcome), inFlightForMs],
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
}
