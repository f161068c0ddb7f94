import { describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_CODES, REQUEST_ERROR_CODES } from '../../src/errors/error-codes.js';
import { createGatewayMetrics, csssCallDurationBuckets, MAX_OPERATION_NAMES } from '../../src/observability/metrics.js';

function linesOf(body: string): string[] {
  return body.split('\n');
}

/** The largest finite `le` of a histogram in the exposition text. */
function largestFiniteBucket(body: string, metric: string): number {
  const bounds = [...body.matchAll(new RegExp(`^${metric}_bucket\\{le="([^"]+)"`, 'gm'))]
    .map((match) => match[1])
    .filter((bound) => bound !== '+Inf')
    .map(Number);
  expect(bounds.length).toBeGreaterThan(0);
  return Math.max(...bounds);
}

describe('gateway metrics', () => {
  it('renders the exact counts of a known sequence of observations', async () => {
    const metrics = createGatewayMetrics({ csssTimeoutMs: 10_000, collectDefaultMetrics: false });
    metrics.countGraphqlRequest('CreateOrder', 'ok');
    metrics.countGraphqlRequest('CreateOrder', 'ok');
    metrics.countGraphqlRequest('CreateOrder', 'CSSS_REJECTED');
    metrics.countGraphqlRequest(undefined, 'GRAPHQL_PARSE_FAILED');
    metrics.countOrderOutcome('ok');
    metrics.countOrderOutcome('CSSS_REJECTED');
    metrics.countOrderOutcome('replayed');
    metrics.startCsssCall()('ok');
    metrics.startCsssCall()('rejected');
    const pending = metrics.startCsssCall();
    metrics.setBreakerState('half_open');

    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = linesOf(body);
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="CreateOrder",outcome="ok"} 2');
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="CreateOrder",outcome="CSSS_REJECTED"} 1');
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="anonymous",outcome="GRAPHQL_PARSE_FAILED"} 1');
    expect(lines).toContain('csss_gateway_order_outcomes_total{outcome="ok"} 1');
    expect(lines).toContain('csss_gateway_order_outcomes_total{outcome="CSSS_REJECTED"} 1');
    expect(lines).toContain('csss_gateway_order_outcomes_total{outcome="replayed"} 1');
    expect(lines).toContain('csss_gateway_order_outcomes_total{outcome="CSSS_UNAVAILABLE"} 0');
    expect(lines).toContain('csss_gateway_csss_call_duration_seconds_count{result="ok"} 1');
    expect(lines).toContain('csss_gateway_csss_call_duration_seconds_count{result="rejected"} 1');
    expect(lines).toContain('csss_gateway_csss_call_duration_seconds_count{result="unknown"} 0');
    expect(lines).toContain('csss_gateway_csss_calls_in_flight 1');
    expect(lines).toContain('csss_gateway_csss_breaker_state 1');

    pending('unknown');
    pending('unknown');
    metrics.setBreakerState('open');
    const after = linesOf((await metrics.render()).body);
    expect(after).toContain('csss_gateway_csss_calls_in_flight 0');
    expect(after).toContain('csss_gateway_csss_call_duration_seconds_count{result="unknown"} 1');
    expect(after).toContain('csss_gateway_csss_breaker_state 2');
  });

  it('starts with the breaker closed and no CSSS call in flight', async () => {
    const lines = linesOf((await createGatewayMetrics({ csssTimeoutMs: 10_000, collectDefaultMetrics: false }).render()).body);
    expect(lines).toContain('csss_gateway_csss_breaker_state 0');
    expect(lines).toContain('csss_gateway_csss_calls_in_flight 0');
  });

  it.each([100, 2_500, 10_000, 600_000])('has a largest finite duration bucket above a %i ms deadline', async (csssTimeoutMs) => {
    const metrics = createGatewayMetrics({ csssTimeoutMs, collectDefaultMetrics: false });
    const body = (await metrics.render()).body;
    expect(largestFiniteBucket(body, 'csss_gateway_csss_call_duration_seconds')).toBeGreaterThan(csssTimeoutMs / 1000);
  });

  it('places duration buckets from 5 ms through the deadline to one and a half times it', () => {
    expect(csssCallDurationBuckets(10_000)).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15]);
    expect(csssCallDurationBuckets(100)).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.15]);
    expect(() => csssCallDurationBuckets(0)).toThrow(RangeError);
  });

  it('labels odd operation names as other and caps the number of distinct names', async () => {
    const metrics = createGatewayMetrics({ csssTimeoutMs: 10_000, collectDefaultMetrics: false });
    metrics.countGraphqlRequest('89852202101130001670', 'ok');
    metrics.countGraphqlRequest('has space', 'ok');
    metrics.countGraphqlRequest('quote"and\\slash', 'ok');
    metrics.countGraphqlRequest(`A${'b'.repeat(64)}`, 'ok');
    for (let index = 0; index < MAX_OPERATION_NAMES + 20; index++) metrics.countGraphqlRequest(`Operation${index}`, 'ok');
    // A name seen before the cap keeps its own label afterwards.
    metrics.countGraphqlRequest('Operation0', 'ok');

    const lines = linesOf((await metrics.render()).body);
    const series = lines.filter((line) => line.startsWith('csss_gateway_graphql_requests_total{'));
    expect(series).toHaveLength(MAX_OPERATION_NAMES + 1);
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="Operation0",outcome="ok"} 2');
    expect(lines).toContain(`csss_gateway_graphql_requests_total{operation="Operation${MAX_OPERATION_NAMES - 1}",outcome="ok"} 1`);
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="other",outcome="ok"} 24');
    expect(lines.join('\n')).not.toContain('89852202101130001670');
  });

  it('labels an unknown outcome as other', async () => {
    const metrics = createGatewayMetrics({ csssTimeoutMs: 10_000, collectDefaultMetrics: false });
    metrics.countGraphqlRequest('CreateOrder', 'SOMETHING_NEW');
    metrics.countGraphqlRequest('CreateOrder', 'ok ');
    metrics.countOrderOutcome('89852202101130001670');
    metrics.countOrderOutcome('GRAPHQL_PARSE_FAILED');

    const body = (await metrics.render()).body;
    const lines = linesOf(body);
    expect(lines).toContain('csss_gateway_graphql_requests_total{operation="CreateOrder",outcome="other"} 2');
    expect(lines).toContain('csss_gateway_order_outcomes_total{outcome="other"} 1');
    expect(lines).toContain('csss_gateway_order_outcomes_total{outcome="GRAPHQL_PARSE_FAILED"} 1');
    expect(body).not.toContain('SOMETHING_NEW');
    expect(body).not.toContain('89852202101130001670');
  });

  it('keeps every code a response can carry as its own outcome label', async () => {
    const metrics = createGatewayMetrics({ csssTimeoutMs: 10_000, collectDefaultMetrics: false });
    const codes = [...Object.values(GATEWAY_ERROR_CODES), ...REQUEST_ERROR_CODES];
    for (const code of codes) metrics.countGraphqlRequest('CreateOrder', code);

    const lines = linesOf((await metrics.render()).body);
    for (const code of new Set(codes)) {
      const count = codes.filter((each) => each === code).length;
      expect(lines).toContain(`csss_gateway_graphql_requests_total{operation="CreateOrder",outcome="${code}"} ${count}`);
    }
    expect(lines.some((line) => line.includes('outcome="other"'))).toBe(false);
  });

  it('includes process metrics under the gateway prefix by default', async () => {
    const body = (await createGatewayMetrics({ csssTimeoutMs: 10_000 }).render()).body;
    expect(body).toMatch(/^csss_gateway_nodejs_eventloop_lag_seconds \d/m);
    expect(body).toMatch(/^csss_gateway_nodejs_heap_size_used_bytes \d/m);
    expect(body).toMatch(/^csss_gateway_process_resident_memory_bytes \d/m);
    expect(body).toContain('# TYPE csss_gateway_nodejs_gc_duration_seconds histogram');
  });

  it('leaves process metrics out when asked to', async () => {
    const body = (await createGatewayMetrics({ csssTimeoutMs: 10_000, collectDefaultMetrics: false }).render()).body;
    expect(body).not.toContain('nodejs_');
    expect(body).not.toContain('process_');
  });

  it('keeps two instances apart, each with its own registry and counts', async () => {
    const first = createGatewayMetrics({ csssTimeoutMs: 10_000 });
    const second = createGatewayMetrics({ csssTimeoutMs: 2_000 });
    first.countOrderOutcome('ok');
    first.countOrderOutcome('ok');
    second.countOrderOutcome('ok');

    expect(first.registry).not.toBe(second.registry);
    expect(linesOf((await first.render()).body)).toContain('csss_gateway_order_outcomes_total{outcome="ok"} 2');
    const secondBody = (await second.render()).body;
    expect(linesOf(secondBody)).toContain('csss_gateway_order_outcomes_total{outcome="ok"} 1');
    expect(largestFiniteBucket(secondBody, 'csss_gateway_csss_call_duration_seconds')).toBe(3);
  });
});
