import { createHash } from 'node:crypto';
import type { OtaOrderRequest } from './ota-order.model.js';

/** The order fields in a fixed order, so the fingerprint never depends on how JSON arrived. */
const FINGERPRINT_FIELDS: ReadonlyArray<keyof OtaOrderRequest> = [
  'deviceId',
  'packageCode',
  'packageName',
  'packageType',
  'orderPeriod',
  'days',
  'timingType',
  'isOpen',
  'globalOrder',
  'payAmount',
  'payRst',
  'payType',
  'testFlow',
  'testFlowFlag',
  'mcc',
];

/** The order with defaults applied and `mcc` absent written as null: what is journaled. */
export function normalizeOrder(order: OtaOrderRequest): OtaOrderRequest {
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
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(FINGERPRINT_FIELDS.map((field) => normalized[field])))
    .digest('hex');
  return { normalized, fingerprint };
}
