import { CsssOutcomeUnknownError, CsssRejectedError, CsssUnavailableError } from './csss.errors.js';
import type { CsssError } from './csss.errors.js';

/**
 * Error codes that only arise before a connection to CSSS exists, so the request was
 * certainly never sent. Anything else, including ETIMEDOUT and ECONNRESET, can also happen
 * on a connection that already carries the request.
 */
const CONNECT_PHASE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  // The dispatcher is closing: undici refuses the call before dispatching it.
  'UND_ERR_CLOSED',
  // Certificate checks fail during the TLS handshake, before any HTTP byte is written.
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/**
 * Route failures: before sending when the `connect` call reports them, but Linux also
 * reports them on a socket that is already connected (and may already have carried the
 * order), so they count as "never sent" only with `syscall: 'connect'`.
 */
const ROUTE_CODES: ReadonlySet<string> = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);

/**
 * The one place that turns whatever a call threw into the closed set of csss.errors.ts.
 * Errors already in the set pass through; a failure is "unavailable" only when its code
 * proves the connect never succeeded, because that answer invites a retry, and a retry
 * of a request that did reach CSSS could order twice.
 */
export function toCsssError(error: unknown): CsssError {
  if (error instanceof CsssRejectedError || error instanceof CsssUnavailableError || error instanceof CsssOutcomeUnknownError) {
    return error;
  }
  const connectCode = connectPhaseCode(error);
  if (connectCode !== undefined) {
    return new CsssUnavailableError(`connect failed (${connectCode})`, { cause: error });
  }
  return new CsssOutcomeUnknownError(describeTransportFailure(error), { cause: error });
}

/**
 * undici rejects with the socket's own error on a failed connect (`code` ECONNREFUSED,
 * ENOTFOUND, …), with a ConnectTimeoutError for its connect timeout, and Node's
 * happy-eyeballs connect may wrap several attempts in an AggregateError. A wrapper without
 * a code of its own (such as fetch's TypeError) is looked through via `cause`.
 */
function connectPhaseCode(error: unknown, depth = 0): string | undefined {
  if (depth > 3 || typeof error !== 'object' || error === null) return undefined;
  if (error instanceof AggregateError && error.errors.length > 0) {
    const codes = error.errors.map((inner: unknown) => connectPhaseCode(inner, depth + 1));
    return codes.every((inner) => inner !== undefined) ? codes[0] : undefined;
  }
  const code = errorCode(error);
  if (code !== undefined) {
    if (CONNECT_PHASE_CODES.has(code)) return code;
    return ROUTE_CODES.has(code) && (error as { syscall?: unknown }).syscall === 'connect' ? code : undefined;
  }
  return connectPhaseCode((error as { cause?: unknown }).cause, depth + 1);
}

function describeTransportFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'deadline passed';
  }
  const code = typeof error === 'object' && error !== null ? errorCode(error) : undefined;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'deadline passed';
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection closed before the answer was complete (${code})`;
    case undefined:
      return 'transport failure';
    default:
      return `transport failure (${code})`;
  }
}

/** A code fit to quote in a message: Node and undici codes are short upper-case words. */
function errorCode(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : undefined;
}
