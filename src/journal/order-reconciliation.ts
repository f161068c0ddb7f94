import type { AttemptOutcome, OrderAttempt } from './order-journal.js';

/**
 * What CSSS's own record says about an UNKNOWN attempt (docs/journal.md, "Unknown
 * outcomes"): exactly one order in its send window (`placed`), none (`not-found`) or
 * several (`ambiguous`).
 */
export const RECONCILE_VERDICTS = ['placed', 'not-found', 'ambiguous'] as const;
export type ReconcileVerdict = (typeof RECONCILE_VERDICTS)[number];

/** A verdict as it is stored on the attempt. */
export interface ReconciliationVerdict {
  verdict: ReconcileVerdict;
  /** The one candidate of a `placed` verdict; null otherwise. */
  orderId: string | null;
  /** What CSSS listed and how it was judged (JSON), so an operator can check the verdict. */
  evidence: unknown;
}

/** The verdict stored on an attempt, with when it was reached. */
export interface Reconciliation extends ReconciliationVerdict {
  checkedAt: string;
}

/** An UNKNOWN attempt leased to this process for reconciliation. */
export interface ReconcileDueAttempt {
  attempt: OrderAttempt;
  /**
   * Names this lease: a verdict, a settlement or a release counts only while the attempt
   * still holds it (with this journal's owner), so a round that outlived its lease, whose
   * attempt another process has leased since, changes nothing.
   */
  leaseToken: string;
  /**
   * When its order can have left and reached CSSS at the latest: from the claim's write to
   * the stale deadline its sender stored (the updated time on rows older than that column).
   */
  sendWindow: { from: string; to: string };
}

export interface ReconcileLeaseOptions {
  /** Only attempts created at least this long ago. */
  olderThanMs: number;
  /** Attempts whose verdict is younger than this are left alone (0: every one). */
  recheckAfterMs: number;
  /** How long the lease keeps other processes off the attempt; a verdict ends it sooner. */
  leaseMs: number;
  limit: number;
}

/**
 * Another attempt on the same ICCID that may have placed an order CSSS lists: PENDING (it
 * may still be in flight) or UNKNOWN without a `placed` verdict (one with it is accounted
 * for by its order). Any client's.
 */
export interface UnresolvedAttempt {
  attemptId: number;
  /** As ReconcileDueAttempt's: from the claim's write to its stale deadline. */
  sendWindow: { from: string; to: string };
  /** Its plan, from the stored request. */
  packageCode: string | undefined;
}

/** An UNKNOWN attempt's age and latest verdict, for the metrics. */
export interface UnknownAttemptSummary {
  attemptId: number;
  createdAt: string;
  verdict: ReconcileVerdict | null;
}

/**
 * What the reconciler (src/reconcile/) needs of a journal besides OrderJournal; both
 * stores implement it.
 */
export interface ReconciliationStore {
  /**
   * Leases UNKNOWN attempts due for a verdict (old enough, not checked recently, not leased
   * by another process), oldest first, so that one process at a time asks CSSS about each.
   */
  leaseForReconciliation(options: ReconcileLeaseOptions): Promise<ReconcileDueAttempt[]>;
  /**
   * Stores a verdict on an UNKNOWN attempt and ends its lease; false when it is no longer
   * UNKNOWN or this journal no longer holds that lease (another process leased it since).
   */
  recordReconciliation(attemptId: number, leaseToken: string, verdict: ReconciliationVerdict): Promise<boolean>;
  /** Ends a lease without a verdict (CSSS could not be asked), so the next round tries again; another process's lease stays. */
  releaseReconciliationLease(attemptId: number, leaseToken: string): Promise<void>;
  /** The verdict stored on an attempt, if any. */
  findReconciliation(attemptId: number): Promise<Reconciliation | undefined>;
  /** The other unresolved attempts on this ICCID (matched on the stored request's `deviceId`), whose orders an UNKNOWN attempt's listing may hold. */
  unresolvedAttemptsOnDevice(attemptId: number, deviceId: string): Promise<UnresolvedAttempt[]>;
  /** Which of these order ids the journal holds for an attempt other than `attemptId` (its order, or a `placed` verdict). */
  ordersRecordedElsewhere(attemptId: number, orderIds: readonly string[]): Promise<Set<string>>;
  /**
   * Settles an UNKNOWN attempt SUCCEEDED with the order its stored `placed` verdict names,
   * so retries replay it. Undefined when the attempt is no longer UNKNOWN, its verdict is
   * not `placed` with that order, or the verdict was not recorded under this journal's
   * lease `leaseToken` (another process has leased the attempt since).
   */
  settleFromReconciliation(
    attemptId: number,
    leaseToken: string,
    order: { orderId: string; orderTime: string },
  ): Promise<OrderAttempt | undefined>;
  /** Every UNKNOWN attempt's creation time and verdict, for the metrics. */
  summarizeUnknown(): Promise<UnknownAttemptSummary[]>;
}

/** The detail of an attempt settled from a `placed` verdict; the verdict itself stays on the row. */
const RECONCILED_DETAIL = "settled as placed from CSSS's queryOrder record";

/**
 * What an attempt settled from a `placed` verdict records, in either store: SUCCEEDED
 * with the order CSSS lists, and an empty SIM id (the listing does not give it).
 */
export function reconciledOutcome(order: { orderId: string; orderTime: string }): Extract<AttemptOutcome, { status: 'SUCCEEDED' }> {
  return { status: 'SUCCEEDED', simId: '', orderId: order.orderId, orderTime: order.orderTime, detail: RECONCILED_DETAIL };
}

/** The plan of a stored request, if it names one. */
export function packageCodeOf(request: unknown): string | undefined {
  const packageCode = (request as { packageCode?: unknown } | null)?.packageCode;
  return typeof packageCode === 'string' && packageCode !== '' ? packageCode : undefined;
}
