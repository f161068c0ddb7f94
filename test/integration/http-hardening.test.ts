import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { testApiKey } from '../support/api-keys.js';
import { harnessPerTest, type Harness, type HarnessOptions } from '../support/gateway-harness.js';

// What a client on the open internet can do to the HTTP front without valid credentials
// or with slow, raw sockets: each test speaks HTTP/1.1 by hand where fetch cannot.

const client = testApiKey('http-client');
const AUTH = { mode: 'apikey' as const, orderScope: 'ota:order', apiKeys: [client.record] };
const start = harnessPerTest();
const QUERY_BODY = JSON.stringify({ query: '{ ordersSimulated }' });

interface RawExchange {
  socket: Socket;
  /** Resolves with everything the server sent once it has closed the connection. */
  closed: Promise<{ text: string; afterMs: number }>;
}

/** Opens a TCP connection to the gateway's API port and collects what the server sends. */
async function openSocket(h: Harness): Promise<RawExchange> {
  const { port, hostname } = new URL(h.gateway.graphqlUrl);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const openedAt = performance.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) => {
    socket.once('close', () => resolve({ text, afterMs: performance.now() - openedAt }));
  });
  socket.on('error', () => undefined); // a reset after the server closed is expected
  return { socket, closed };
}

/** Writes one byte every `everyMs` until the server closes the connection; returns how many were sent. */
async function trickle(exchange: RawExchange, text: string, everyMs: number): Promise<number> {
  let sent = 0;
  let closed = false;
  void exchange.closed.then(() => (closed = true));
  for (const character of text) {
    if (closed || exchange.socket.destroyed) break;
    exchange.socket.write(character);
    sent += 1;
    await sleep(everyMs);
  }
  return sent;
}

const statusOf = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

async function startWith(options: HarnessOptions): Promise<Harness> {
  return start({ auth: AUTH, ...options });
}

describe('slow requests', () => {
  it('answers a POST without credentials with 401 at once, without waiting for its body', async () => {
    const h = await startWith({});
    const exchange = await openSocket(h);
    exchange.socket.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n{`);
    const { text, afterMs } = await exchange.closed;
    expect(statusOf(text)).toBe(401);
    expect(text).toContain('"code":"UNAUTHENTICATED"');
    // The other 9,999 body bytes never came: the answer did not wait for them.
    expect(afterMs).toBeLessThan(2_000);
    expect(h.simulator.requests).toHaveLength(0);
  });

  it('cuts off an authenticated body that pauses longer than the body idle timeout with 408', async () => {
    const h = await startWith({ httpLimits: { bodyIdleTimeoutMs: 300 } });
    const exchange = await openSocket(h);
    exchange.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nx-api-key: ${client.key}\r\ncontent-type: application/json\r\ncontent-length: ${QUERY_BODY.length}\r\n\r\n`,
    );
    // One byte every 600 ms, the probe's pattern sped up: each pause exceeds the idle timeout.
    const sent = await trickle(exchange, QUERY_BODY, 600);
    const { text, afterMs } = await exchange.closed;
    expect(statusOf(text)).toBe(408);
    expect(text).toContain('"code":"BAD_REQUEST"');
    expect(sent).toBeLessThan(3);
    expect(afterMs).toBeLessThan(3_000);
    expect(h.logs.entries().some((entry) => entry.msg === 'request body stalled' && entry.level === 40)).toBe(true);
  });

  it('closes a connection whose body keeps trickling past the whole-request timeout', async () => {
    const h = await startWith({ httpLimits: { headersTimeoutMs: 500, bodyIdleTimeoutMs: 5_000, requestTimeoutMs: 1_500 } });
    const exchange = await openSocket(h);
    exchange.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nx-api-key: ${client.key}\r\ncontent-type: application/json\r\ncontent-length: ${QUERY_BODY.length}\r\n\r\n`,
    );
    // Never idle long enough for the idle timeout, but never finished either.
    const sent = await trickle(exchange, QUERY_BODY, 100);
    const { text, afterMs } = await exchange.closed;
    expect(sent).toBeLessThan(QUERY_BODY.length);
    expect(afterMs).toBeGreaterThanOrEqual(1_400);
    expect(afterMs).toBeLessThan(4_000);
    expect(text).toMatch(/^$|^HTTP\/1\.1 408/);
  });

  it('closes a connection whose headers never finish with 408 after the headers timeout', async () => {
    const h = await startWith({ httpLimits: { headersTimeoutMs: 500, requestTimeoutMs: 5_000 } });
    const exchange = await openSocket(h);
    const sent = await trickle(exchange, `GET /healthz HTTP/1.1\r\nHost: gateway\r\nx-slow: ${'a'.repeat(200)}\r\n\r\n`, 100);
    const { text, afterMs } = await exchange.closed;
    expect(statusOf(text)).toBe(408);
    expect(sent).toBeLessThan(50);
    expect(afterMs).toBeLessThan(3_000);
  });

  it('closes connections beyond the connection limit at once and serves again when one ends', async () => {
    const h = await startWith({ httpLimits: { maxConnections: 2 } });
    const first = await openSocket(h);
    const second = await openSocket(h);
    const third = await openSocket(h);
    const refused = await third.closed;
    expect(refused.text).toBe('');
    expect(refused.afterMs).toBeLessThan(1_000);

    first.socket.destroy();
    second.socket.destroy();
    await Promise.all([first.closed, second.closed]);
    // The server counts the closed connections asynchronously; fetch until it has.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt += 1) {
      status = await fetch(new URL('/healthz', h.gateway.graphqlUrl)).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 200) await sleep(20);
    }
    expect(status).toBe(200);
  });
});

describe('a malformed request target', () => {
  it('answers 400 and logs a warning without the raw target', async () => {
    const h = await startWith({});
    const exchange = await openSocket(h);
    exchange.socket.write('GET http://a:b@[ HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n');
    const { text } = await exchange.closed;
    expect(statusOf(text)).toBe(400);
    expect(text).toContain('"code":"BAD_REQUEST"');
    const line = h.logs.entries().find((entry) => entry.msg === 'request target is not a valid URL');
    expect(line).toMatchObject({ level: 40, status: 400 });
    expect(h.logs.entries().filter((entry) => Number(entry.level) >= 50)).toEqual([]);
    expect(h.logs.text).not.toContain('a:b@[');
  });
});

describe('response headers', () => {
  it('marks every JSON answer nosniff and no-store: GraphQL results, refusals, health and 404', async () => {
    const h = await startWith({});
    const post = (headers: Record<string, string>): Promise<Response> =>
      fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: QUERY_BODY });
    const responses = [
      await post(client.headers),
      await post({}),
      await fetch(new URL('/healthz', h.gateway.graphqlUrl)),
      await fetch(new URL('/nowhere', h.gateway.graphqlUrl)),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 401, 200, 404]);
    for (const response of responses) {
      expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('the metrics listener', () => {
  it('serves /metrics on its own port, and the API port answers 404 for /metrics', async () => {
    const h = await startWith({});
    const metricsUrl = new URL(h.gateway.metricsUrl);
    const apiUrl = new URL(h.gateway.graphqlUrl);
    expect(metricsUrl.port).not.toBe(apiUrl.port);

    const onMetricsPort = await fetch(metricsUrl);
    const onApiPort = await fetch(new URL('/metrics', apiUrl));
    const elsewhereOnMetricsPort = await fetch(new URL('/graphql', metricsUrl));
    expect(onMetricsPort.status).toBe(200);
    expect(await onMetricsPort.text()).toContain('csss_gateway_graphql_requests_total');
    expect(onApiPort.status).toBe(404);
    expect(await onApiPort.text()).not.toContain('csss_gateway');
    expect(elsewhereOnMetricsPort.status).toBe(404);
    // Load balancers keep probing the API port.
    expect((await fetch(new URL('/healthz', apiUrl))).status).toBe(200);
    expect((await fetch(new URL('/readyz', apiUrl))).status).toBe(200);
  });

  it('gives its own label only to operations that resolved; made-up names are folded into other', async () => {
    const h = await startWith({});
    const post = (body: object): Promise<Response> =>
      fetch(h.gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...client.headers },
        body: JSON.stringify(body),
      });
    await post({ query: 'query Known { ordersSimulated }' });
    // Names that match no operation of the document, or come with a document that does not validate.
    await post({ query: 'query Known { ordersSimulated }', operationName: 'MadeUpOne' });
    await post({ query: 'query MadeUpTwo { noSuchField }', operationName: 'MadeUpTwo' });

    const lines = (await (await fetch(h.gateway.metricsUrl)).text()).split('\n');
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="Known",outcome="ok"} 1');
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="other",outcome="OPERATION_RESOLUTION_FAILURE"} 1');
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="other",outcome="GRAPHQL_VALIDATION_FAILED"} 1');
    expect(lines.join('\n')).not.toMatch(/MadeUp/);
  });
});
