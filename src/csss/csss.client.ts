import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { RequestInfo } from '../observability/request-info.js';
import type { Secret } from '../secret.js';
import { CsssUnavailableError } from './csss.errors.js';
import { parseCreateOtaOrderData, parseEnvelope, parseQueryOrderData, readResponseBody } from './csss.response.js';
import { isSignedValue, sign, type CsssParamValue } from './csss.sign.js';
import { toCsssError } from './csss.transport-failure.js';
import { CREATE_OTA_ORDER_PATH, CSSS_API_VERSION } from './csss.wire.js';
import type { CreateOtaOrderWireData, CreateOtaOrderWireRequest, CsssLanguage } from './csss.wire.js';
import { QUERY_ORDER_PATH, type QueryOrderWireData, type QueryOrderWireRequest } from './query-order.wire.js';

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

const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
const DEFAULT_CSSS_CONNECTIONS = 10;

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
        // HTTP/1.1 only: over TLS undici would negotiate HTTP/2 and multiplex every call on
        // one connection, but the pool is sized as one connection per call in flight
        // (CSSS_MAX_IN_FLIGHT), the failure mapping (csss.transport-failure.ts) was worked
        // out for HTTP/1.1, and CSSS's documentation promises nothing about h2.
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

  /** `confidential`: values that must not come back out in a rejection's text (see parseEnvelope). */
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

/** Empty parameters are neither signed nor sent, so an absent `mcc` stays absent. */
function addSigned(params: Record<string, string | number>, key: string, value: CsssParamValue): void {
  if (isSignedValue(value)) params[key] = value;
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
