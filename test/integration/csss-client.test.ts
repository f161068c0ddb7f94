import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { inspect } from 'node:util';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CsssHttpClient } from '../../src/csss/csss.client.js';
import type { CsssClientOptions } from '../../src/csss/csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from '../../src/csss/csss.errors.js';
import { sign } from '../../src/csss/csss.sign.js';
import type { CreateOtaOrderWireRequest } from '../../src/csss/csss.wire.js';
import { Secret } from '../../src/secret.js';
import { freePort } from '../support/free-port.js';

const SECRET = 'test-secret-7Qm2xZ';
const ACCESS_CODE = 'QY-000001';
/** 2022-09-08T09:14:10.987Z: the fractional second must be dropped, not rounded. */
const NOW_MS = 1_662_628_450_987;
const NOW_SECONDS = '1662628450';
const PATH = '/package/createOtaOrder';

const ORDER: CreateOtaOrderWireRequest = {
  device_id: '89852202101130001670',
  package_code: 'DP20201218003915',
  package_name: 'T_T_T_0_P_S_中国100G/365天套餐',
  package_type: '5',
  order_period: '1',
  days: 364,
  timing_type: '1',
  is_open: '0',
  global_order: '0',
  pay_amount: '12.50',
  pay_rst: '2',
  pay_type: '1',
  test_flow: '0',
  test_flow_flag: '0',
};

/** The sign the client must send for ORDER at NOW_MS; no error may ever quote it. */
const ORDER_SIGN = sign({ ...ORDER, access_code: ACCESS_CODE, timestamp: NOW_SECONDS, version: '2.0' }, SECRET);

const SUCCESS_DATA = { sim_id: 'SIM_1001', order_id: 'ORDER_47452122261749760', order_time: '2022-09-08 17:14:11' };
const SUCCESS_BODY = JSON.stringify({ code: '0000', success: true, message: '成功', data: SUCCESS_DATA });

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Responder = (res: ServerResponse, request: ReceivedRequest) => void | Promise<void>;

/** A stand-in CSSS on a free loopback port that records every request it receives in full. */
async function startCsss(respond: Responder): Promise<{ url: string; received: ReceivedRequest[] }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      void respond(res, request);
    });
  });
  const port = await listen(server);
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${port}`, received };
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function newClient(baseUrl: string, overrides: Partial<CsssClientOptions> = {}): CsssHttpClient {
  const client = new CsssHttpClient({
    baseUrl,
    accessCode: ACCESS_CODE,
    secret: SECRET,
    timeoutMs: 1000,
    clock: () => NOW_MS,
    ...overrides,
  });
  onTestFinished(() => client.close());
  return client;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expectNothingSecretIn(error);
    return error as Error;
  }
  return expect.fail('expected the CSSS call to fail');
}

/** What a log line could show of the error: message, serialized fields, and the cause chain. */
function expectNothingSecretIn(error: unknown): void {
  const views = [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 })];
  for (const view of views) {
    expect(view).not.toContain(SECRET);
    expect(view).not.toContain(ORDER_SIGN);
    expect(view).not.toContain(ORDER.device_id);
    expect(view).not.toContain(ORDER.package_code);
  }
}

function parsedBody(request: ReceivedRequest | undefined): Record<string, unknown> {
  expect(request).toBeDefined();
  return JSON.parse(request?.body ?? '') as Record<string, unknown>;
}

function answer(res: ServerResponse, status: number, body: string | Buffer, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

describe('CsssHttpClient against a real HTTP server', () => {
  describe('a successful order', () => {
    it('posts one signed JSON request with every business field and resolves with the order data', async () => {
      const csss = await startCsss((res) => answer(res, 200, SUCCESS_BODY));
      const client = newClient(csss.url);

      await expect(client.createOtaOrder(ORDER, { language: 'en-US' })).resolves.toEqual(SUCCESS_DATA);

      expect(csss.received).toHaveLength(1);
      const [request] = csss.received;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe(PATH);
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers['accept']).toBe('application/json');
      expect(request?.headers['accept-language']).toBe('en-US');

      const body = parsedBody(request);
      const { sign: sentSign, ...unsigned } = body;
      expect(unsigned).toStrictEqual({ ...ORDER, access_code: ACCESS_CODE, timestamp: NOW_SECONDS, version: '2.0' });
      expect(typeof body.days).toBe('number');
      for (const [key, value] of Object.entries(unsigned)) {
        if (key !== 'days') expect(typeof value, key).toBe('string');
      }
      expect('mcc' in body).toBe(false);
      expect(sentSign).toBe(sign(unsigned as Record<string, string | number>, SECRET));
      expect(sentSign).toBe(ORDER_SIGN);
    });

    it('sends mcc when given, signs it, and leaves an empty mcc out', async () => {
      const csss = await startCsss((res) => answer(res, 200, SUCCESS_BODY));
      const client = newClient(csss.url);

      await client.createOtaOrder({ ...ORDER, mcc: '460' }, { language: 'zh-CN' });
      await client.createOtaOrder({ ...ORDER, mcc: '' }, { language: 'zh-CN' });

      expect(csss.received).toHaveLength(2);
      const withMcc = parsedBody(csss.received[0]);
      const { sign: withMccSign, ...withMccUnsigned } = withMcc;
      expect(withMcc.mcc).toBe('460');
      expect(withMccSign).toBe(sign(withMccUnsigned as Record<string, string | number>, SECRET));
      expect(withMccSign).not.toBe(ORDER_SIGN);
      expect(csss.received[0]?.headers['accept-language']).toBe('zh-CN');

      const emptyMcc = parsedBody(csss.received[1]);
      expect('mcc' in emptyMcc).toBe(false);
      expect(emptyMcc.sign).toBe(ORDER_SIGN);
    });

    it('derives timestamp from the injected clock in whole Unix seconds, and the sign verifies', async () => {
      const csss = await startCsss((res) => answer(res, 200, SUCCESS_BODY));
      const client = newClient(csss.url, { clock: () => 1_700_000_000_999 });

      await client.createOtaOrder(ORDER, { language: 'en-US' });
      await client.createOtaOrder(ORDER, { language: 'en-US' });

      const [first, second] = csss.received.map(parsedBody);
      expect(first?.timestamp).toBe('1700000000');
      expect(second).toStrictEqual(first);
      const { sign: sentSign, ...unsigned } = first ?? {};
      expect(sentSign).toBe(sign(unsigned as Record<string, string | number>, SECRET));
    });

    it('signs with a secret handed over as a Secret', async () => {
      const csss = await startCsss((res) => answer(res, 200, SUCCESS_BODY));
      const client = newClient(csss.url, { secret: new Secret(SECRET) });

      await client.createOtaOrder(ORDER, { language: 'en-US' });

      expect(parsedBody(csss.received[0]).sign).toBe(ORDER_SIGN);
    });

    it('keeps the path prefix of a base URL', async () => {
      const csss = await startCsss((res) => answer(res, 200, SUCCESS_BODY));
      const client = newClient(`${csss.url}/csss-proxy/`);

      await client.createOtaOrder(ORDER, { language: 'en-US' });

      expect(csss.received.map((request) => request.url)).toEqual([`/csss-proxy${PATH}`]);
    });

    it('speaks HTTP/1.1 to a TLS CSSS that also offers HTTP/2', async () => {
      // A self-signed certificate for 127.0.0.1 (test/fixtures, valid until 2125), trusted
      // only while this test runs, so the client's own pool negotiates TLS as in production.
      const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
      const cert = fixture('csss-tls-127.0.0.1.cert.pem');
      const defaultCas = getCACertificates('default');
      setDefaultCACertificates([...defaultCas, cert]);
      onTestFinished(() => setDefaultCACertificates(defaultCas));
      const versions: string[] = [];
      const server = createSecureServer({ key: fixture('csss-tls-127.0.0.1.key.pem'), cert, allowHTTP1: true }, (req, res) => {
        versions.push(req.httpVersion);
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(SUCCESS_BODY));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const client = newClient(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);

      await expect(client.createOtaOrder(ORDER, { language: 'en-US' })).resolves.toEqual(SUCCESS_DATA);

      expect(versions).toEqual(['1.1']);
    });

    it('accepts an envelope without a message and a body exactly at the size cap', async () => {
      const compact = JSON.stringify({ code: '0000', success: true, data: SUCCESS_DATA });
      const csss = await startCsss((res) => answer(res, 200, compact));
      const client = newClient(csss.url, { maxResponseBytes: Buffer.byteLength(compact) });

      await expect(client.createOtaOrder(ORDER, { language: 'en-US' })).resolves.toEqual(SUCCESS_DATA);
    });
  });

  describe('a rejected order', () => {
    it('rejects with CSSS code and message when success is false', async () => {
      const csss = await startCsss((res) =>
        answer(res, 200, JSON.stringify({ code: '2001', success: false, message: 'SIM card not found', data: null })),
      );
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssRejectedError);
      expect(error).toMatchObject({ csssCode: '2001', csssMessage: 'SIM card not found' });
      expect(csss.received).toHaveLength(1);
    });

    it('treats code 0000 with success false as a rejection', async () => {
      const csss = await startCsss((res) =>
        answer(res, 200, JSON.stringify({ code: '0000', success: false, message: '失败', data: SUCCESS_DATA })),
      );
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'zh-CN' }));

      expect(error).toBeInstanceOf(CsssRejectedError);
      expect(error).toMatchObject({ csssCode: '0000', csssMessage: '失败' });
    });

    it('treats a non-0000 code with success true as a rejection, with an empty message when none is sent', async () => {
      const csss = await startCsss((res) => answer(res, 200, JSON.stringify({ code: '3002', success: true })));
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'zh-CN' }));

      expect(error).toBeInstanceOf(CsssRejectedError);
      expect(error).toMatchObject({ csssCode: '3002', csssMessage: '' });
    });
  });

  describe('a request that never reached CSSS', () => {
    it('reports a refused connection as unavailable', async () => {
      const port = await freePort();
      const client = newClient(`http://127.0.0.1:${port}`);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssUnavailableError);
      expect(error.message).toBe('CSSS could not be reached: connect failed (ECONNREFUSED)');
    });

    it('reports a connect timeout as unavailable', async () => {
      // Loopback cannot black-hole a SYN, so this connector fails the way undici's own
      // connect timeout does.
      const pool = new Pool('http://127.0.0.1:9', {
        connect: (_options, callback) => {
          setTimeout(() => callback(new undiciErrors.ConnectTimeoutError(), null), 20);
        },
      });
      onTestFinished(() => pool.destroy());
      const client = newClient('http://127.0.0.1:9', { dispatcher: pool });

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssUnavailableError);
      expect(error.message).toContain('UND_ERR_CONNECT_TIMEOUT');
    });

    it('never passes the sign or the secret on in a rejection, should CSSS quote them', async () => {
      const csss = await startCsss((res, request) => {
        const sent = (JSON.parse(request.body) as { sign: string }).sign;
        answer(res, 200, JSON.stringify({ code: '1005', success: false, message: `sign ${sent} != expected; key ${SECRET}`, data: null }));
      });
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssRejectedError);
      expect((error as CsssRejectedError).csssMessage).toBe('sign [redacted] != expected; key [redacted]');
    });

    it.each([
      ['connect', CsssUnavailableError],
      ['read', CsssOutcomeUnknownError],
      ['write', CsssOutcomeUnknownError],
    ] as const)('reports EHOSTUNREACH from %s as %s: only a failed connect proves nothing was sent', async (syscall, expected) => {
      // Linux reports a lost route on a connected socket too, after the order may have left.
      const failing = {
        request: () => Promise.reject(Object.assign(new Error(`${syscall} EHOSTUNREACH`), { code: 'EHOSTUNREACH', syscall })),
      } as unknown as Dispatcher;
      const client = newClient('http://127.0.0.1:9', { dispatcher: failing });

      expect(await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }))).toBeInstanceOf(expected);
    });

    it('reports a call after close() as unavailable', async () => {
      const csss = await startCsss((res) => answer(res, 200, SUCCESS_BODY));
      const client = newClient(csss.url);
      await client.close();

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssUnavailableError);
      expect(error.message).toBe('CSSS could not be reached: client closed');
      expect(csss.received).toHaveLength(0);
    });
  });

  describe('a request whose outcome is unknown', () => {
    it('gives up on a server that accepts and never answers at about the deadline, without retrying', async () => {
      const csss = await startCsss(() => undefined);
      const client = newClient(csss.url, { timeoutMs: 400 });

      const started = performance.now();
      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));
      const elapsed = performance.now() - started;

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error.message).toBe('CSSS outcome unknown: deadline passed');
      expect(elapsed).toBeGreaterThanOrEqual(380);
      // Generous: a loaded CI machine is slow, and what matters is that the call ends.
      expect(elapsed).toBeLessThan(3000);
      await sleep(300);
      expect(csss.received).toHaveLength(1);
    });

    it('keeps its deadline while queued behind a busy connection of a shared dispatcher, and is then never sent', async () => {
      const csss = await startCsss(() => undefined);
      const pool = new Pool(csss.url, { connections: 1 });
      onTestFinished(() => pool.destroy());
      const blocker = new AbortController();
      const blocking = pool.request({ path: '/blocker', method: 'GET', signal: blocker.signal });
      blocking.catch(() => undefined);
      const client = newClient(csss.url, { timeoutMs: 300, dispatcher: pool });

      const started = performance.now();
      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));
      const elapsed = performance.now() - started;

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error.message).toBe('CSSS outcome unknown: deadline passed');
      // Without its own deadline race it would wait for the blocker, which never ends.
      expect(elapsed).toBeLessThan(2500);
      blocker.abort();
      await sleep(200);
      expect(csss.received.map((request) => request.url)).toEqual(['/blocker']);
    });

    it.each([
      ['closed (FIN)', 'destroy', 'UND_ERR_SOCKET'],
      ['reset (RST)', 'resetAndDestroy', 'ECONNRESET'],
    ] as const)('reports a connection %s in the middle of the body as unknown', async (_label, method, code) => {
      const csss = await startCsss((res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(SUCCESS_BODY.length + 100) });
        res.write(SUCCESS_BODY.slice(0, 20));
        setTimeout(() => res.socket?.[method](), 20);
      });
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error.message).toBe(`CSSS outcome unknown: connection closed before the answer was complete (${code})`);
      await sleep(100);
      expect(csss.received).toHaveLength(1);
    });

    it('reports a connection closed after the request arrived and before any answer as unknown', async () => {
      const csss = await startCsss((res) => {
        res.socket?.destroy();
      });
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error.message).toContain('connection closed');
      await sleep(100);
      expect(csss.received).toHaveLength(1);
    });

    it.each([400, 500, 503])('reports HTTP %i with an envelope-shaped body as unknown with its status code', async (status) => {
      const csss = await startCsss((res) => answer(res, status, SUCCESS_BODY));
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error).toMatchObject({ statusCode: status, reason: `HTTP ${status}` });
    });

    it.each([
      ['an HTML page', '<html><body>Bad gateway</body></html>', 'response is not JSON'],
      ['truncated JSON', SUCCESS_BODY.slice(0, SUCCESS_BODY.length - 7), 'response is not JSON'],
      [
        'a rejection envelope that is not valid UTF-8',
        Buffer.concat([Buffer.from('{"code":"2001","success":false,"message":"'), Buffer.from([0xff]), Buffer.from('"}')]),
        'response is not JSON',
      ],
      ['a JSON array', '[]', 'response is not the CSSS envelope'],
      ['JSON null', 'null', 'response is not the CSSS envelope'],
      ['an object without the envelope fields', '{"foo":1}', 'response is not the CSSS envelope'],
      ['a numeric code', '{"code":0,"success":true,"message":"ok"}', 'response is not the CSSS envelope'],
      ['a string success flag', '{"code":"0000","success":"true","message":"ok"}', 'response is not the CSSS envelope'],
      ['a non-string message', '{"code":"0000","success":true,"message":7}', 'response is not the CSSS envelope'],
      [
        'a success envelope without order_id',
        JSON.stringify({ code: '0000', success: true, message: 'ok', data: { sim_id: 'SIM_1', order_time: 't' } }),
        'success response lacks sim_id, order_id or order_time',
      ],
      [
        'a success envelope with a numeric order_id',
        JSON.stringify({ code: '0000', success: true, message: 'ok', data: { ...SUCCESS_DATA, order_id: 4745 } }),
        'success response lacks sim_id, order_id or order_time',
      ],
      [
        'a success envelope without data',
        JSON.stringify({ code: '0000', success: true, message: 'ok' }),
        'success response lacks sim_id, order_id or order_time',
      ],
    ])('reports a 200 with %s as unknown', async (_label, body, reason) => {
      const csss = await startCsss((res) => answer(res, 200, body));
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error).toMatchObject({ reason, statusCode: undefined });
    });

    it('abandons a 50 MB body after the size cap without buffering it', async () => {
      const total = 50 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      let closedEarly: Promise<boolean> = Promise.resolve(false);
      const csss = await startCsss(async (res) => {
        closedEarly = new Promise((resolve) => res.on('close', () => resolve(written < total)));
        // Chunked, so the client cannot tell the size up front and must count as it reads.
        res.writeHead(200, { 'content-type': 'application/json' });
        // One close listener for the whole write loop, not one per full buffer.
        const closed = once(res, 'close');
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) await Promise.race([once(res, 'drain'), closed]);
        }
        res.end();
      });
      const client = newClient(csss.url, { timeoutMs: 5000 });
      const rssBefore = process.memoryUsage().rss;

      const started = performance.now();
      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));
      const elapsed = performance.now() - started;

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error).toMatchObject({ reason: 'response body over the size limit' });
      expect(elapsed).toBeLessThan(5000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(30 * 1024 * 1024);
      await expect(closedEarly).resolves.toBe(true);
      expect(written).toBeLessThan(10 * 1024 * 1024);
    });

    it('abandons a body whose declared content-length is over the cap before reading it', async () => {
      const padded = SUCCESS_BODY + ' '.repeat(2048);
      const csss = await startCsss((res) => answer(res, 200, padded));
      const client = newClient(csss.url, { maxResponseBytes: 1024 });

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toMatchObject({ reason: 'response body over the size limit' });
      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
    });

    it('ends an endless slow-drip body at about the deadline', async () => {
      const csss = await startCsss((res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const drip = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(drip));
      });
      const client = newClient(csss.url, { timeoutMs: 500 });

      const started = performance.now();
      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));
      const elapsed = performance.now() - started;

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error.message).toBe('CSSS outcome unknown: deadline passed');
      expect(elapsed).toBeGreaterThanOrEqual(480);
      expect(elapsed).toBeLessThan(3000);
    });

    it('does not follow a 302 redirect and reports it as unknown', async () => {
      const csss = await startCsss((res, request) => {
        if (request.url === PATH) {
          res.writeHead(302, { location: '/package/elsewhere', 'content-length': 0 });
          res.end();
        } else {
          answer(res, 200, SUCCESS_BODY);
        }
      });
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(error).toMatchObject({ statusCode: 302 });
      await sleep(100);
      expect(csss.received.map((request) => request.url)).toEqual([PATH]);
    });
  });

  describe('what errors reveal', () => {
    // Each server echoes the request it received, sign and all, so that any error that
    // quoted a response body would leak it.
    const echoes: [string, Responder][] = [
      ['HTTP 500 echoing the request', (res, request) => answer(res, 500, request.body)],
      ['an HTML page echoing the request', (res, request) => answer(res, 200, `<pre>${request.body}</pre>`, 'text/html')],
      ['a body that starts with the sign', (res, request) => answer(res, 200, `${ORDER_SIGN} ${request.body}`)],
      [
        'a non-envelope echoing the request',
        (res, request) => answer(res, 200, JSON.stringify({ echo: JSON.parse(request.body) as unknown })),
      ],
      [
        'a reset after echoing part of the request',
        (res, request) => {
          res.writeHead(200, { 'content-length': 100_000 });
          res.write(request.body);
          setTimeout(() => res.socket?.resetAndDestroy(), 20);
        },
      ],
    ];

    it.each(echoes)('never quotes the secret, the sign or the request body for %s', async (_label, respond) => {
      const csss = await startCsss(respond);
      const client = newClient(csss.url);

      const error = await failureOf(client.createOtaOrder(ORDER, { language: 'en-US' }));

      expect(error).toBeInstanceOf(CsssOutcomeUnknownError);
      expect(parsedBody(csss.received[0]).sign).toBe(ORDER_SIGN);
      expect(error.message.length).toBeLessThan(120);
    });

    it('never shows the secret when the client itself is inspected or serialized', () => {
      const client = newClient('http://127.0.0.1:9');

      expect(inspect(client, { depth: 10 })).not.toContain(SECRET);
      expect(JSON.stringify(client)).not.toContain(SECRET);
    });
  });
});
