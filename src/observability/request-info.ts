import type { Logger } from '../logger.js';

/**
 * What one HTTP request carries through the layers for observability: created at the
 * request's edge (src/request), handed to the GraphQL context, and from there to the CSSS
 * call. Passed explicitly rather than through AsyncLocalStorage, whose promise hooks cost
 * every request several percent of throughput.
 */
export interface RequestInfo {
  requestId: string;
  /** Milliseconds spent waiting for CSSS in this request, for its log line. */
  csssMs: number;
  /** The gateway's logger with this request's id on every line: log calls never pass it. */
  readonly logger: Logger;
}
