import type { InputViolation } from '../errors/invalid-input.error.js';
import type { OtaOrderRequest } from './ota-order.model.js';

/** A broken rule of one field of `CreateOtaOrderInput`. */
export interface FieldViolation extends InputViolation {
  /** The GraphQL input field, e.g. `deviceId`. */
  field: keyof OtaOrderRequest | 'idempotencyKey';
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
 * violations at once so a caller can fix a form in one round trip. A field that is
 * absent is not checked: GraphQL refuses a missing required field itself, and the
 * gateway's rules then still check the fields that are present (see
 * inputViolationsPlugin), so one answer lists both.
 */
export function findOrderViolations(order: Partial<OtaOrderRequest>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const check = <K extends keyof OtaOrderRequest>(
    field: K,
    ok: (value: NonNullable<OtaOrderRequest[K]>) => boolean,
    message: string,
  ): void => {
    const value = order[field];
    if (value !== undefined && value !== null && !ok(value as NonNullable<OtaOrderRequest[K]>)) violations.push({ field, message });
  };

  check('deviceId', (value) => ICCID.test(value), 'deviceId must be the ICCID: 18 to 22 ASCII digits (0-9).');
  check('packageCode', (value) => PACKAGE_CODE.test(value), 'packageCode must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-".');
  check(
    'packageName',
    (value) => {
      const nameLength = [...value].length;
      return nameLength >= 1 && nameLength <= 128 && !CONTROL_CHARACTER.test(value) && !LONE_SURROGATE.test(value);
    },
    'packageName must be 1 to 128 characters with no control characters and no unpaired UTF-16 surrogates.',
  );
  check('orderPeriod', (value) => intInRange(value, 1, 1000), 'orderPeriod must be an integer from 1 to 1000.');
  check('days', (value) => intInRange(value, 1, 3660), 'days must be an integer from 1 to 3660.');
  check('timingType', (value) => NUMERIC_CODE.test(value), 'timingType must be 1 to 10 ASCII digits (0-9).');
  check(
    'payAmount',
    (value) => PAY_AMOUNT.test(value),
    'payAmount must be a non-negative decimal with at most 2 fraction digits, such as "0" or "12.50".',
  );
  check('testFlow', (value) => NUMERIC_CODE.test(value), 'testFlow must be 1 to 10 ASCII digits (0-9).');
  // null leaves mcc out of the CSSS request, so only a given value is checked.
  check('mcc', (value) => MCC.test(value), 'mcc must be exactly 3 ASCII digits (0-9), or null to leave it out.');
  return violations;
}

/**
 * The rules of every field of `CreateOtaOrderInput` that is present, the key's among
 * them: what the gateway adds to GraphQL's own checks of a `$input` variable.
 */
export function findOrderInputViolations(input: Partial<OtaOrderRequest> & { idempotencyKey?: string }): FieldViolation[] {
  const { idempotencyKey, ...order } = input;
  return [...(idempotencyKey === undefined ? [] : findIdempotencyKeyViolations(idempotencyKey)), ...findOrderViolations(order)];
}
