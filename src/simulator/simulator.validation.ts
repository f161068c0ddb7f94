import { timingSafeEqual } from 'node:crypto';
import { sign, type CsssParams } from '../csss/csss.sign.js';
import { CSSS_API_VERSION, type CreateOtaOrderWireRequest, type CsssGlobalParams } from '../csss/csss.wire.js';
import type { QueryOrderWireRequest } from '../csss/query-order.wire.js';
import { SIMULATOR_ERROR_CODES, type SimulatorErrorCode } from './simulator.codes.js';
import type { SimulatorMessageKey } from './simulator.messages.js';

/** A createOtaOrder body that passed every check, exactly as received (sign included). */
export type SimulatedOrderRequest = CreateOtaOrderWireRequest & CsssGlobalParams;

/** Why a request was refused; the server renders it as an envelope in the caller's language. */
export interface SimulatorRejection {
  code: SimulatorErrorCode;
  messageKey: SimulatorMessageKey;
  /** The offending parameter, for code 1001. */
  field?: string;
}

type CreateOtaOrderCheck = { ok: true; request: SimulatedOrderRequest } | { ok: false; rejection: SimulatorRejection };

interface CreateOtaOrderCheckContext {
  accessCode: string;
  secret: string;
  /** The simulator's clock, milliseconds since the epoch. */
  nowMs: number;
  maxClockSkewSeconds: number;
}

type FieldRule = { type: 'string'; pattern?: RegExp; optional?: true } | { type: 'integer' };

const ANY_STRING: FieldRule = { type: 'string' };
const FLAG: FieldRule = { type: 'string', pattern: /^[01]$/ };

/**
 * Every parameter of createOtaOrder in the vendor's order, with the type and format
 * the README documents. `[0-9]` rather than `\d` keeps non-ASCII digits out; JavaScript's
 * `$` does not match before a trailing newline. Typing the table by the wire types makes
 * the compiler insist that no field is forgotten.
 */
const FIELD_RULES: Record<keyof SimulatedOrderRequest, FieldRule> = {
  access_code: ANY_STRING,
  device_id: { type: 'string', pattern: /^[0-9]{18,22}$/ },
  global_order: FLAG,
  is_open: FLAG,
  order_period: { type: 'string', pattern: /^[0-9]+$/ },
  package_code: ANY_STRING,
  package_name: ANY_STRING,
  package_type: { type: 'string', pattern: /^[0-5]$/ },
  pay_amount: { type: 'string', pattern: /^[0-9]+(\.[0-9]{1,2})?$/ },
  pay_rst: { type: 'string', pattern: /^[12]$/ },
  pay_type: { type: 'string', pattern: /^[012]$/ },
  test_flow: ANY_STRING,
  test_flow_flag: FLAG,
  mcc: { type: 'string', pattern: /^[0-9]{3}$/, optional: true },
  days: { type: 'integer' },
  timing_type: ANY_STRING,
  // Any run of digits; one in milliseconds is then refused as expired (1004), not malformed.
  timestamp: { type: 'string', pattern: /^[0-9]+$/ },
  version: ANY_STRING,
  sign: ANY_STRING,
};

/** The media type must be application/json; parameters such as charset are allowed. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as a JSON object, or undefined when it is not UTF-8, not JSON, or not an object. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/**
 * Checks a parsed createOtaOrder body the way CSSS does as far as it is documented:
 * first every parameter's presence, type and format (1001), then version (1003),
 * access_code (1002), timestamp window (1004) and sign (1005). The first failure wins.
 */
export function checkCreateOtaOrderBody(body: Record<string, unknown>, context: CreateOtaOrderCheckContext): CreateOtaOrderCheck {
  const shape = checkShape(body, FIELD_RULES);
  if (shape) return { ok: false, rejection: shape };
  const failure = checkGlobalParams(body, context);
  // checkShape has just established every field's type, so the cast only names it.
  return failure ? { ok: false, rejection: failure } : { ok: true, request: body as unknown as SimulatedOrderRequest };
}

/** version (1003), access_code (1002), timestamp window (1004) and sign (1005), on a body whose shape was checked. */
function checkGlobalParams(body: Record<string, unknown>, context: CreateOtaOrderCheckContext): SimulatorRejection | undefined {
  const request = body as unknown as CsssGlobalParams;
  if (request.version !== CSSS_API_VERSION) {
    return { code: SIMULATOR_ERROR_CODES.unsupportedVersion, messageKey: 'versionUnsupported' };
  }
  if (request.access_code !== context.accessCode) {
    return { code: SIMULATOR_ERROR_CODES.invalidAccessCode, messageKey: 'accessCodeInvalid' };
  }
  const skewSeconds = Math.abs(Number(request.timestamp) - context.nowMs / 1000);
  if (!(skewSeconds <= context.maxClockSkewSeconds)) {
    return { code: SIMULATOR_ERROR_CODES.timestampExpired, messageKey: 'timestampExpired' };
  }
  // canonicalize() leaves `sign` itself out, so the whole body can be signed as received.
  const expected = sign(body as CsssParams, context.secret);
  if (!signsMatch(request.sign, expected)) {
    return { code: SIMULATOR_ERROR_CODES.invalidSign, messageKey: 'signInvalid' };
  }
  return undefined;
}

function checkShape(body: Record<string, unknown>, rules: Readonly<Record<string, FieldRule>>): SimulatorRejection | undefined {
  for (const [field, rule] of Object.entries(rules) as [string, FieldRule][]) {
    const value = body[field];
    // An empty value is left out of the signature, so CSSS cannot tell it from a missing one.
    if (value === undefined || value === null || value === '') {
      if (rule.type === 'string' && rule.optional) continue;
      return { code: SIMULATOR_ERROR_CODES.invalidParameter, messageKey: 'parameterMissing', field };
    }
    const valid =
      rule.type === 'integer'
        ? Number.isSafeInteger(value) && (value as number) > 0
        : typeof value === 'string' && (rule.pattern === undefined || rule.pattern.test(value));
    if (!valid) return { code: SIMULATOR_ERROR_CODES.invalidParameter, messageKey: 'parameterInvalid', field };
  }
  // Undocumented extra parameters are signed like the rest, so they may only be scalars.
  for (const [field, value] of Object.entries(body)) {
    if (!(field in rules) && value !== null && typeof value !== 'string' && typeof value !== 'number') {
      return { code: SIMULATOR_ERROR_CODES.invalidParameter, messageKey: 'parameterInvalid', field };
    }
  }
  return undefined;
}

/** Constant-time comparison that answers false, rather than throwing, on a length mismatch. */
function signsMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A queryOrder body that passed every check, exactly as received (sign included). */
type SimulatedQueryOrderRequest = QueryOrderWireRequest & CsssGlobalParams;

type QueryOrderCheck = { ok: true; request: SimulatedQueryOrderRequest } | { ok: false; rejection: SimulatorRejection };

const OPTIONAL_STRING: FieldRule = { type: 'string', optional: true };

/** queryOrder's parameters as the vendor's page lists them: four optional filters, a required page. */
const QUERY_ORDER_FIELD_RULES: Record<keyof SimulatedQueryOrderRequest, FieldRule> = {
  access_code: ANY_STRING,
  device_id: OPTIONAL_STRING,
  order_id: OPTIONAL_STRING,
  order_status: OPTIONAL_STRING,
  order_type: OPTIONAL_STRING,
  page_no: { type: 'integer' },
  page_size: { type: 'integer' },
  timestamp: { type: 'string', pattern: /^[0-9]+$/ },
  version: ANY_STRING,
  sign: ANY_STRING,
};

/** Checks a queryOrder body as createOtaOrder's: shape (1001), version, access_code, timestamp, sign. */
export function checkQueryOrderBody(body: Record<string, unknown>, context: CreateOtaOrderCheckContext): QueryOrderCheck {
  const shape = checkShape(body, QUERY_ORDER_FIELD_RULES);
  if (shape) return { ok: false, rejection: shape };
  const failure = checkGlobalParams(body, context);
  return failure ? { ok: false, rejection: failure } : { ok: true, request: body as unknown as SimulatedQueryOrderRequest };
}
