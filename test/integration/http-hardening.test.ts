import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { testApiKey } from '../support/api-keys.js';
import { harnessPerTest, type Harness, type HarnessOptions } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { startSlowUpstream } from '../support/slow-upstream.js';

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
/** The body of a raw HTTP/1.1 answer with a content-length. */
const bodyOf = (text: string): string => text.slice(text.indexOf('\r\n\r\n') + 4);
const headerOf = (text: string, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, 'i').exec(text.slice(0, text.indexOf('\r\n\r\n') + 2))?.[1];

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

  it('answers a connection beyond the connection limit 503 with Retry-After and closes it, and serves again when one ends', async () => {
    const h = await startWith({ httpLimits: { maxConnections: 2 } });
    const first = await openSocket(h);
    const second = await openSocket(h);
    const third = await openSocket(h);
    third.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nx-api-key: ${client.key}\r\ncontent-type: application/json\r\ncontent-length: ${QUERY_BODY.length}\r\n\r\n${QUERY_BODY}`,
    );
    const refused = await third.closed;
    expect(statusOf(refused.text)).toBe(503);
    expect(refused.text).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(JSON.parse(bodyOf(refused.text))).toMatchObject({ errors: [{ extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
    expect(refused.afterMs).toBeLessThan(1_000);
    expect(h.simulator.requests).toHaveLength(0);

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

describe('a GET or HEAD that carries a body', () => {
  it('is answered 400 at once in production, before authentication, while its chunked body trickles', async () => {
    const h = await startWith({ production: true });
    const exchange = await openSocket(h);
    exchange.socket.write('GET /graphql?query=%7BordersSimulated%7D HTTP/1.1\r\nHost: gateway\r\ntransfer-encoding: chunked\r\n\r\n');
    // Without credentials, one chunk byte every 200 ms: it would hold the connection until the 30 s request timeout.
    void trickle(exchange, '1\r\na\r\n'.repeat(50), 200);
    const { text, afterMs } = await exchange.closed;
    expect(statusOf(text)).toBe(400);
    expect(JSON.parse(bodyOf(text))).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST', requestId: expect.any(String) } }] });
    expect(afterMs).toBeLessThan(2_000);
    expect(h.logs.entries().some((entry) => entry.msg === 'request refused: authentication failed')).toBe(false);
  });

  it('is answered 400 for a HEAD with a content-length', async () => {
    const h = await startWith({ production: true });
    const exchange = await openSocket(h);
    exchange.socket.write('HEAD /graphql HTTP/1.1\r\nHost: gateway\r\ncontent-length: 5000\r\n\r\nab');
    const { text, afterMs } = await exchange.closed;
    expect(statusOf(text)).toBe(400);
    expect(afterMs).toBeLessThan(2_000);
  });
});

describe('a client that aborts its body', () => {
  it('is logged at debug, without an error line or a stack trace', async () => {
    const h = await startWith({});
    const exchange = await openSocket(h);
    exchange.socket.write(
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nx-api-key: ${client.key}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query":`,
    );
    await expect.poll(() => h.logs.entries().some((entry) => entry.msg === 'request refused: authentication failed')).toBe(false);
    await sleep(100);
    exchange.socket.destroy();
    await expect
      .poll(() => h.logs.entries().find((entry) => entry.msg === 'request body aborted by the client'))
      .toMatchObject({ level: 20 });
    expect(h.logs.entries().filter((entry) => Number(entry.level) >= 50)).toEqual([]);
    expect(h.logs.text).not.toMatch(/"stack"/);
  });
});

describe("node:http's own refusals", () => {
  it('answers a header over 16 KiB with 431 as a GraphQL error with BAD_REQUEST and a request id', async () => {
    const h = await startWith({ production: true });
    const exchange = await openSocket(h);
    exchange.socket.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nx-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
    const { text } = await exchange.closed;
    expect(statusOf(text)).toBe(431);
    expect(headerOf(text, 'content-type')).toBe('application/json; charset=utf-8');
    const requestId = headerOf(text, 'x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(bodyOf(text))).toEqual({
      errors: [{ message: 'Request headers too large', extensions: { code: 'BAD_REQUEST', requestId } }],
    });
  });

  it('answers a bad header byte with 400 as a GraphQL error with BAD_REQUEST and a request id', async () => {
    const h = await startWith({ production: true });
    const exchange = await openSocket(h);
    exchange.socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\nx-bad: a\u0001b\r\n\r\n');
    const { text } = await exchange.closed;
    expect(statusOf(text)).toBe(400);
    expect(JSON.parse(bodyOf(text))).toMatchObject({
      errors: [{ extensions: { code: 'BAD_REQUEST', requestId: headerOf(text, 'x-request-id') } }],
    });
    expect(headerOf(text, 'x-content-type-options')).toBe('nosniff');
  });
});

describe('refusals before Apollo', () => {
  const APOLLO_CLIENT_ACCEPT = 'application/graphql-response+json,application/json;q=0.9';

  it('answer as a GraphQL response, in graphql-response+json when the client accepts it', async () => {
    const h = await startWith({});
    const post = (headers: Record<string, string>): Promise<Response> =>
      fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: QUERY_BODY });
    const asApolloClient = await post({ accept: APOLLO_CLIENT_ACCEPT });
    const withoutAccept = await post({});
    const jsonOnly = await post({ accept: 'application/json' });
    expect(asApolloClient.status).toBe(401);
    expect(asApolloClient.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(withoutAccept.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(jsonOnly.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const requestId = asApolloClient.headers.get('x-request-id');
    expect(await asApolloClient.json()).toEqual({
      errors: [{ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED', requestId } }],
    });
    expect(asApolloClient.headers.get('www-authenticate')).toBe('Bearer, ApiKey');

    const tooLarge = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: APOLLO_CLIENT_ACCEPT, ...client.headers },
      body: JSON.stringify({ query: `{ ordersSimulated } #${'x'.repeat(70 * 1024)}` }),
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toBe('application/graphql-response+json; charset=utf-8');
    expect(await tooLarge.json()).toMatchObject({
      errors: [{ extensions: { code: 'BAD_REQUEST', requestId: tooLarge.headers.get('x-request-id') } }],
    });
  });

  it('are each counted in the request metrics by code', async () => {
    const h = await startWith({ httpLimits: { bodyIdleTimeoutMs: 300 }, requestRateLimit: { perSecond: 0.001, burst: 30 } });
    const counted = async (code: string): Promise<number> => {
      const text = await (await fetch(h.gateway.metricsUrl)).text();
      return Number(
        new RegExp(`csss_gateway_graphql_requests_total\\{operation="anonymous",outcome="${code}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
      );
    };
    const raw = async (request: string, then?: (exchange: RawExchange) => Promise<unknown>): Promise<number> => {
      const exchange = await openSocket(h);
      exchange.socket.write(request);
      await then?.(exchange);
      return statusOf((await exchange.closed).text);
    };
    const post = (body: string | Uint8Array, headers: Record<string, string> = client.headers): Promise<number> =>
      fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(
        (r) => r.status,
      );
    const header = `POST /graphql HTTP/1.1\r\nHost: gateway\r\nx-api-key: ${client.key}\r\ncontent-type: application/json\r\n`;

    const refusals: Array<[string, () => Promise<number>, number, string]> = [
      ['body too large', () => post('x'.repeat(70 * 1024)), 413, 'BAD_REQUEST'],
      ['stalled body', () => raw(`${header}content-length: 100\r\n\r\n{`), 408, 'BAD_REQUEST'],
      ['not JSON', () => post('{nope'), 400, 'BAD_REQUEST'],
      ['not UTF-8', () => post(new Uint8Array([0x7b, 0xff, 0x7d])), 400, 'BAD_REQUEST'],
      ['malformed target', () => raw('GET http://a:b@[ HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n'), 400, 'BAD_REQUEST'],
      ['GET with a body', () => raw('GET /graphql HTTP/1.1\r\nHost: gateway\r\ncontent-length: 3\r\n\r\n'), 400, 'BAD_REQUEST'],
      ['bad header byte', () => raw('GET /graphql HTTP/1.1\r\nx-bad: a\u0001b\r\n\r\n'), 400, 'BAD_REQUEST'],
      ['no credentials', () => post(QUERY_BODY, {}), 401, 'UNAUTHENTICATED'],
    ];
    for (const [what, send, status, code] of refusals) {
      const before = await counted(code);
      expect(await send(), what).toBe(status);
      await expect.poll(() => counted(code), { message: what }).toBe(before + 1);
    }
    // The request limit: the burst of 30 is spent by now (each authenticated request above took one).
    let limited = 0;
    for (let sent = 0; sent < 40 && limited !== 429; sent += 1) limited = await post(QUERY_BODY);
    expect(limited).toBe(429);
    expect(await counted('RATE_LIMITED')).toBe(1);
  });
});

describe('past the connection cap', () => {
  it('answers every client, 200 or a parseable 503 with Retry-After, never a reset', async () => {
    const concurrentClients = 12;
    // The first gateway only lends its simulator to a CSSS that holds every order 300 ms.
    const lender = await startWith({});
    const upstream = await startSlowUpstream(lender.simulator.url, 300);
    const slow = await startWith({ httpLimits: { maxConnections: 4 }, csssBaseUrl: upstream.url });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: concurrentClients }, async (_, index) => {
          try {
            const response = await fetch(slow.gateway.graphqlUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...client.headers },
              body: JSON.stringify({
                query: 'mutation($input: CreateOtaOrderInput!) { createOtaOrder(input: $input) { orderId } }',
                variables: { input: { ...orderInput(), idempotencyKey: `cap-${index}` } },
              }),
            });
            const body = (await response.json()) as { errors?: Array<{ extensions: { code: string } }> };
            if (response.status === 503) {
              expect(response.headers.get('retry-after')).toBe('1');
              expect(body.errors?.[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
            }
            return String(response.status);
          } catch (error) {
            return `failed: ${String((error as Error & { cause?: unknown }).cause ?? error)}`;
          }
        }),
      );
      expect(outcomes.filter((outcome) => outcome !== '200' && outcome !== '503')).toEqual([]);
      expect(outcomes).toContain('503');
      expect(outcomes).toContain('200');
    } finally {
      await upstream.close();
    }
  });
});
