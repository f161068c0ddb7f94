import type { IncomingMessage, ServerResponse } from 'node:http';

/** The simulator's HTTP plumbing: reading a capped body and writing a whole answer. */

/** The content type CSSS answers its envelope with. */
export const ENVELOPE_CONTENT_TYPE = 'application/json;charset=UTF-8';

/**
 * Reads the whole body but keeps at most maxBytes of it, so an oversized request is
 * still answered with an envelope instead of a reset the client would misread.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    const room = maxBytes - kept;
    if (chunk.length > room) tooLarge = true;
    if (room > 0) {
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(piece);
      kept += piece.length;
    }
  }
  return { bytes: Buffer.concat(chunks), tooLarge };
}

export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, ENVELOPE_CONTENT_TYPE, Buffer.from(JSON.stringify(body), 'utf8'));
}

export function send(res: ServerResponse, status: number, contentType: string, payload: Buffer): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': payload.length });
  res.end(payload);
}
