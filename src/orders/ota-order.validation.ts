import type { OtaOrderRequest } from './ota-order.model.js';

export interface FieldViolation {
  /** The GraphQL input field, e.g. `deviceId`. */
  field: keyof OtaOrderRequest | 'idempotencyKey';
  message: string;
}

// `[0-9]` rather than `\d` keeps full-width and Arabic-Indic digits out even under the `u` flag.
const ICCID = /^[0-9]{18,22}$/;
const PACKAGE_CODE = /^[A-Za-z0-9_-]{1,64}$/;
const NUMERIC_CODE = /^[0-9]{1,10}$/;
const PAY_AMOUNT = /^(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?$/;
const MCC = /^[0-9]{3}$/;
const CONTROL_CHARACTER = /\p{Cc}/u;
// Under the `u` flag a paired surrogate is one code point, so this matches only a lone
// half: text that has no UTF-8 form, which CSSS would receive mangled or sign differently.
const LONE_SURROGATE = /\p{Cs}/u;
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

function intInRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

export function findIdempotencyKeyViolations(idempotencyKey: string): FieldViolation[] {
  return IDEMPOTENCY_KEY.test(idempotencyKey)
    ? []
    : [{ field: 'idempotencyKey', message: 'idempotencyKey must be 1 to 255 printable ASCII characters; a UUID is suggested.' }];
}

/**
 * Every rule the gateway enforces before anything is sent to CSSS. Returns all
 * violations at once so a caller can fix a form in one round trip.
 */
export function findOrderViolations(order: OtaOrderRequest): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const check = (ok: boolean, field: FieldViolation['field'], message: string): void => {
    if (!ok) violations.push({ field, message });
  };

  check(ICCID.test(order.deviceId), 'deviceId', 'deviceId must be the ICCID: 18 to 22 ASCII digits (0-9).');
  check(PACKAGE_CODE.test(order.packageCode), 'packageCode', 'packageCode must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-".');
  const nameLength = [...order.packageName].length;
  check(
    nameLength >= 1 && nameLength <= 128 && !CONTROL_CHARACTER.test(order.packageName) && !LONE_SURROGATE.test(order.packageName),
    'packageName',
    'packageName must be 1 to 128 characters with no control characters and no unpaired UTF-16 surrogates.',
  );
  check(intInRange(order.orderPeriod, 1, 1000), 'orderPeriod', 'orderPeriod must be an integer from 1 to 1000.');
  check(intInRange(order.days, 1, 3660), 'days', 'days must be an integer from 1 to 3660.');
  check(NUMERIC_CODE.test(order.timingType), 'timingType', 'timingType must be 1 to 10 ASCII digits (0-9).');
  check(
    PAY_AMOUNT.test(order.payAmount),
    'payAmount',
    'payAmount must be a non-negative decimal with at most 2 fraction digits, such as "0" or "12.50".',
  );
  check(NUMERIC_CODE.test(order.testFlow), 'testFlow', 'testFlow must be 1 to 10 ASCII digits (0-9).');
  check(
    order.mcc === null || order.mcc === undefined || MCC.test(order.mcc),
    'mcc',
    'mcc must be exactly 3 ASCII digits (0-9), or null to leave it out.',
  );
  return violations;
}
