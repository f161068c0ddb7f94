import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPGraphQLResponse } from '@apollo/server';
import type { Logger } from '../logger.js';
import type { RequestInfo } from '../observability/request-info.js';

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

/** Starts a request's edge: its id (also on the response's `x-request-id`), timings and logger. */
export function beginRequest(request: IncomingMessage, response: ServerResponse, logger: Logger): RequestInfo {
  const requestInfo = createRequestInfo(resolveRequestId(request.headers[REQUEST_ID_HEADER]), logger);
  response.setHeader(REQUEST_ID_HEADER, requestInfo.requestId);
  return requestInfo;
}

/**
 * A request's id, timings and logger. The child logger is made on first use: pino
 * serializes its bindings once, then every line of the request carries `requestId`.
 */
export function createRequestInfo(requestId: string, logger: Logger): RequestInfo {
  let child: Logger | undefined;
  return {
    requestId,
    csssMs: 0,
    get logger() {
      return (child ??= logger.child({ requestId }));
    },
  };
}

/**
 * Errors with the request id in their `extensions`, for answers Apollo wrote: those of
 * the request observability plugin, and Apollo's refusals before any plugin runs.
 */
export function withRequestId<T extends { extensions?: Record<string, unknown> | undefined }>(
  errors: readonly T[],
  requestId: string,
): T[] {
  return errors.map((error) => ({ ...error, extensions: { ...error.extensions, requestId } }));
}

/**
 * Apollo refuses some requests (CSRF, batches, GET mutations) before any plugin runs, so
 * their errors lack the request id every other error carries; it is added here. Only
 * refusals are parsed again, never a normal answer.
 */
export function withRequestIdInRefusal(result: HTTPGraphQLResponse, requestId: string): HTTPGraphQLResponse {
  if ((result.status ?? 200) < 400 || result.body.kind !== 'complete') return result;
  let payload: { errors?: Array<{ extensions?: Record<string, unknown> }> };
  try {
    payload = JSON.parse(result.body.string) as typeof payload;
  } catch {
    return result;
  }
  if (!Array.isArray(payload.errors) || payload.errors.every((error) => error.extensions?.requestId !== undefined)) return result;
  payload.errors = withRequestId(payload.errors, requestId);
  return { ...result, body: { kind: 'complete', string: JSON.stringify(payload) } };
}
