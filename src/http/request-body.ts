import type { IncomingMessage } from 'node:http';
import { MAX_REQUEST_BODY_BYTES } from './http-timeouts-and-caps.js';

export class RequestBodyTooLargeError extends Error {}
export class RequestBodyNotUtf8Error extends Error {}
export class RequestBodyIdleError extends Error {}
/** The client closed the connection before its body was complete: nobody is left to answer. */
export class RequestBodyAbortedError extends Error {}

/**
 * Strict: a body with bytes that are not UTF-8 is refused rather than read with U+FFFD in
 * their place, which would place an order with text the caller never sent. The BOM is kept
 * (and then fails JSON parsing) as it did before.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Whether a request says it carries a body (a length above zero, or chunked). */
export function declaresBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/**
 * Reads a JSON body when the request declares one; other bodies are left to Apollo's
 * checks. A JSON body that does not parse is a SyntaxError.
 */
export async function readJsonBody(request: IncomingMessage, idleTimeoutMs: number): Promise<unknown> {
  const text = await readBodyText(request, idleTimeoutMs);
  if (text === '') return undefined;
  const contentType = request.headers['content-type'] ?? '';
  // Apollo's CSRF prevention and content-type checks decide what to do with other types.
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType) ? JSON.parse(text) : text;
}

/**
 * The body as text, at most MAX_REQUEST_BODY_BYTES. A pause longer than `idleTimeoutMs`
 * between chunks fails it (node:http's request timeout bounds the whole body).
 */
function readBodyText(request: IncomingMessage, idleTimeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const idleTimer = setTimeout(stalled, idleTimeoutMs);
    function collect(chunk: Buffer): void {
      idleTimer.refresh();
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) tooLarge();
      else chunks.push(chunk);
    }
    function stop(): void {
      clearTimeout(idleTimer);
      request.off('data', collect);
    }
    function stalled(): void {
      stop();
      reject(new RequestBodyIdleError());
    }
    function tooLarge(): void {
      stop();
      // Keep draining without storing so the 413 can still be written on this socket.
      request.resume();
      reject(new RequestBodyTooLargeError());
    }
    if (Number(request.headers['content-length'] ?? 0) > MAX_REQUEST_BODY_BYTES) {
      tooLarge();
      return;
    }
    request.on('data', collect);
    request.once('end', () => {
      clearTimeout(idleTimer);
      try {
        resolve(UTF8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new RequestBodyNotUtf8Error());
      }
    });
    request.once('error', () => {
      // node:http fails the request only when its connection ends before the body did.
      stop();
      reject(new RequestBodyAbortedError());
    });
  });
}
