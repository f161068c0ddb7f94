import { hash } from 'node:crypto';
import type { OtaOrderRequest } from './ota-order.model.js';

/**
 * Every order field once, in a fixed order, so the fingerprint never depends on how JSON
 * arrived. `satisfies` makes a field added to OtaOrderRequest a compile error until it is
 * listed here; a field left out would let a changed order replay under the old key.
 */
const FIELDS = {
  deviceId: true,
  packageCode: true,
  packageName: true,
  packageType: true,
  orderPeriod: true,
  days: true,
  timingType: true,
  isOpen: true,
  globalOrder: true,
  payAmount: true,
  payRst: true,
  payType: true,
  testFlow: true,
  testFlowFlag: true,
  mcc: true,
} as const satisfies Record<keyof OtaOrderRequest, true>;
const FINGERPRINT_FIELDS = Object.keys(FIELDS) as Array<keyof OtaOrderRequest>;

/** The order with defaults applied and `mcc` absent written as null: what is journaled. */
function normalizeOrder(order: OtaOrderRequest): OtaOrderRequest {
  const normalized = {} as Record<keyof OtaOrderRequest, unknown>;
  for (const field of FINGERPRINT_FIELDS) normalized[field] = order[field] ?? null;
  return normalized as unknown as OtaOrderRequest;
}

/**
 * The normalized order and a SHA-256 over it. Two requests that mean the same order
 * (fields in another order, a default spelled out or left out, mcc absent or null) get
 * the same fingerprint.
 */
export function fingerprintOrder(order: OtaOrderRequest): { normalized: OtaOrderRequest; fingerprint: string } {
  const normalized = normalizeOrder(order);
  // crypto.hash: one call, no Hash object per order; the same hex digest.
  const fingerprint = hash('sha256', JSON.stringify(FINGERPRINT_FIELDS.map((field) => normalized[field])));
  return { normalized, fingerprint };
}
