import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedExport {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string };
}

export interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: OtlpAttribute[];
  status: { code?: number };
  events: Array<{ name: string; attributes: OtlpAttribute[] }>;
}

export interface OtlpTraceRequest {
  resourceSpans: Array<{ resource: { attributes: OtlpAttribute[] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

/** A stand-in OTLP/HTTP collector that records every export it receives. */
export async function startCollector(): Promise<{ url: string; received: ReceivedExport[]; close(): Promise<void> }> {
  const received: ReceivedExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.setHeader('content-type', 'application/json');
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

export function exportedSpans(received: readonly ReceivedExport[]): OtlpSpan[] {
  return received.flatMap((entry) =>
    (JSON.parse(entry.body) as OtlpTraceRequest).resourceSpans.flatMap((resourceSpans) =>
      resourceSpans.scopeSpans.flatMap((scopeSpans) => scopeSpans.spans),
    ),
  );
}

export function spanNamed(spans: readonly OtlpSpan[], name: string): OtlpSpan {
  const span = spans.find((candidate) => candidate.name === name);
  if (span === undefined) throw new Error(`no span named ${name} among ${spans.map((candidate) => candidate.name).join(', ')}`);
  return span;
}

export function attribute(attributes: readonly OtlpAttribute[], key: string): OtlpAttribute['value'] | undefined {
  return attributes.find((candidate) => candidate.key === key)?.value;
}
