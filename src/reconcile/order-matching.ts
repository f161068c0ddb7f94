import type { QueryOrderWireItem } from '../csss/query-order.wire.js';
import type { ReconcileVerdict, UnresolvedAttempt } from '../journal/order-reconciliation.js';

const CHINA_STANDARD_TIME_OFFSET_MS = 8 * 60 * 60 * 1000;
const CSSS_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})$/;

/**
 * `2026-11-26 20:13:10` in China Standard Time (UTC+8, no daylight saving) as epoch
 * milliseconds, or undefined for anything else (including impossible dates).
 */
export function parseCsssTime(text: string): number | undefined {
  const match = CSSS_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(utc);
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return utc - CHINA_STANDARD_TIME_OFFSET_MS;
}

/** An order as the evidence keeps it: only the fields the verdict relies on. */
interface ListedOrder {
  orderCode: string;
  orderDate: string;
  orderStatus: string;
}

interface OrderMatchInput {
  /** When the attempt's order can have left (ISO times from the journal). */
  sendWindow: { from: string; to: string };
  clockSkewMs: number;
  /** The attempt's plan: an order that names another plan (a field the vendor does not document) is not a candidate. */
  packageCode?: string;
  /** Every order CSSS listed for the attempt's ICCID. */
  orders: readonly QueryOrderWireItem[];
  /** Orders the journal already holds for another attempt. */
  recordedElsewhere: ReadonlySet<string>;
  /**
   * The other unresolved attempts (PENDING or UNKNOWN, any client) on the same ICCID: a
   * candidate dated in one of their windows may be that attempt's order, not this one's.
   */
  rivals: readonly UnresolvedAttempt[];
  /** False when CSSS had more pages than were read: an unread page may hold another candidate. */
  complete: boolean;
}

interface OrderMatch {
  verdict: ReconcileVerdict;
  /** The one candidate of a `placed` verdict. */
  order: ListedOrder | undefined;
  /** Why: stored with the verdict. */
  evidence: {
    window: { from: string; to: string };
    listed: number;
    complete: boolean;
    candidates: ListedOrder[];
    heldByOtherAttempts: string[];
    otherPlan: string[];
    unreadableDate: string[];
    /** Candidates another unresolved attempt could have placed, with those attempts' ids. */
    contested: { orderCode: string; attemptIds: number[] }[];
  };
}

/**
 * The verdict CSSS's record gives an UNKNOWN attempt. Candidates are the listed orders
 * whose `orderDate` falls in the send window widened by the clock skew, less those the
 * journal holds for another attempt. Exactly one is `placed`, unless another unresolved
 * attempt on the ICCID could have placed it (its order dated in that attempt's widened
 * window, and no listed plan code telling them apart); none is `not-found`; more, a
 * contested one, an order whose date cannot be read, or a listing cut short, is `ambiguous`. Only
 * `orderCode`, `orderDate` and `orderStatus` are relied on; a plan code, where CSSS
 * happens to list one, can only remove a candidate.
 */
export function matchOrders(input: OrderMatchInput): OrderMatch {
  const from = Date.parse(input.sendWindow.from) - input.clockSkewMs;
  const to = Date.parse(input.sendWindow.to) + input.clockSkewMs;
  const candidates: ListedOrder[] = [];
  const contested: { orderCode: string; attemptIds: number[] }[] = [];
  const heldByOtherAttempts: string[] = [];
  const otherPlan: string[] = [];
  const unreadableDate: string[] = [];
  for (const item of input.orders) {
    const listed = { orderCode: item.orderCode, orderDate: item.orderDate, orderStatus: item.orderStatus };
    const placedAt = parseCsssTime(item.orderDate);
    if (placedAt === undefined) {
      unreadableDate.push(item.orderCode);
      continue;
    }
    if (placedAt < from || placedAt > to) continue;
    if (input.recordedElsewhere.has(item.orderCode)) {
      heldByOtherAttempts.push(item.orderCode);
      continue;
    }
    const plan = item.packageCode ?? item.package_code;
    if (input.packageCode !== undefined && typeof plan === 'string' && plan !== '' && plan !== input.packageCode) {
      otherPlan.push(item.orderCode);
      continue;
    }
    candidates.push(listed);
    const claimants = input.rivals
      .filter((rival) => couldHavePlaced(rival, placedAt, plan, input.clockSkewMs))
      .map((rival) => rival.attemptId);
    if (claimants.length > 0) contested.push({ orderCode: item.orderCode, attemptIds: claimants });
  }
  const evidence = {
    window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    listed: input.orders.length,
    complete: input.complete,
    candidates,
    heldByOtherAttempts,
    otherPlan,
    unreadableDate,
    contested,
  };
  // A candidate another unresolved attempt could have placed is a guess between the two.
  if (candidates.length > 1 || contested.length > 0 || unreadableDate.length > 0 || !input.complete)
    return { verdict: 'ambiguous', order: undefined, evidence };
  if (candidates.length === 1) return { verdict: 'placed', order: candidates[0], evidence };
  return { verdict: 'not-found', order: undefined, evidence };
}

/** Whether an order dated `placedAt` may be `rival`'s: in its widened window, and not listed with a plan other than its own. */
function couldHavePlaced(rival: UnresolvedAttempt, placedAt: number, plan: unknown, clockSkewMs: number): boolean {
  if (placedAt < Date.parse(rival.sendWindow.from) - clockSkewMs || placedAt > Date.parse(rival.sendWindow.to) + clockSkewMs) return false;
  return !(rival.packageCode !== undefined && typeof plan === 'string' && plan !== '' && plan !== rival.packageCode);
}
