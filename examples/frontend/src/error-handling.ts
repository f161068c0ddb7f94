import type { GatewayError } from './gateway-error.js';

/** What to do after an error: resend the same order with the same key, stop, or ask the journal. */
export type NextStep = 'retry-same-key' | 'give-up' | 'look-up';

export interface ErrorHandling {
  next: NextStep;
  /** What to tell the person, in one sentence. */
  message: string;
}

/**
 * The one place that decides what each error code means for this app: what to do next and
 * what to say. Exhaustive: a new code in the schema fails type-checking here, so no code is
 * ever handled by accident.
 */
export function handlingOf(error: GatewayError): ErrorHandling {
  const code = error.code;
  switch (code) {
    // Nothing reached CSSS, or the first call is still running: the same key is safe to resend.
    case 'CSSS_UNAVAILABLE':
      return {
        next: 'retry-same-key',
        message: 'The operator network could not be reached; nothing was ordered. Retrying with the same key is safe.',
      };
    case 'SERVICE_UNAVAILABLE':
      return {
        next: 'retry-same-key',
        message: 'The gateway is busy or restarting; nothing was ordered. Retrying with the same key is safe.',
      };
    case 'IDEMPOTENCY_KEY_IN_PROGRESS':
      return { next: 'retry-same-key', message: 'This order is still being sent; wait, then look it up or retry with the same key.' };
    case 'RATE_LIMITED':
      return { next: 'retry-same-key', message: `Too many orders at once; retry in ${error.retryAfterSeconds ?? 1} s with the same key.` };
    // CSSS may have placed it; the gateway will never resend it under this key.
    case 'CSSS_OUTCOME_UNKNOWN':
    case 'INTERNAL_SERVER_ERROR':
      return { next: 'look-up', message: 'Whether the order was placed is not known yet; look it up with its key before ordering again.' };
    // A fixed answer: retrying the same order cannot change it.
    case 'BAD_USER_INPUT':
      return { next: 'give-up', message: 'Some fields need fixing; each problem is shown beside its field.' };
    case 'CSSS_REJECTED':
      return {
        next: 'give-up',
        message: `The operator refused the order: ${error.csss?.message ?? error.message} (code ${error.csss?.code ?? 'unknown'}).`,
      };
    case 'IDEMPOTENCY_KEY_REUSED':
      return { next: 'give-up', message: 'This order changed after it was sent under its key; place it as a new order.' };
    case 'UNAUTHENTICATED':
      return { next: 'give-up', message: 'Your sign-in has expired or is missing; sign in again.' };
    case 'FORBIDDEN':
      return { next: 'give-up', message: 'Your account may not place orders.' };
    // The app and the gateway disagree: a bug or a deployment to fix, not something the person can change.
    case 'OPERATION_NOT_TRUSTED':
    case 'PERSISTED_QUERY_NOT_FOUND':
    case 'PERSISTED_QUERY_NOT_SUPPORTED':
    case 'GRAPHQL_PARSE_FAILED':
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'OPERATION_RESOLUTION_FAILURE':
    case 'BAD_REQUEST':
      return {
        next: 'give-up',
        message: `This app and the gateway disagree (${code}); report it with request id ${error.requestId ?? 'unknown'}.`,
      };
    default: {
      const unhandled: never = code;
      throw new Error(`unhandled error code ${String(unhandled)}`);
    }
  }
}
