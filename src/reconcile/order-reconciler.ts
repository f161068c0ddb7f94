import type { CsssOrderQuery } from '../csss/csss.client.js';
import { CsssRejectedError, CsssUnavailableError } from '../csss/csss.errors.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import type { QueryOrderWireData, QueryOrderWireItem } from '../csss/query-order.wire.js';
import type { OrderJournal } from '../journal/order-journal.js';
import type { ReconcileDueAttempt, ReconcileVerdict, ReconciliationStore } from '../journal/order-reconciliation.js';
import type { Logger } from '../logger.js';
import { matchOrders } from './order-matching.js';
import { QueryBudget } from './query-budget.js';
import type { ReconcileMetrics, ReconcileQueryResult } from './reconcile.metrics.js';
import type { ReconcileSettings } from './reconcile.config.js';

/** Orders asked for per queryOrder page. */
const QUERY_PAGE_SIZE = 50;
/** Pages read per attempt at most; a SIM with more orders than that gets an `ambiguous` verdict. */
const MAX_QUERY_PAGES = 20;
/** How long a lease keeps other processes off an attempt; a verdict ends it at once. */
const LEASE_MS = 5 * 60_000;

/** What became of one attempt. */
export interface ReconcileOutcome {
  attemptId: number;
  clientId: string;
  idempotencyKey: string;
  /**
   * `error`: CSSS could not be asked (see `error`); the next round tries again. `busy`: another process is reconciling it at this moment.
   */
  verdict: ReconcileVerdict | 'error' | 'busy';
  /** The matched order of a `placed` verdict. */
  orderId: string | null;
  /** Its `orderDate`, CSSS time. */
  orderTime: string | null;
  /** Whether the attempt is now SUCCEEDED with that order. */
  settled: boolean;
  error?: string;
}

interface OrderReconcilerDependencies {
  orderQuery: CsssOrderQuery;
  journal: OrderJournal & { readonly reconciliation: ReconciliationStore };
  settings: Pick<ReconcileSettings, 'afterMs' | 'clockSkewMs' | 'maxPerMinute' | 'recheckAfterMs'>;
  logger: Logger;
  metrics?: ReconcileMetrics;
  clock?: () => number;
  /** The language CSSS's messages come back in (they reach only logs). */
  language: CsssLanguage;
}

/**
 * Asks CSSS's queryOrder what became of UNKNOWN attempts, stores each verdict on the
 * attempt, and settles an unambiguous `placed` one when told to. Its queries use a
 * connection of their own and are bounded by RECONCILE_MAX_PER_MINUTE, so they take no
 * capacity from orders and never count against the order breaker.
 */
export class OrderReconciler {
  readonly #deps: OrderReconcilerDependencies;
  readonly #budget: QueryBudget;
  readonly #clock: () => number;

  constructor(deps: OrderReconcilerDependencies) {
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
    this.#budget = new QueryBudget(deps.settings.maxPerMinute, this.#clock);
  }

  /**
   * One round of the background loop: leases the attempts due (old enough, not checked
   * recently, not leased by another replica), as many as the query budget allows now.
   */
  async runRound(options: { settle: boolean; signal?: AbortSignal }): Promise<ReconcileOutcome[]> {
    const limit = this.#budget.available();
    if (limit === 0) return [];
    const due = await this.#deps.journal.reconciliation.leaseForReconciliation({
      olderThanMs: this.#deps.settings.afterMs,
      recheckAfterMs: this.#deps.settings.recheckAfterMs,
      leaseMs: LEASE_MS,
      limit,
    });
    return this.#reconcileEach(due, options);
  }

  /**
   * Every UNKNOWN attempt, whatever its age or last verdict (the journal CLI): those a
   * gateway is reconciling at this moment are left to it and returned as `busy`.
   */
  async reconcileAllNow(options: { settle: boolean }): Promise<{ outcomes: ReconcileOutcome[]; busy: ReconcileOutcome[] }> {
    const due = await this.#deps.journal.reconciliation.leaseForReconciliation({
      olderThanMs: 0,
      recheckAfterMs: 0,
      leaseMs: LEASE_MS,
      limit: Number.MAX_SAFE_INTEGER,
    });
    const outcomes = await this.#reconcileEach(due, options);
    const leased = new Set(due.map((entry) => entry.attempt.id));
    const busyIds = (await this.#deps.journal.reconciliation.summarizeUnknown())
      .map((attempt) => attempt.attemptId)
      .filter((id) => !leased.has(id))
      .sort((a, b) => a - b);
    const busy: ReconcileOutcome[] = [];
    for (const id of busyIds) {
      const attempt = await this.#deps.journal.findById(id);
      if (!attempt) continue;
      const base = { attemptId: id, clientId: attempt.clientId, idempotencyKey: attempt.idempotencyKey };
      busy.push({ ...base, verdict: 'busy', orderId: null, orderTime: null, settled: false });
    }
    return { outcomes, busy };
  }

  /** Sets the UNKNOWN attempts gauges from the journal. */
  async refreshMetrics(): Promise<void> {
    if (!this.#deps.metrics) return;
    this.#deps.metrics.setUnknownAttempts(await this.#deps.journal.reconciliation.summarizeUnknown(), this.#clock());
  }

  async #reconcileEach(
    due: readonly ReconcileDueAttempt[],
    options: { settle: boolean; signal?: AbortSignal },
  ): Promise<ReconcileOutcome[]> {
    const outcomes: ReconcileOutcome[] = [];
    // One at a time: the budget is per minute, and a burst of queries would gain nothing.
    for (const entry of due) {
      if (options.signal?.aborted) break;
      outcomes.push(await this.#reconcile(entry, options));
    }
    return outcomes;
  }

  async #reconcile(
    { attempt, sendWindow, leaseToken }: ReconcileDueAttempt,
    options: { settle: boolean; signal?: AbortSignal },
  ): Promise<ReconcileOutcome> {
    const { journal, logger, metrics } = this.#deps;
    const base = { attemptId: attempt.id, clientId: attempt.clientId, idempotencyKey: attempt.idempotencyKey };
    const request = attempt.request as { deviceId?: unknown; packageCode?: unknown };
    if (typeof request.deviceId !== 'string' || request.deviceId === '') {
      return { ...base, verdict: 'error', orderId: null, orderTime: null, settled: false, error: 'the attempt has no ICCID' };
    }
    let listing: { orders: QueryOrderWireItem[]; complete: boolean };
    try {
      listing = await this.#listOrders(request.deviceId, options.signal);
    } catch (error) {
      const reason = describeQueryError(error);
      logger.warn({ attemptId: attempt.id, reason }, 'reconciliation could not ask CSSS for the SIM orders; trying again later');
      // The next round (of any replica) tries again; RECONCILE_MAX_PER_MINUTE bounds how often.
      await journal.reconciliation.releaseReconciliationLease(attempt.id, leaseToken);
      return { ...base, verdict: 'error', orderId: null, orderTime: null, settled: false, error: reason };
    }
    const orderIds = listing.orders.map((order) => order.orderCode);
    // Read after the listing, so an attempt claimed while CSSS was being asked counts too.
    const rivals = await journal.reconciliation.unresolvedAttemptsOnDevice(attempt.id, request.deviceId);
    const match = matchOrders({
      sendWindow,
      clockSkewMs: this.#deps.settings.clockSkewMs,
      packageCode: typeof request.packageCode === 'string' ? request.packageCode : undefined,
      orders: listing.orders,
      recordedElsewhere: await journal.reconciliation.ordersRecordedElsewhere(attempt.id, orderIds),
      complete: listing.complete,
      rivals,
    });
    const orderId = match.order?.orderCode ?? null;
    const orderTime = match.order?.orderDate ?? null;
    // False when the attempt is settled, or this round outlived its lease and another process has leased it since.
    const stored = await journal.reconciliation.recordReconciliation(attempt.id, leaseToken, {
      verdict: match.verdict,
      orderId,
      evidence: match.evidence,
    });
    let settled = false;
    if (stored && options.settle && match.verdict === 'placed' && orderId !== null && orderTime !== null) {
      settled = (await journal.reconciliation.settleFromReconciliation(attempt.id, leaseToken, { orderId, orderTime })) !== undefined;
    }
    metrics?.countVerdict(match.verdict, settled);
    logger.info(
      { attemptId: attempt.id, reconcile: { verdict: match.verdict, orderId, settled, candidates: match.evidence.candidates.length } },
      settled
        ? 'UNKNOWN attempt settled from CSSS queryOrder: retries replay its order'
        : 'UNKNOWN attempt checked against CSSS queryOrder',
    );
    return { ...base, verdict: match.verdict, orderId, orderTime, settled };
  }

  /** Every page of the SIM's orders, up to MAX_QUERY_PAGES. */
  async #listOrders(deviceId: string, signal?: AbortSignal): Promise<{ orders: QueryOrderWireItem[]; complete: boolean }> {
    const orders: QueryOrderWireItem[] = [];
    for (let pageNo = 1; pageNo <= MAX_QUERY_PAGES; pageNo += 1) {
      await this.#budget.take(signal);
      const finish = this.#deps.metrics?.startQuery();
      let data: QueryOrderWireData;
      try {
        data = await this.#deps.orderQuery.queryOrder(
          { device_id: deviceId, page_no: pageNo, page_size: QUERY_PAGE_SIZE },
          { language: this.#deps.language },
        );
      } catch (error) {
        finish?.(queryResultOf(error));
        throw error;
      }
      finish?.('ok');
      orders.push(...data.package_order);
      if (pageNo >= data.page.total_pages || data.package_order.length === 0) return { orders, complete: true };
    }
    return { orders, complete: false };
  }
}

function queryResultOf(error: unknown): ReconcileQueryResult {
  if (error instanceof CsssRejectedError) return 'rejected';
  if (error instanceof CsssUnavailableError) return 'unavailable';
  return 'failed';
}

/** A reason fit for logs and the CLI: the error's kind and CSSS's code, never a request's content. */
function describeQueryError(error: unknown): string {
  if (error instanceof CsssRejectedError) return `CSSS refused the query (code ${error.csssCode}: ${error.csssMessage})`;
  if (error instanceof Error && 'reason' in error && typeof error.reason === 'string') return error.reason;
  return error instanceof Error ? error.name : 'query failed';
}
