/**
 * The closed set of failures the CSSS client reports. They know HTTP and CSSS, not
 * GraphQL; the orders service turns them into domain errors. No message here ever
 * carries the request body, the secret or a sign.
 */

/** CSSS answered with its envelope, but with a non-success `code` or `success: false`. */
export class CsssRejectedError extends Error {
  override readonly name = 'CsssRejectedError';
  constructor(
    readonly csssCode: string,
    readonly csssMessage: string,
  ) {
    super(`CSSS rejected the request with code ${csssCode}`);
  }
}

/** The request never reached CSSS (refused, DNS failure, connect timeout): nothing was ordered. */
export class CsssUnavailableError extends Error {
  override readonly name = 'CsssUnavailableError';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`CSSS could not be reached: ${reason}`, options);
  }
}

/**
 * The request may have reached CSSS but no valid answer came back (timeout after
 * sending, reset, non-2xx, a body that is not the envelope): an order may exist.
 */
export class CsssOutcomeUnknownError extends Error {
  override readonly name = 'CsssOutcomeUnknownError';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown; statusCode?: number },
  ) {
    super(`CSSS outcome unknown: ${reason}`, options);
    this.statusCode = options?.statusCode;
  }
  readonly statusCode: number | undefined;
}

export type CsssError = CsssRejectedError | CsssUnavailableError | CsssOutcomeUnknownError;
