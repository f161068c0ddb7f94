/**
 * The one createOtaOrder request every benchmark target receives, and the small CSSS
 * helpers the floor and peer servers share so that they send CSSS exactly what the
 * gateway sends: the same wire fields, the same global parameters, the same sign().
 */
import { readFileSync } from 'node:fs';
import { isSignedValue, sign } from '../src/csss/csss.sign.js';
import { CSSS_API_VERSION, type CreateOtaOrderWireRequest, type CsssLanguage } from '../src/csss/csss.wire.js';
import { EXAMPLE_ORDER_INPUT } from '../src/orders/ota-order.example.js';

export const CREATE_OTA_ORDER_MUTATION =
  'mutation Order($input: CreateOtaOrderInput!) { createOtaOrder(input: $input) { simId orderId orderTime } }';

/** The README's example order: a success ICCID, a Chinese plan name, defaults left out. */
export const BENCH_ORDER_INPUT = EXAMPLE_ORDER_INPUT;

/** The GraphQL input as the floor and peer servers receive it (the gateway's own is typed by its schema). */
export interface BenchOrderInput {
  deviceId: string;
  packageCode: string;
  packageName: string;
  packageType: string;
  orderPeriod?: number;
  days: number;
  timingType: string;
  isOpen?: boolean;
  globalOrder?: boolean;
  payAmount: string;
  payRst: string;
  payType: string;
  testFlow?: string;
  testFlowFlag?: boolean;
  mcc?: string | null;
  /** Sent only when the gateway's schema has it; the floor and peer accept and ignore it. */
  idempotencyKey?: string | null;
}

/**
 * Whether the gateway's committed schema has `CreateOtaOrderInput.idempotencyKey`. Read
 * when the bench starts, so the bench works before and after that field is added.
 */
export function schemaHasIdempotencyKey(schemaPath: string): boolean {
  const sdl = readFileSync(schemaPath, 'utf8');
  const block = /\binput\s+CreateOtaOrderInput\s*\{([\s\S]*?)\n\}/.exec(sdl);
  if (!block?.[1]) throw new Error(`${schemaPath} has no "input CreateOtaOrderInput" block`);
  // Drop descriptions so that a field merely mentioned in prose does not count.
  const fields = block[1].replace(/"""[\s\S]*?"""/g, '').replace(/"[^"\n]*"/g, '""');
  return /^\s*idempotencyKey\s*:/m.test(fields);
}

/**
 * Request bodies for the load generator: the same GraphQL body for every target, with a
 * fresh `idempotencyKey` per request when the schema has the field (a repeated key would
 * make the gateway replay instead of order).
 */
export function createBodyFactory(withIdempotencyKey: boolean): { next(): string; withIdempotencyKey: boolean } {
  const body = (input: object): string =>
    JSON.stringify({ operationName: 'Order', query: CREATE_OTA_ORDER_MUTATION, variables: { input } });
  if (!withIdempotencyKey) {
    const constant = body(BENCH_ORDER_INPUT);
    return { next: () => constant, withIdempotencyKey };
  }
  // Split once around a placeholder, so each request costs a concatenation, not a stringify.
  const placeholder = '@@IDEMPOTENCY_KEY@@';
  const [prefix, suffix] = body({ ...BENCH_ORDER_INPUT, idempotencyKey: placeholder }).split(placeholder);
  if (prefix === undefined || suffix === undefined) throw new Error('could not build the request body template');
  const runId = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  let sequence = 0;
  return { next: () => `${prefix}bench-${runId}-${(sequence += 1)}${suffix}`, withIdempotencyKey };
}

const PACKAGE_TYPE_CODES: Record<string, CreateOtaOrderWireRequest['package_type']> = {
  UNLIMITED_DAILY: '0',
  DAILY: '1',
  MONTHLY: '2',
  QUARTERLY: '3',
  HALF_YEARLY: '4',
  YEARLY: '5',
};
const PAY_RESULT_CODES: Record<string, CreateOtaOrderWireRequest['pay_rst']> = { UNPAID: '1', PAID: '2' };
const PAY_TYPE_CODES: Record<string, CreateOtaOrderWireRequest['pay_type']> = { IPAY88: '0', WECHAT_PAY: '1', ALIPAY: '2' };

function code<T>(table: Record<string, T>, value: string, field: string): T {
  const mapped = table[value];
  if (mapped === undefined) throw new TypeError(`unknown ${field} "${value}"`);
  return mapped;
}

const flag = (value: boolean | undefined): '0' | '1' => (value ? '1' : '0');

/** The same mapping as src/orders/ota-order.wire-mapping.ts, GraphQL defaults applied. No validation. */
export function toWire(input: BenchOrderInput): CreateOtaOrderWireRequest {
  const wire: CreateOtaOrderWireRequest = {
    device_id: input.deviceId,
    package_code: input.packageCode,
    package_name: input.packageName,
    package_type: code(PACKAGE_TYPE_CODES, input.packageType, 'packageType'),
    order_period: String(input.orderPeriod ?? 1),
    days: input.days,
    timing_type: input.timingType,
    is_open: flag(input.isOpen),
    global_order: flag(input.globalOrder),
    pay_amount: input.payAmount,
    pay_rst: code(PAY_RESULT_CODES, input.payRst, 'payRst'),
    pay_type: code(PAY_TYPE_CODES, input.payType, 'payType'),
    test_flow: input.testFlow ?? '0',
    test_flow_flag: flag(input.testFlowFlag),
  };
  if (input.mcc !== null && input.mcc !== undefined) wire.mcc = input.mcc;
  return wire;
}

/** What the gateway's CsssHttpClient sends: the request plus global parameters, empties dropped, then `sign`. */
export function signedParams(
  request: CreateOtaOrderWireRequest,
  accessCode: string,
  secret: string,
  nowMs: number = Date.now(),
): Record<string, string | number> {
  const candidates = { ...request, access_code: accessCode, timestamp: String(Math.floor(nowMs / 1000)), version: CSSS_API_VERSION };
  const params: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(candidates)) {
    if (isSignedValue(value)) params[key] = value;
  }
  return { ...params, sign: sign(params, secret) };
}

/** `en…` → en-US, anything else → zh-CN (the gateway negotiates q-values; the bench always sends en-US). */
export function pickLanguage(acceptLanguage: string | undefined): CsssLanguage {
  return acceptLanguage?.toLowerCase().startsWith('en') ? 'en-US' : 'zh-CN';
}

/** Settings a bench server reads from its environment (the same variable names the gateway uses). */
export function csssSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  baseUrl: string;
  accessCode: string;
  secret: string;
  port: number;
  host: string;
} {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  return {
    baseUrl: required('CSSS_BASE_URL'),
    accessCode: required('CSSS_ACCESS_CODE'),
    secret: required('CSSS_SECRET'),
    port: Number(required('PORT')),
    host: env.HOST || '127.0.0.1',
  };
}

/**
 * A bench child exits when its parent goes away (its stdin pipe closes), so a killed
 * runner never leaves servers behind, and on SIGINT/SIGTERM after `close`.
 */
export function exitWithParent(close: () => Promise<void>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!process.stdin.isTTY) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}
