/**
 * How slowly, how much and how many at once clients may send: the HTTP listeners'
 * timeouts, body cap and connection cap (not the per-client rate limits of `rate-limits/`, nor
 * the operation complexity rules of `graphql/operation-complexity.rules.ts`). They suit a
 * 64 KiB order: a slow mobile link sends one in a few seconds, while an anonymous client
 * trickling bytes can hold a connection only this long.
 */
export interface HttpTimeoutsAndCaps {
  /** From connection (or the previous request) until the request's headers are complete. */
  headersTimeoutMs: number;
  /** Longest pause between two chunks of a request body. */
  bodyIdleTimeoutMs: number;
  /** From the first byte until the whole request (headers and body) has arrived. */
  requestTimeoutMs: number;
  /** Open connections beyond which new ones are answered 503 and closed. */
  maxConnections: number;
}

/** The HTTP_* settings unless set (see docs/security.md). */
export const DEFAULT_HTTP_TIMEOUTS_AND_CAPS: HttpTimeoutsAndCaps = {
  headersTimeoutMs: 10_000,
  bodyIdleTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  maxConnections: 1_000,
};

/** Far above any real order; refusing larger bodies early keeps memory per request small. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;
