import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTracing, withSpan } from '../../src/observability/tracing.js';
import type { Tracing } from '../../src/observability/tracing.js';
import { attribute, exportedSpans, spanNamed, startCollector, type OtlpTraceRequest } from '../support/otlp-collector.js';

describe('tracing', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let tracing: Tracing | undefined;

  beforeEach(async () => {
    collector = await startCollector();
  });

  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
    await collector.close();
  });

  it('exports a parent span and its child to the collector as OTLP JSON when shut down', async () => {
    tracing = await startTracing({ endpoint: collector.url, serviceName: 'gateway-under-test' });
    const { tracer } = tracing;

    const result = await withSpan(tracer, 'graphql.request', { 'graphql.operation.name': 'CreateOrder' }, async () =>
      withSpan(tracer, 'csss.createOtaOrder', {}, async (span) => {
        expect(span.isRecording()).toBe(true);
        return 'done';
      }),
    );
    expect(result).toBe('done');
    await tracing.shutdown();

    expect(collector.received.length).toBeGreaterThan(0);
    for (const entry of collector.received) {
      expect(entry.method).toBe('POST');
      expect(entry.path).toBe('/v1/traces');
      expect(entry.contentType).toMatch(/^application\/json/);
    }
    const spans = exportedSpans(collector.received);
    const parent = spanNamed(spans, 'graphql.request');
    const child = spanNamed(spans, 'csss.createOtaOrder');
    expect(child.traceId).toBe(parent.traceId);
    expect(child.parentSpanId).toBe(parent.spanId);
    expect(attribute(parent.attributes, 'graphql.operation.name')).toEqual({ stringValue: 'CreateOrder' });

    const request = JSON.parse(collector.received[0]!.body) as OtlpTraceRequest;
    expect(attribute(request.resourceSpans[0]!.resource.attributes, 'service.name')).toEqual({ stringValue: 'gateway-under-test' });
  });

  it('marks a failed span as an error with the error type but not its message, and rethrows', async () => {
    tracing = await startTracing({ endpoint: collector.url });
    class OrderRejectedError extends Error {
      override readonly name = 'OrderRejectedError';
    }
    const failure = new OrderRejectedError('device 89852202101130001670 is not known');

    await expect(
      withSpan(tracing.tracer, 'orders.create', {}, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    await tracing.shutdown();

    const span = spanNamed(exportedSpans(collector.received), 'orders.create');
    expect(span.status.code).toBe(2);
    const exception = span.events.find((event) => event.name === 'exception');
    expect(exception && attribute(exception.attributes, 'exception.type')).toEqual({ stringValue: 'OrderRejectedError' });
    expect(collector.received.map((entry) => entry.body).join('')).not.toContain('89852202101130001670');
  });

  it.each([
    ['a base URL', '', '/v1/traces'],
    ['a URL already ending in /v1/traces', '/v1/traces', '/v1/traces'],
    ['a base URL with a path and a trailing slash', '/otlp/', '/otlp/v1/traces'],
  ])('posts to the traces path when the endpoint is %s', async (_case, suffix, expectedPath) => {
    tracing = await startTracing({ endpoint: `${collector.url}${suffix}` });
    await withSpan(tracing.tracer, 'probe', {}, async () => undefined);
    await tracing.shutdown();

    expect(collector.received.map((entry) => entry.path)).toEqual([expectedPath]);
  });

  it('can be started again after a shutdown', async () => {
    await (await startTracing({ endpoint: collector.url })).shutdown();
    tracing = await startTracing({ endpoint: collector.url });
    await withSpan(tracing.tracer, 'second-run', {}, async () => undefined);
    await tracing.shutdown();

    expect(exportedSpans(collector.received).map((span) => span.name)).toEqual(['second-run']);
  });

  it('hands out non-recording spans and exports nothing without an endpoint', async () => {
    for (const endpoint of [undefined, '']) {
      const off = await startTracing({ endpoint });
      const span = off.tracer.startSpan('ignored');
      expect(span.isRecording()).toBe(false);
      span.end();
      await expect(withSpan(off.tracer, 'ignored', {}, async (inner) => inner.isRecording())).resolves.toBe(false);
      await expect(
        withSpan(off.tracer, 'ignored', {}, async () => {
          throw new Error('still thrown');
        }),
      ).rejects.toThrow('still thrown');
      await off.shutdown();
    }
    expect(collector.received).toEqual([]);
  });

  it('stays non-recording without an endpoint even while another provider is registered', async () => {
    tracing = await startTracing({ endpoint: collector.url });
    const off = await startTracing({ endpoint: undefined });
    expect(off.tracer.startSpan('ignored').isRecording()).toBe(false);
  });
});
