/**
 * How slowly, and how many at once, clients may send. They suit a 64 KiB order: a slow
 * mobile link sends one in a few seconds, while an anonymous client trickling bytes can
 * hold a connection only this long.
 */
export interface HttpLimits {
  /** From connection (or the previous request) until the request's headers are complete. */
  headersTimeoutMs: number;
  /** Longest pause between two chunks of a request body. */
  bodyIdleTimeoutMs: number;
  /** From the first byte until the whole request (headers and body) has arrived. */
  requestTimeoutMs: number;
  /** Open connections beyond which new ones are closed at once. */
  maxConnections: number;
}

/** The HTTP_* settings unless set (see docs/security.md). */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  bodyIdleTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  maxConnections: 1_000,
};
