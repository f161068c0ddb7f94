import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

// Only characters that are safe to write into a log line and to echo in a response header.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id that ties one request's logs, spans and response together: the caller's
 * `X-Request-Id` when it is 1–128 characters of `A-Z a-z 0-9 . _ : -`, else a fresh UUID.
 * A repeated header (an array) is not trusted either.
 */
export function resolveRequestId(header: string | readonly string[] | undefined): string {
  return typeof header === 'string' && ACCEPTABLE_REQUEST_ID.test(header) ? header : randomUUID();
}
