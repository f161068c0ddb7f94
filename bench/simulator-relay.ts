/**
 * Passing one request on to the CSSS simulator and reading its whole answer, for the bench's
 * fronts that stand before it: the slow scenario's front answers later, the cheap upstream
 * decides per request whether to ask the simulator at all.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pool } from 'undici';

/** Headers the simulator reads; everything else (hop-by-hop ones included) stays behind. */
const FORWARDED_HEADERS = ['content-type', 'accept', 'accept-language'] as const;

export interface RelayedAnswer {
  statusCode: number;
  contentType: string | undefined;
  body: Buffer;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Sends `request` to the simulator behind `pool` (POST with its body, anything else as a GET) and reads the answer. */
export async function relayToSimulator(pool: Pool, request: IncomingMessage): Promise<RelayedAnswer> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const upstream = await pool.request({
    path: request.url ?? '/',
    method: request.method === 'POST' ? 'POST' : 'GET',
    headers,
    body: request.method === 'POST' ? await readBody(request) : null,
  });
  const body = Buffer.from(await upstream.body.arrayBuffer());
  const contentType = upstream.headers['content-type'];
  return { statusCode: upstream.statusCode, contentType: typeof contentType === 'string' ? contentType : undefined, body };
}

export function sendRelayed(response: ServerResponse, answer: RelayedAnswer): void {
  response.writeHead(answer.statusCode, answer.contentType === undefined ? {} : { 'content-type': answer.contentType });
  response.end(answer.body);
}

/** A relay that failed (the simulator gone, the caller gone): a 502 when nothing was sent yet, else the socket is dropped. */
export function failRelay(response: ServerResponse): void {
  if (!response.headersSent) response.writeHead(502).end();
  else response.destroy();
}
