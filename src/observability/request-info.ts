/**
 * What one HTTP request carries through the layers for observability: created by the
 * HTTP server, handed to the GraphQL context, and from there to the CSSS call. Passed
 * explicitly rather than through AsyncLocalStorage, whose promise hooks cost every
 * request several percent of throughput.
 */
export interface RequestInfo {
  requestId: string;
  /** Milliseconds spent waiting for CSSS in this request, for its log line. */
  csssMs: number;
}
