import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphQLHttpServer } from '../../src/http/graphql-http-server.js';
import { DEFAULT_HTTP_TIMEOUTS_AND_CAPS } from '../../src/http/http-timeouts-and-caps.js';
import { listen } from '../../src/http/listener.js';
import { journalPathIn } from '../../src/journal/sqlite-order-journal.js';
import { createGatewayMetrics } from '../../src/observability/metrics.js';
import { startTracing } from '../../src/observability/tracing.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { CreateOtaOrderDocument } from '../generated/graphql.js';
import { startHarness, type Harness, type HarnessOptions } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { attribute, exportedSpans, spanNamed, startCollector } from '../support/otlp-collector.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function start(options: HarnessOptions = {}): Promise<Harness> {
  const harness = await startHarness(options);
  cleanups.push(() => harness.close());
  return harness;
}
const url = (h: Harness, path: string): URL => new URL(path, h.gateway.graphqlUrl);

describe('log lines', () => {
  it('writes one line per GraphQL request and one per CSSS call, with the request id and timings', async () => {
    const h = await start();
    await h.execute(CreateOtaOrderDocument, { input: orderInput() }, { 'x-request-id': 'req-42' });

    const entries = h.logs.entries().filter((entry) => entry.requestId === 'req-42');
    expect(entries.map((entry) => entry.msg)).toEqual(['csss call', 'graphql request']);
    const [csss, request] = entries;
    expect(csss).toMatchObject({ csss: { endpoint: 'createOtaOrder', result: 'ok', durationMs: expect.any(Number) } });
    expect(request).toMatchObject({
      clientId: 'anonymous',
      operation: 'CreateOtaOrder',
      outcome: 'ok',
      totalMs: expect.any(Number),
      csssMs: expect.any(Number),
    });
  });

  it('logs the outcome code of a failed order and never the secret, a sign, the ICCID or the variables', async () => {
    const h = await start();
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.rejected });
    await h.execute(CreateOtaOrderDocument, { input }, { 'x-request-id': 'req-rejected' });

    const request = h.logs.entries().find((entry) => entry.requestId === 'req-rejected' && entry.msg === 'graphql request');
    expect(request?.outcome).toBe('CSSS_REJECTED');
    const sentSign = (h.simulator.requests[0]?.body as { sign: string }).sign;
    expect(h.logs.text).not.toContain(h.simulator.secret);
    expect(h.logs.text).not.toContain(sentSign);
    expect(h.logs.text).not.toContain(SIMULATOR_ICCIDS.rejected);
    expect(h.logs.text).not.toContain(input.idempotencyKey);
  });
});

describe('the request id', () => {
  it('is taken from X-Request-Id, returned in the response header and in error extensions', async () => {
    const h = await start();
    const response = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-me.1' },
      body: JSON.stringify({ query: 'mutation { createOtaOrder(input: {}) { orderId } }' }),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { requestId: string } }> };
    expect(response.headers.get('x-request-id')).toBe('trace-me.1');
    expect(body.errors[0]?.extensions.requestId).toBe('trace-me.1');
  });

  it('is generated when the caller sends none or an unsafe one', async () => {
    const h = await start();
    const none = await fetch(url(h, '/healthz'));
    const unsafe = await fetch(url(h, '/healthz'), { headers: { 'x-request-id': 'spaces and "quotes"' } });
    const long = await fetch(url(h, '/healthz'), { headers: { 'x-request-id': 'x'.repeat(129) } });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(none.headers.get('x-request-id')).toMatch(uuid);
    expect(unsafe.headers.get('x-request-id')).toMatch(uuid);
    expect(long.headers.get('x-request-id')).toMatch(uuid);
  });
});

describe('GET /metrics', () => {
  it('counts requests, order outcomes and CSSS calls after a known sequence of orders', async () => {
    const h = await start({ processMetrics: true });
    const replayedInput = orderInput();
    await h.execute(CreateOtaOrderDocument, { input: replayedInput });
    await h.execute(CreateOtaOrderDocument, { input: replayedInput });
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.rejected }) });
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.serverError }) });
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: 'bad' }) });

    const response = await fetch(h.gateway.metricsUrl);
    const text = await response.text();
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = text.split('\n');
    for (const line of [
      'csss_gateway_order_outcomes_total{outcome="ok"} 1',
      'csss_gateway_order_outcomes_total{outcome="replayed"} 1',
      'csss_gateway_order_outcomes_total{outcome="CSSS_REJECTED"} 1',
      'csss_gateway_order_outcomes_total{outcome="CSSS_OUTCOME_UNKNOWN"} 1',
      'csss_gateway_order_outcomes_total{outcome="BAD_USER_INPUT"} 1',
      'csss_gateway_graphql_requests_total{operation="CreateOtaOrder",outcome="ok"} 2',
      'csss_gateway_graphql_requests_total{operation="CreateOtaOrder",outcome="CSSS_REJECTED"} 1',
      'csss_gateway_csss_call_duration_seconds_count{result="ok"} 1',
      'csss_gateway_csss_call_duration_seconds_count{result="rejected"} 1',
      'csss_gateway_csss_call_duration_seconds_count{result="unknown"} 1',
      'csss_gateway_csss_calls_in_flight 0',
      'csss_gateway_csss_breaker_state 0',
    ]) {
      expect(lines).toContain(line);
    }
    expect(text).toContain('csss_gateway_nodejs_eventloop_lag_seconds');
    expect(text).not.toContain(SIMULATOR_ICCIDS.rejected);
    expect(h.simulator.requests).toHaveLength(3);
  });

  it('shows the breaker open after a run of failures', async () => {
    const h = await start({ breakerFailureThreshold: 1 });
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.garbage }) });
    expect((await (await fetch(h.gateway.metricsUrl)).text()).split('\n')).toContain('csss_gateway_csss_breaker_state 2');
  });
});

describe('health and readiness', () => {
  it('is live and ready once started, without calling CSSS', async () => {
    const h = await start();
    const live = await fetch(url(h, '/healthz'));
    const ready = await fetch(url(h, '/readyz'));
    expect([live.status, ready.status]).toEqual([200, 200]);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(h.simulator.requests).toHaveLength(0);
  });

  it("stays ready, without waiting for the lock, while another process holds the journal's write lock", async () => {
    const h = await start();
    // Another gateway on the same file in the middle of a write transaction.
    const other = new Database(journalPathIn(h.dataDir));
    other.exec('BEGIN IMMEDIATE');
    try {
      const ready = await fetch(url(h, '/readyz'));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('is not ready during the shutdown delay, while it still serves GraphQL and liveness', async () => {
    const h = await startHarness({ shutdownDelayMs: 500 });
    const closed = h.close();
    const ready = await fetch(url(h, '/readyz'));
    const live = await fetch(url(h, '/healthz'));
    const graphql = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ordersSimulated }' }),
    });
    const graphqlBody: unknown = await graphql.json();
    const metrics = await fetch(h.gateway.metricsUrl);
    await closed;

    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect(live.status).toBe(200);
    expect(graphql.status).toBe(200);
    expect(graphqlBody).toEqual({ data: { ordersSimulated: false } });
    // The metrics listener closes after the API port, so the drain can be watched.
    expect(metrics.status).toBe(200);
    await expect(fetch(url(h, '/healthz'))).rejects.toThrow();
    await expect(fetch(h.gateway.metricsUrl)).rejects.toThrow();
  });

  it('is not ready, and serves no GraphQL, while starting', async () => {
    // The real server in its starting state: Apollo is not there yet.
    const metrics = createGatewayMetrics({ csssTimeoutMs: 1000, collectDefaultMetrics: false });
    const server = createGraphQLHttpServer({
      apollo: () => undefined,
      lifecycle: () => 'starting',
      readinessChecks: async () => true,
      context: (_request, requestInfo) => ({
        language: 'zh-CN',
        clientId: 'anonymous',
        principal: { subject: 'anonymous', scopes: new Set(['ota:order']), method: 'anonymous' },
        requestInfo,
      }),
      logger: pino({ level: 'silent' }),
      metrics,
      limits: DEFAULT_HTTP_TIMEOUTS_AND_CAPS,
      tracer: (await startTracing({ endpoint: undefined })).tracer,
      corsOrigins: [],
    });
    const { port } = await listen(server, 0, '127.0.0.1');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const base = `http://127.0.0.1:${port}`;

    const ready = await fetch(`${base}/readyz`);
    const graphql = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'starting' });
    expect(graphql.status).toBe(503);
    expect(graphql.headers.get('retry-after')).toBe('5');
    // Retry-After as data too, for clients that cannot read headers.
    expect(((await graphql.json()) as { errors: Array<{ extensions: Record<string, unknown> }> }).errors[0]?.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryAfterSeconds: 5,
    });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Counted like every other answer, though Apollo never saw it.
    expect((await metrics.render()).body).toContain(
      'csss_gateway_graphql_requests_total{operation="anonymous",outcome="SERVICE_UNAVAILABLE"} 1',
    );
  });
});

describe('tracing', () => {
  it('exports a span for the GraphQL operation with a child span for the CSSS call, without argument values', async () => {
    const collector = await startCollector();
    cleanups.push(() => collector.close());
    const h = await startHarness({ otelEndpoint: collector.url });
    const input = orderInput();
    await h.execute(CreateOtaOrderDocument, { input }, { 'x-request-id': 'req-traced' });
    await h.close();

    const spans = exportedSpans(collector.received);
    const operation = spanNamed(spans, 'graphql mutation CreateOtaOrder');
    const csss = spanNamed(spans, 'csss createOtaOrder');
    expect(csss.traceId).toBe(operation.traceId);
    expect(csss.parentSpanId).toBe(operation.spanId);
    expect(attribute(operation.attributes, 'request.id')).toEqual({ stringValue: 'req-traced' });
    expect(attribute(csss.attributes, 'csss.result')).toEqual({ stringValue: 'ok' });
    const exported = collector.received.map((entry) => entry.body).join('\n');
    expect(exported).not.toContain(input.deviceId);
    expect(exported).not.toContain(input.idempotencyKey);
  });
});
