import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { RequestInfo } from '../observability/request-info.js';
import type { Secret } from '../secret.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from './csss.errors.js';
import type { CsssError } from './csss.errors.js';
import { isSignedValue, sign, type CsssParamValue } from './csss.sign.js';
import { CREATE_OTA_ORDER_PATH, CSSS_API_VERSION, CSSS_SUCCESS_CODE } from './csss.wire.js';
import type { CreateOtaOrderWireData, CreateOtaOrderWireRequest, CsssLanguage } from './csss.wire.js';
import { QUERY_ORDER_PATH, type QueryOrderWireData, type QueryOrderWireItem, type QueryOrderWireRequest } from './query-order.wire.js';

export interface CsssCallOptions {
  /** The language CSSS localizes its messages into. */
  language: CsssLanguage;
  /** The request this call serves, for its log line and timings; absent outside requests. */
  requestInfo?: RequestInfo;
}

/** What the orders service needs from CSSS; the HTTP client below is the real one. */
export interface CsssApi {
  /**
   * Signs and sends one createOtaOrder request. Never retried. Resolves with `data` of
   * a success envelope; rejects with CsssRejectedError, CsssUnavailableError or
   * CsssOutcomeUnknownError (see csss.errors.ts) and nothing else.
   */
  createOtaOrder(request: CreateOtaOrderWireRequest, options: CsssCallOptions): Promise<CreateOtaOrderWireData>;
  /**
   * Why a call made now would be refused without being sent (a CsssUnavailableError's
   * reason), or undefined when it would be sent. Only a guard in front of CSSS knows.
   */
  refusalReason?(): string | undefined;
}

/**
 * CSSS's own record of a SIM's orders, for reconciling attempts whose outcome is unknown.
 * A read: it may be retried, and it never goes through the orders' bulkhead or breaker.
 */
export interface CsssOrderQuery {
  /**
   * Signs and sends one queryOrder request. Resolves with `data` of a success envelope;
   * rejects with the errors of csss.errors.ts, as createOtaOrder does.
   */
  queryOrder(request: QueryOrderWireRequest, options: CsssCallOptions): Promise<QueryOrderWireData>;
}

export interface CsssClientOptions {
  baseUrl: string;
  accessCode: string;
  /** A plain string, or a Secret so that the config that carries it never prints it. */
  secret: string | Secret;
  /** Overall deadline of one call, connect to last body byte. */
  timeoutMs: number;
  /** Responses larger than this are abandoned as CsssOutcomeUnknownError. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Milliseconds since the epoch; `timestamp` is derived from it as Unix seconds. */
  clock?: () => number;
  /**
   * Deadline of the TCP/TLS connect, at most `timeoutMs`. Default half of `timeoutMs`, so
   * that an unreachable CSSS fails as a certain "unavailable" before the overall deadline
   * turns it into an "outcome unknown".
   */
  connectTimeoutMs?: number;
  /** Connections the pool may open to CSSS (idle ones close after undici's keep-alive timeout). Default 10. */
  connections?: number;
  /**
   * Sends through this dispatcher instead of the client's own pool (tests, proxies). Its
   * connect timeout is then the owner's to set, and `close()` leaves it open.
   */
  dispatcher?: Dispatcher;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
export const DEFAULT_CSSS_CONNECTIONS = 10;

export class CsssHttpClient implements CsssApi, CsssOrderQuery {
  // Private fields rather than TypeScript `private`, so that logging or inspecting the
  // client never shows the secret.
  readonly #accessCode: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #clock: () => number;
  readonly #origin: string;
  readonly #createOtaOrderPath: string;
  readonly #queryOrderPath: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  #closed: Promise<void> | undefined;

  constructor(options: CsssClientOptions) {
    const timeoutMs = positiveInteger(options.timeoutMs, 'timeoutMs');
    const connectTimeoutMs = positiveInteger(options.connectTimeoutMs ?? Math.max(1, Math.floor(timeoutMs / 2)), 'connectTimeoutMs');
    if (connectTimeoutMs > timeoutMs) throw new RangeError('CSSS connectTimeoutMs must not exceed timeoutMs');

    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('CSSS baseUrl must be an http or https URL');
    }
    if (url.username || url.password || url.search || url.hash) {
      throw new TypeError('CSSS baseUrl must not carry credentials, a query or a fragment');
    }

    this.#accessCode = options.accessCode;
    this.#secret = typeof options.secret === 'string' ? options.secret : options.secret.reveal();
    this.#timeoutMs = timeoutMs;
    this.#maxResponseBytes = positiveInteger(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 'maxResponseBytes');
    this.#clock = options.clock ?? Date.now;
    this.#origin = url.origin;
    // A base URL such as https://gateway.example/csss/ keeps its path prefix.
    this.#createOtaOrderPath = url.pathname.replace(/\/+$/, '') + CREATE_OTA_ORDER_PATH;
    this.#queryOrderPath = url.pathname.replace(/\/+$/, '') + QUERY_ORDER_PATH;
    this.#ownsDispatcher = options.dispatcher === undefined;
    // No interceptors: undici then neither retries nor follows redirects, and a POST that
    // may have created an order must never be sent twice.
    this.#dispatcher =
      options.dispatcher ??
      new Pool(url.origin, {
        connections: positiveInteger(options.connections ?? DEFAULT_CSSS_CONNECTIONS, 'connections'),
        connect: { timeout: connectTimeoutMs },
        // undici 8 negotiates HTTP/2 over TLS by default and would then multiplex every
        // call on one connection. Keep undici 7's HTTP/1.1: the pool is sized as one
        // connection per call in flight (CSSS_MAX_IN_FLIGHT), the failure mapping below
        // was worked out for HTTP/1.1, and CSSS's documentation promises nothing about h2.
        allowH2: false,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
  }

  createOtaOrder(request: CreateOtaOrderWireRequest, { language }: { language: CsssLanguage }): Promise<CreateOtaOrderWireData> {
    return this.#call(this.#createOtaOrderPath, request, language, parseCreateOtaOrderData);
  }

  queryOrder(request: QueryOrderWireRequest, { language }: { language: CsssLanguage }): Promise<QueryOrderWireData> {
    return this.#call(this.#queryOrderPath, request, language, parseQueryOrderData);
  }

  async #call<T>(path: string, request: object, language: CsssLanguage, parseData: (data: unknown) => T): Promise<T> {
    if (this.#closed) throw new CsssUnavailableError('client closed');
    // A timer cleared as soon as the call settles, rather than AbortSignal.timeout, whose
    // timer and listeners would live on for the whole deadline after every call.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException('deadline passed', 'TimeoutError')), this.#timeoutMs);
    try {
      const params = this.#signedParams(request);
      const body = JSON.stringify(params);
      // undici only acts on the signal once a connection takes the request, so a call
      // queued behind busy connections would outlive its deadline; the race keeps it. Such
      // a call is never sent afterwards, and its own late rejection is ignored.
      const exchange = this.#exchange(path, body, language, deadline.signal, [String(params.sign), this.#secret], parseData);
      exchange.catch(ignore);
      return await Promise.race([exchange, rejectOnAbort(deadline.signal)]);
    } catch (error) {
      throw toCsssError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Closes the keep-alive pool after in-flight calls finish; an injected dispatcher stays
   * open. Later calls fail as unavailable. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closed ??= this.#ownsDispatcher ? this.#dispatcher.close() : Promise.resolve();
    return this.#closed;
  }

  /** `request`: a wire request, whose fields are all CSSS parameters. */
  #signedParams(request: object): Record<string, string | number> {
    // Built in place, in the order the body has always had (the order's fields, then
    // access_code, timestamp, version, sign), without the copies a spread makes.
    const params: Record<string, string | number> = {};
    const fields = request as Readonly<Record<string, CsssParamValue>>;
    for (const key of Object.keys(fields)) addSigned(params, key, fields[key]);
    addSigned(params, 'access_code', this.#accessCode);
    addSigned(params, 'timestamp', String(Math.floor(this.#clock() / 1000)));
    addSigned(params, 'version', CSSS_API_VERSION);
    params.sign = sign(params, this.#secret);
    return params;
  }

  /** `confidential`: values that must not come back out in a rejection's text (see parse). */
  async #exchange<T>(
    path: string,
    body: string,
    language: CsssLanguage,
    signal: AbortSignal,
    confidential: string[],
    parseData: (data: unknown) => T,
  ): Promise<T> {
    const response = await this.#dispatcher.request({
      origin: this.#origin,
      path,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'accept-language': language,
      },
      body,
      signal,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    const raw = await readResponseBody(response, this.#maxResponseBytes);
    return parseData(parseEnvelope(raw, confidential));
  }
}

/**
 * Error codes that only arise before a connection to CSSS exists, so the request was
 * certainly never sent. Anything else, including ETIMEDOUT and ECONNRESET, can also happen
 * on a connection that already carries the request.
 */
const CONNECT_PHASE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  // The dispatcher is closing: undici refuses the call before dispatching it.
  'UND_ERR_CLOSED',
  // Certificate checks fail during the TLS handshake, before any HTTP byte is written.
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * Route failures: before sending when the `connect` call reports them, but Linux also
 * reports them on a socket that is already connected (and may already have carried the
 * order), so they count as "never sent" only with `syscall: 'connect'`.
 */
const ROUTE_CODES: ReadonlySet<string> = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

/**
 * The one place that turns whatever a call threw into the closed set of csss.errors.ts.
 * Errors already in the set pass through; a failure is "unavailable" only when its code
 * proves the connect never succeeded, because that answer invites a retry, and a retry
 * of a request that did reach CSSS could order twice.
 */
function toCsssError(error: unknown): CsssError {
  if (error instanceof CsssRejectedError || error instanceof CsssUnavailableError || error instanceof CsssOutcomeUnknownError) {
    return error;
  }
  const connectCode = connectPhaseCode(error);
  if (connectCode !== undefined) {
    return new CsssUnavailableError(`connect failed (${connectCode})`, { cause: error });
  }
  return new CsssOutcomeUnknownError(describeTransportFailure(error), { cause: error });
}

/**
 * undici rejects with the socket's own error on a failed connect (`code` ECONNREFUSED,
 * ENOTFOUND, …), with a ConnectTimeoutError for its connect timeout, and Node's
 * happy-eyeballs connect may wrap several attempts in an AggregateError. A wrapper without
 * a code of its own (such as fetch's TypeError) is looked through via `cause`.
 */
function connectPhaseCode(error: unknown, depth = 0): string | undefined {
  if (depth > 3 || typeof error !== 'object' || error === null) return undefined;
  if (error instanceof AggregateError && error.errors.length > 0) {
    const codes = error.errors.map((inner: unknown) => connectPhaseCode(inner, depth + 1));
    return codes.every((inner) => inner !== undefined) ? codes[0] : undefined;
  }
  const code = errorCode(error);
  if (code !== undefined) {
    if (CONNECT_PHASE_CODES.has(code)) return code;
    return ROUTE_CODES.has(code) && (error as { syscall?: unknown }).syscall === 'connect' ? code : undefined;
  }
  return connectPhaseCode((error as { cause?: unknown }).cause, depth + 1);
}

function describeTransportFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'deadline passed';
  }
  const code = typeof error === 'object' && error !== null ? errorCode(error) : undefined;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'deadline passed';
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection closed before the answer was complete (${code})`;
    case undefined:
      return 'transport failure';
    default:
      return `transport failure (${code})`;
  }
}

/** A code fit to quote in a message: Node and undici codes are short upper-case words. */
function errorCode(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : undefined;
}

async function readResponseBody(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer> {
  const { statusCode, headers, body } = response;
  // undici's body emits an error when destroyed before its end; without a listener that
  // error would crash the process instead of failing this call.
  body.on('error', ignore);

  if (statusCode < 200 || statusCode > 299) {
    body.destroy();
    // Redirects land here too: following one would send the order a second time.
    throw new CsssOutcomeUnknownError(`HTTP ${statusCode}`, { statusCode });
  }

  const declaredLength = Number(headers['content-length']);
  if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
    body.destroy();
    throw new CsssOutcomeUnknownError('response body over the size limit');
  }

  // Counting chunk by chunk keeps memory bounded whatever the server sends, declared or not.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new CsssOutcomeUnknownError('response body over the size limit');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A rejection's code and message go to the caller, the journal and the logs. CSSS does
 * not document what a sign error says; should it ever quote the sign it expected or the
 * secret, those never travel further.
 */
function scrub(text: string, confidential: readonly string[]): string {
  return confidential.reduce((scrubbed, value) => (value ? scrubbed.split(value).join('[redacted]') : scrubbed), text);
}

/** The `data` of a success envelope; a rejection or anything that is not the envelope throws. */
function parseEnvelope(raw: Buffer, confidential: readonly string[]): unknown {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw));
  } catch {
    // The SyntaxError is not kept as cause: its message quotes the response body.
    throw new CsssOutcomeUnknownError('response is not JSON');
  }

  if (!isRecord(json)) throw new CsssOutcomeUnknownError('response is not the CSSS envelope');
  const { code, success, message = '', data } = json;
  if (typeof code !== 'string' || typeof success !== 'boolean' || typeof message !== 'string') {
    throw new CsssOutcomeUnknownError('response is not the CSSS envelope');
  }

  if (code !== CSSS_SUCCESS_CODE || !success) throw new CsssRejectedError(scrub(code, confidential), scrub(message, confidential));
  return data;
}

function parseCreateOtaOrderData(data: unknown): CreateOtaOrderWireData {
  if (!isRecord(data) || typeof data.sim_id !== 'string' || typeof data.order_id !== 'string' || typeof data.order_time !== 'string') {
    throw new CsssOutcomeUnknownError('success response lacks sim_id, order_id or order_time');
  }
  return { sim_id: data.sim_id, order_id: data.order_id, order_time: data.order_time };
}

/**
 * A queryOrder page: the page object, and each item's three fields the reconciler relies
 * on as strings. An item without them makes the whole answer unusable rather than
 * silently shorter, since a missing order could turn a `placed` into a `not-found`.
 */
function parseQueryOrderData(data: unknown): QueryOrderWireData {
  const malformed = (what: string): never => {
    throw new CsssOutcomeUnknownError(`queryOrder response ${what}`);
  };
  if (!isRecord(data)) return malformed('lacks data');
  const { page, package_order: items, package_order_num: count } = data;
  if (!isRecord(page) || !['cur_page_no', 'page_size', 'total_count', 'total_pages'].every((key) => Number.isSafeInteger(page[key]))) {
    return malformed('lacks the page object');
  }
  const list = items ?? [];
  if (!Array.isArray(list)) return malformed('has no package_order list');
  const orders = list.map((item: unknown): QueryOrderWireItem => {
    if (
      !isRecord(item) ||
      typeof item.orderCode !== 'string' ||
      typeof item.orderDate !== 'string' ||
      typeof item.orderStatus !== 'string'
    ) {
      return malformed('lists an order without orderCode, orderDate or orderStatus');
    }
    return item as QueryOrderWireItem;
  });
  return {
    page: page as unknown as QueryOrderWireData['page'],
    package_order_num: Number.isSafeInteger(count) ? (count as number) : orders.length,
    package_order: orders,
  };
}

/** Empty parameters are neither signed nor sent, so an absent `mcc` stays absent. */
function addSigned(params: Record<string, string | number>, key: string, value: CsssParamValue): void {
  if (isSignedValue(value)) params[key] = value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`CSSS ${name} must be a positive integer`);
  return value;
}

function ignore(): void {}
