import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../http/listener.js';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE, type CreateOtaOrderWireData, type CsssLanguage } from '../csss/csss.wire.js';
import { QUERY_ORDER_PATH } from '../csss/query-order.wire.js';
import { SIMULATOR_ERROR_CODES } from './simulator.codes.js';
import { PlacedOrderLedger } from './placed-orders.ledger.js';
import { ENVELOPE_CONTENT_TYPE, readBody, send, sendJson, tryParseJson } from './simulator.http.js';
import { pickSimulatorLanguage, simulatorMessage } from './simulator.messages.js';
import { createOrderIdSequence, formatBeijingTime, listPlacedOrders, simIdFor, type PlacedOrder } from './simulator.orders.js';
import { findSimulatorScenario } from './simulator.scenarios.js';
import {
  checkCreateOtaOrderBody,
  checkQueryOrderBody,
  isJsonContentType,
  parseJsonObject,
  type SimulatedOrderRequest,
  type SimulatorRejection,
} from './simulator.validation.js';

export interface CsssSimulatorOptions {
  /** Default '127.0.0.1': the simulator is a loopback stand-in, not a service. */
  host?: string;
  /** Default 0, an ephemeral port; read the result's `url`. */
  port?: number;
  /** Default `SIM-` + random hex. */
  accessCode?: string;
  /** Default 32 random bytes as base64url. */
  secret?: string;
  /** Milliseconds since the epoch; drives the timestamp check and `order_time`. Default Date.now. */
  clock?: () => number;
  /** How far `timestamp` may be from the clock, either way. Default 300. */
  maxClockSkewSeconds?: number;
  /** Larger bodies are refused with code 1000. Default 64 KiB. */
  maxBodyBytes?: number;
  /** How long the hang scenario holds the socket before destroying it. Default 5 minutes. */
  hangMs?: number;
  /**
   * How many of the latest requests and orders `requests` and `orders` keep; older ones
   * are dropped so that a long-running simulator does not grow. 0 keeps none (the
   * embedded simulator of `npm start`). Default 1000, plenty for any test.
   */
  maxRecorded?: number;
  /**
   * How many of the latest placed orders queryOrder lists (answered or not); older ones
   * are forgotten. Default 10 000 (about 2 MB).
   */
  maxPlaced?: number;
}

/** One request as it arrived, recorded before any check so tests can see rejected ones too. */
export interface RecordedCsssRequest {
  method: string;
  /** The request target as sent, query string included. */
  path: string;
  /** Node's header object: names are lower-case. */
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text, cut at maxBodyBytes. */
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
}

/** An order the simulator created and answered with a complete success envelope. */
export interface SimulatedOrder {
  orderId: string;
  simId: string;
  orderTime: string;
  /** The request that created it, exactly as received (sign included). */
  request: SimulatedOrderRequest;
}

export interface RunningCsssSimulator {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string;
  accessCode: string;
  secret: string;
  /** The latest requests, oldest first (at most `maxRecorded`). */
  requests: RecordedCsssRequest[];
  /** The latest orders created and answered, oldest first (at most `maxRecorded`). */
  orders: SimulatedOrder[];
  /** Every order placed, answered or withheld, oldest first (at most `maxPlaced`): what queryOrder lists. A copy, read at each access. */
  readonly placed: readonly PlacedOrder[];
  /** Stops listening and destroys every open connection, hung ones included. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const DEFAULT_HANG_MS = 5 * 60 * 1000;
const DEFAULT_MAX_RECORDED = 1000;
const DEFAULT_MAX_PLACED = 10_000;

/** What a maintenance page or a misconfigured proxy in front of CSSS might serve. */
const GARBAGE_HTML =
  '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>系统维护中</title></head>' +
  '<body><h1>系统维护中</h1><p>System under maintenance. Please try again later.</p></body></html>\n';

export async function startCsssSimulator(options: CsssSimulatorOptions = {}): Promise<RunningCsssSimulator> {
  const host = options.host ?? '127.0.0.1';
  const accessCode = options.accessCode ?? `SIM-${randomBytes(6).toString('hex').toUpperCase()}`;
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const clock = options.clock ?? Date.now;
  const maxClockSkewSeconds = nonNegative('maxClockSkewSeconds', options.maxClockSkewSeconds ?? 300);
  const maxBodyBytes = nonNegative('maxBodyBytes', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const hangMs = nonNegative('hangMs', options.hangMs ?? DEFAULT_HANG_MS);
  const maxRecorded = nonNegative('maxRecorded', options.maxRecorded ?? DEFAULT_MAX_RECORDED);
  const maxPlaced = nonNegative('maxPlaced', options.maxPlaced ?? DEFAULT_MAX_PLACED);

  const requests: RecordedCsssRequest[] = [];
  const orders: SimulatedOrder[] = [];
  const placed = new PlacedOrderLedger(maxPlaced);
  const nextOrderId = createOrderIdSequence(clock);
  const hangTimers = new Set<NodeJS.Timeout>();

  function orderData(request: SimulatedOrderRequest): CreateOtaOrderWireData {
    return { sim_id: simIdFor(request.device_id), order_id: nextOrderId(), order_time: formatBeijingTime(clock()) };
  }

  /** Places an order: from here on queryOrder lists it, whether or not its answer is sent. */
  function placeOrder(request: SimulatedOrderRequest, answered: boolean): CreateOtaOrderWireData {
    const data = orderData(request);
    placed.add(() => ({
      orderId: data.order_id,
      deviceId: request.device_id,
      packageCode: request.package_code,
      orderTime: data.order_time,
      answered,
    }));
    return data;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { bytes, tooLarge } = await readBody(req, maxBodyBytes);
    const rawBody = bytes.toString('utf8');
    keepLatest(requests, maxRecorded, () => ({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: { ...req.headers },
      rawBody,
      body: tryParseJson(rawBody),
    }));

    const language = pickSimulatorLanguage(req.headers['accept-language']);
    const reply = (rejection: SimulatorRejection): void =>
      sendJson(res, 200, {
        code: rejection.code,
        success: false,
        message: simulatorMessage(rejection.messageKey, language, rejection.field),
        data: null,
      });

    const pathname = new URL(req.url ?? '/', 'http://simulator.invalid').pathname;
    if (req.method !== 'POST' || (pathname !== CREATE_OTA_ORDER_PATH && pathname !== QUERY_ORDER_PATH)) {
      sendJson(res, 404, {
        code: SIMULATOR_ERROR_CODES.notFound,
        success: false,
        message: simulatorMessage('notFound', language),
        data: null,
      });
      return;
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return reply({ code: SIMULATOR_ERROR_CODES.badRequest, messageKey: 'unsupportedContentType' });
    }
    if (tooLarge) return reply({ code: SIMULATOR_ERROR_CODES.badRequest, messageKey: 'bodyTooLarge' });
    const body = parseJsonObject(bytes);
    if (!body) return reply({ code: SIMULATOR_ERROR_CODES.badRequest, messageKey: 'malformedBody' });

    if (pathname === QUERY_ORDER_PATH) {
      const query = checkQueryOrderBody(body, { accessCode, secret, nowMs: clock(), maxClockSkewSeconds });
      if (!query.ok) return reply(query.rejection);
      sendJson(res, 200, {
        code: CSSS_SUCCESS_CODE,
        success: true,
        message: simulatorMessage('success', language),
        data: listPlacedOrders(placed.toArray(), query.request),
      });
      return;
    }

    const check = checkCreateOtaOrderBody(body, { accessCode, secret, nowMs: clock(), maxClockSkewSeconds });
    if (!check.ok) return reply(check.rejection);
    const { request } = check;

    // Scenarios come last so that a misbehaving ICCID still proves the request was valid.
    switch (findSimulatorScenario(request.device_id)) {
      case 'rejected':
        return reply({ code: SIMULATOR_ERROR_CODES.simNotFound, messageKey: 'simNotFound' });
      case 'serverError':
        // The error body of a typical Java backend, deliberately not the CSSS envelope.
        sendJson(res, 500, {
          timestamp: new Date(clock()).toISOString(),
          status: 500,
          error: 'Internal Server Error',
          path: CREATE_OTA_ORDER_PATH,
        });
        return;
      case 'hang':
        return hang(res);
      case 'answerWithheld':
        placeOrder(request, false);
        return hang(res);
      case 'garbage':
        send(res, 200, 'text/html;charset=UTF-8', Buffer.from(GARBAGE_HTML, 'utf8'));
        return;
      case 'truncated': {
        const full = JSON.stringify(successEnvelope(orderData(request), language));
        send(res, 200, ENVELOPE_CONTENT_TYPE, Buffer.from(full.slice(0, Math.floor(full.length / 2)), 'utf8'));
        return;
      }
      case undefined: {
        const data = placeOrder(request, true);
        keepLatest(orders, maxRecorded, () => ({ orderId: data.order_id, simId: data.sim_id, orderTime: data.order_time, request }));
        sendJson(res, 200, successEnvelope(data, language));
        return;
      }
    }
  }

  function hang(res: ServerResponse): void {
    const timer = setTimeout(() => res.destroy(), hangMs);
    // A hung request must not keep a test run or the process alive on its own.
    timer.unref();
    hangTimers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      hangTimers.delete(timer);
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The client went away mid-body, or the simulator has a bug: either way, drop the exchange.
      if (res.headersSent) res.destroy();
      else send(res, 500, 'text/plain;charset=UTF-8', Buffer.from('simulator error\n', 'utf8'));
    });
  });

  const { port } = await listen(server, options.port ?? 0, host);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      for (const timer of hangTimers) clearTimeout(timer);
      hangTimers.clear();
      server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive and hung sockets would otherwise hold close() open for minutes.
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    accessCode,
    secret,
    requests,
    orders,
    get placed() {
      return placed.toArray();
    },
    close,
  };
}

/** Appends an entry (made only when it is kept) and drops the oldest beyond `max`. */
function keepLatest<T>(entries: T[], max: number, entry: () => T): void {
  if (max === 0) return;
  entries.push(entry());
  if (entries.length > max) entries.splice(0, entries.length - max);
}

function successEnvelope(data: CreateOtaOrderWireData, language: CsssLanguage) {
  return { code: CSSS_SUCCESS_CODE, success: true, message: simulatorMessage('success', language), data };
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}
