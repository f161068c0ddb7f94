import { createHash } from 'node:crypto';
import type { QueryOrderWireData } from '../csss/query-order.wire.js';

const ORDER_ID_DIGITS = 17;
const ORDER_ID_MODULUS = 10n ** BigInt(ORDER_ID_DIGITS);
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Issues order ids shaped like the ones CSSS returns elsewhere (`ORDER_` + 17 digits).
 * The digits are the clock in milliseconds times 10 000, bumped past the last id issued,
 * so ids grow with time and stay unique even when a test freezes the clock.
 */
export function createOrderIdSequence(clock: () => number): () => string {
  let last = -1n;
  return () => {
    const fromClock = BigInt(Math.max(0, Math.floor(clock()))) * 10_000n;
    last = fromClock > last ? fromClock : last + 1n;
    return `ORDER_${(last % ORDER_ID_MODULUS).toString().padStart(ORDER_ID_DIGITS, '0')}`;
  };
}

/** The same ICCID always gets the same platform id, as a real SIM would. */
export function simIdFor(iccid: string): string {
  const digest = createHash('sha256').update(iccid, 'utf8').digest();
  return `SIM${(digest.readBigUInt64BE(0) % 10n ** 12n).toString().padStart(12, '0')}`;
}

/** `2026-11-26 20:13:10`: CSSS is in China, so order times are Beijing time (UTC+8, no DST). */
export function formatBeijingTime(epochMs: number): string {
  const beijing = new Date(epochMs + BEIJING_OFFSET_MS);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${beijing.getUTCFullYear()}-${pad(beijing.getUTCMonth() + 1)}-${pad(beijing.getUTCDate())} ` +
    `${pad(beijing.getUTCHours())}:${pad(beijing.getUTCMinutes())}:${pad(beijing.getUTCSeconds())}`
  );
}

/** An order the simulator placed, as queryOrder lists it. */
export interface PlacedOrder {
  orderId: string;
  /** The ICCID it was placed for. */
  deviceId: string;
  packageCode: string;
  /** Beijing time, as createOtaOrder's `order_time`. */
  orderTime: string;
  /** False when the simulator placed it and withheld the answer (the answerWithheld scenario). */
  answered: boolean;
}

/** The simulator's `orderStatus` for every order it lists; CSSS does not document the values (its example shows "1"). */
const SIMULATED_ORDER_STATUS = '1';

/**
 * One page of queryOrder's answer: the orders matching `device_id` and `order_id` (the
 * other filters' values are undocumented, so they filter nothing), newest first.
 */
export function listPlacedOrders(
  placed: readonly PlacedOrder[],
  query: { device_id?: string; order_id?: string; page_no: number; page_size: number },
): QueryOrderWireData {
  const matching = placed
    .filter((order) => (!query.device_id || order.deviceId === query.device_id) && (!query.order_id || order.orderId === query.order_id))
    .reverse();
  const start = (query.page_no - 1) * query.page_size;
  return {
    page: {
      cur_page_no: query.page_no,
      page_size: query.page_size,
      total_count: matching.length,
      total_pages: Math.ceil(matching.length / query.page_size),
    },
    package_order_num: matching.length,
    package_order: matching.slice(start, start + query.page_size).map((order) => ({
      orderCode: order.orderId,
      orderStatus: SIMULATED_ORDER_STATUS,
      orderDate: order.orderTime,
      expireDate: '',
      flow: '0',
      buyType: '2',
      packageCode: order.packageCode,
    })),
  };
}
