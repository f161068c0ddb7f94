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
  /** An operator's verdict on an UNKNOWN attempt after checking with CSSS. */
  settle(attemptId: number, outcome: Extract<AttemptOutcome, { status: 'SUCCEEDED' | 'NOT_SENT' }>): Promise<OrderAttempt>;
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

/** Why a PENDING attempt past its stale deadline became UNKNOWN: its sender stopped. */
export const STALE_PENDING_DETAIL = 'the gateway that sent it stopped before the outcome was recorded';

/** Thrown by `settle` when the attempt is missing or not UNKNOWN. */
export class JournalSettleError extends Error {
  override readonly name = 'JournalSettleError';
}

/**
 * Thrown when opening a journal that must not be used as it is: none exists where a tool
 * expected one, or its schema is newer than this code knows. Trying again will not help.
 */
export class JournalUnavailableError extends Error {
  override readonly name = 'JournalUnavailableError';
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
  converted: Pick<OrderAttempt, 'id' | 'request' | 'createdAt' | 'updatedAt'>,
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
  };
}

export type OutcomeFields = Pick<OrderAttempt, 'status' | 'csssCode' | 'csssMessage' | 'simId' | 'orderId' | 'orderTime' | 'detail'>;

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
