/**
 * The order journal: one row per attempt to send an order, written before the request
 * leaves and updated with what became of it. It is the order record (never pruned) and
 * what makes retries safe. Two stores implement this interface: the embedded SQLite file
 * (the default) and PostgreSQL, shared by replicas (DATABASE_URL).
 */

export const ATTEMPT_STATUSES = ['PENDING', 'SUCCEEDED', 'REJECTED', 'NOT_SENT', 'UNKNOWN'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export interface OrderAttempt {
  id: number;
  clientId: string;
  idempotencyKey: string;
  /** 1 for the first send; a key whose attempt ended NOT_SENT may be sent again as 2, 3, … */
  attemptNo: number;
  fingerprint: string;
  /** The normalized order, in the gateway's vocabulary; never the secret or a sign. */
  request: unknown;
  status: AttemptStatus;
  csssCode: string | null;
  csssMessage: string | null;
  simId: string | null;
  orderId: string | null;
  orderTime: string | null;
  /** Why the status is what it is, for operators (e.g. "HTTP 500", "settled by an operator"). */
  detail: string | null;
  /** The gateway process that sent it. */
  owner: string;
  createdAt: string;
  updatedAt: string;
  /**
   * When a PENDING attempt can no longer be in flight, set by its sender when it claimed it;
   * null only on SQLite rows written before the column existed.
   */
  staleAt: string | null;
}

export interface ClaimRequest {
  clientId: string;
  idempotencyKey: string;
  fingerprint: string;
  request: unknown;
  /**
   * Nothing would be sent now (CSSS is refused by the breaker or the bulkhead): answer a
   * reuse, an attempt in progress or a finished one as usual, but where a new attempt
   * would be recorded, record nothing and say `refused`. An outage then costs no rows.
   */
  refuseNew?: boolean;
}

export type ClaimResult =
  /** A new attempt was recorded as PENDING: the caller must send it and record the outcome. */
  | { kind: 'claimed'; attempt: OrderAttempt }
  /** The key was used before with a different order. */
  | { kind: 'reused'; attempt: OrderAttempt }
  /** An attempt with this key is still being sent. */
  | { kind: 'in_progress'; attempt: OrderAttempt }
  /** An attempt with this key and order finished; its outcome is to be replayed. */
  | { kind: 'finished'; attempt: OrderAttempt }
  /** A new attempt was due but `refuseNew` was set: nothing was recorded. */
  | { kind: 'refused' };

export type AttemptOutcome =
  | { status: 'SUCCEEDED'; simId: string; orderId: string; orderTime: string; detail?: string }
  | { status: 'REJECTED'; csssCode: string; csssMessage: string }
  | { status: 'NOT_SENT'; detail: string }
  | { status: 'UNKNOWN'; detail: string };

export interface OrderJournal {
  /** This process's owner id, stored on the attempts it claims. */
  readonly owner: string;
  /**
   * Atomically looks at the latest attempt for (client, key) and either records a new
   * PENDING attempt or says why not. Durable before it returns.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Records the outcome of a PENDING (or swept-to-UNKNOWN) attempt. False when the row
   * was no longer open (an operator had settled it): the caller must say so loudly.
   */
  record(attemptId: number, outcome: AttemptOutcome): Promise<boolean>;
  /** The latest attempt for (client, key), if any. */
  findLatest(clientId: string, idempotencyKey: string): Promise<OrderAttempt | undefined>;
  findById(attemptId: number): Promise<OrderAttempt | undefined>;
  listByStatus(status: AttemptStatus): Promise<OrderAttempt[]>;
  /**
   * Marks PENDING attempts as UNKNOWN: those of this process (on shutdown, `ownOnly`),
   * or those of any process past the stale deadline their sender stored (after a crash).
   */
  markPendingUnknown(options: { ownOnly: boolean; detail: string }): Promise<number>;
  /**
   * An operator's verdict on an UNKNOWN attempt after checking with CSSS. With
   * `inFlightForMs`, a NOT_SENT verdict is refused (JournalSettleError) until that long
   * after the attempt's stale deadline, judged by the store's clock in the same write.
   */
  settle(
    attemptId: number,
    outcome: Extract<AttemptOutcome, { status: 'SUCCEEDED' | 'NOT_SENT' }>,
    options?: SettleOptions,
  ): Promise<OrderAttempt>;
  /**
   * Whether an order could be journaled now (readiness); it never blocks the event loop.
   * SQLite: false once a write has failed, true again once one succeeds, answered from
   * that state while a real write re-checks in the background (a transaction that writes
   * nothing proves nothing: it commits on a full disk). PostgreSQL: one cheap query on the
   * pool (reachable and a primary), bounded by the statement timeout.
   */
  isWritable(): Promise<boolean>;
  close(): Promise<void>;
}

export interface SettleOptions {
  /**
   * How long after its stale deadline the attempt may still be in flight at CSSS (the CSSS
   * deadline): a NOT_SENT verdict before then is refused, since a retry could order twice.
   */
  inFlightForMs?: number;
}

/** The margin past the send budget and the CSSS deadline for recording the outcome, a journal lock wait (2 s at most) included. */
const STALE_MARGIN_MS = 5_000;

/**
 * How long a PENDING attempt may stay so. A claimed attempt leaves within the send budget
 * or is never sent, and every CSSS call ends by its deadline, so one older than this was
 * cut off by a crash; an attempt that can still be sent is never stale.
 */
export function pendingStaleAfterMsFor(settings: { csssTimeoutMs: number; orderSendBudgetMs: number }): number {
  return settings.orderSendBudgetMs + settings.csssTimeoutMs + STALE_MARGIN_MS;
}

/** Why a PENDING attempt past its stale deadline became UNKNOWN: its sender stopped. */
export const STALE_PENDING_DETAIL = 'the gateway that sent it stopped before the outcome was recorded';

/** The latest attempt for a (client, key), and whether it is past its stale deadline by the store's clock. */
interface LatestAttempt {
  attempt: OrderAttempt;
  stale: boolean;
}

/** What a claim does, decided from the latest attempt alone; each store carries it out atomically. */
type ClaimDecision =
  /** Answer without writing. */
  | { kind: 'answer'; result: ClaimResult }
  /** The latest attempt is PENDING past its stale deadline: mark it UNKNOWN, then answer it as finished. */
  | { kind: 'sweep'; attempt: OrderAttempt }
  /** Record attempt `attemptNo` as PENDING and answer it as claimed. */
  | { kind: 'insert'; attemptNo: number };

/**
 * The one claim rule of every journal: a key used with another order is reused; a live
 * PENDING attempt is in progress, a stale one is swept to UNKNOWN; any finished attempt
 * other than NOT_SENT is replayed; otherwise (no attempt, or NOT_SENT) a new attempt is
 * recorded, unless `refuseNew` says nothing would be sent now.
 */
export function decideClaim(latest: LatestAttempt | undefined, request: ClaimRequest): ClaimDecision {
  if (latest) {
    const { attempt } = latest;
    if (attempt.fingerprint !== request.fingerprint) return { kind: 'answer', result: { kind: 'reused', attempt } };
    if (attempt.status === 'PENDING') {
      return latest.stale ? { kind: 'sweep', attempt } : { kind: 'answer', result: { kind: 'in_progress', attempt } };
    }
    if (attempt.status !== 'NOT_SENT') return { kind: 'answer', result: { kind: 'finished', attempt } };
  }
  if (request.refuseNew) return { kind: 'answer', result: { kind: 'refused' } };
  return { kind: 'insert', attemptNo: (latest?.attempt.attemptNo ?? 0) + 1 };
}

/** Thrown by `settle` when the attempt is missing or not UNKNOWN. */
export class JournalSettleError extends Error {
  override readonly name = 'JournalSettleError';
}

/** The refusal of a NOT_SENT verdict while the attempt could still be in flight at CSSS, saying from when it is possible. */
export function notPlacedTooSoon(attemptId: number, possibleFrom: Date): JournalSettleError {
  return new JournalSettleError(
    `attempt ${attemptId} could still be in flight at CSSS; it can be settled not-placed from ${possibleFrom.toISOString()} (check CSSS again then)`,
  );
}

/**
 * Thrown by a claim once the journal can no longer promise that what it commits is on the
 * disk (a failed WAL sync): nothing more is sent until a restart reads what is really there.
 */
export class JournalFailedError extends Error {
  override readonly name = 'JournalFailedError';
}

/**
 * Thrown when opening a journal that must not be used as it is: none exists where a tool
 * expected one, or its schema is newer than this code knows. Trying again will not help.
 */
export class JournalUnavailableError extends Error {
  override readonly name = 'JournalUnavailableError';
}

/**
 * The attempt a claim just inserted, built from what was sent rather than read back (the
 * request is neither sent back nor parsed again); both stores call it with what their
 * database chose: the id and the times. updated_at equals created_at on a new row.
 */
export function newPendingAttempt(
  request: ClaimRequest,
  attemptNo: number,
  owner: string,
  stored: { id: number; createdAt: string; staleAt: string },
): OrderAttempt {
  return {
    id: stored.id,
    clientId: request.clientId,
    idempotencyKey: request.idempotencyKey,
    attemptNo,
    fingerprint: request.fingerprint,
    request: request.request,
    status: 'PENDING',
    csssCode: null,
    csssMessage: null,
    simId: null,
    orderId: null,
    orderTime: null,
    detail: null,
    owner,
    createdAt: stored.createdAt,
    updatedAt: stored.createdAt,
    staleAt: stored.staleAt,
  };
}

/** The columns both stores keep with the same names and types; each store converts the rest (id, request, times). */
export interface AttemptColumns {
  client_id: string;
  idempotency_key: string;
  attempt_no: number;
  fingerprint: string;
  status: AttemptStatus;
  csss_code: string | null;
  csss_message: string | null;
  sim_id: string | null;
  order_id: string | null;
  order_time: string | null;
  detail: string | null;
  owner: string;
}

/** One row as an OrderAttempt: the shared columns mapped here, so a new one cannot be forgotten by one store. */
export function attemptFromColumns(
  row: AttemptColumns,
  converted: Pick<OrderAttempt, 'id' | 'request' | 'createdAt' | 'updatedAt' | 'staleAt'>,
): OrderAttempt {
  return {
    id: converted.id,
    clientId: row.client_id,
    idempotencyKey: row.idempotency_key,
    attemptNo: row.attempt_no,
    fingerprint: row.fingerprint,
    request: converted.request,
    status: row.status,
    csssCode: row.csss_code,
    csssMessage: row.csss_message,
    simId: row.sim_id,
    orderId: row.order_id,
    orderTime: row.order_time,
    detail: row.detail,
    owner: row.owner,
    createdAt: converted.createdAt,
    updatedAt: converted.updatedAt,
    staleAt: converted.staleAt,
  };
}

type OutcomeFields = Pick<OrderAttempt, 'status' | 'csssCode' | 'csssMessage' | 'simId' | 'orderId' | 'orderTime' | 'detail'>;

/** The columns an outcome sets, every other outcome column cleared. */
export function outcomeFields(outcome: AttemptOutcome): OutcomeFields {
  const empty = { csssCode: null, csssMessage: null, simId: null, orderId: null, orderTime: null, detail: null };
  switch (outcome.status) {
    case 'SUCCEEDED':
      return {
        ...empty,
        status: outcome.status,
        simId: outcome.simId,
        orderId: outcome.orderId,
        orderTime: outcome.orderTime,
        detail: outcome.detail ?? null,
      };
    case 'REJECTED':
      return { ...empty, status: outcome.status, csssCode: outcome.csssCode, csssMessage: outcome.csssMessage };
    case 'NOT_SENT':
    case 'UNKNOWN':
      return { ...empty, status: outcome.status, detail: outcome.detail };
  }
}
