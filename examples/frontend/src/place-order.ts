import type { ApolloClient } from '@apollo/client';
import type { ErrorCode } from './gql/error-code.js';
import type { CreateOtaOrderInput, PlaceOtaOrderMutation } from './gql/graphql.js';
import { gatewayErrorOf, type GatewayError } from './gateway-error.js';
import { OtaOrderAttemptByKey, PlaceOtaOrder } from './operations.js';

export type PlacedOrder = PlaceOtaOrderMutation['createOtaOrder'];

/** What became of one order, for the UI to show. */
export type OrderOutcome =
  | { kind: 'placed'; order: PlacedOrder; attempts: number }
  /** Nothing was ordered; `error` says why, and what to change before trying a new order. */
  | { kind: 'refused'; error: GatewayError }
  /** Nothing was ordered yet (the retries ran out on refusals that sent nothing): try again later with the same key. */
  | { kind: 'not-placed'; idempotencyKey: string; error?: GatewayError }
  /** Ordered or not is not known yet: look again later with the same key (otaOrderAttempt). */
  | { kind: 'unknown'; idempotencyKey: string; error?: GatewayError };

/** What to do after each error code. Exhaustive: a new code in the schema fails type-checking here. */
type NextStep = 'retry-same-key' | 'give-up' | 'look-up';

export function nextStepFor(code: ErrorCode): NextStep {
  switch (code) {
    // Nothing reached CSSS, or the first call is still running: the same key is safe to resend.
    case 'CSSS_UNAVAILABLE':
    case 'SERVICE_UNAVAILABLE':
    case 'IDEMPOTENCY_KEY_IN_PROGRESS':
    case 'RATE_LIMITED':
      return 'retry-same-key';
    // CSSS may have placed it; the gateway will never resend it under this key.
    case 'CSSS_OUTCOME_UNKNOWN':
    case 'INTERNAL_SERVER_ERROR':
      return 'look-up';
    // A fixed answer: retrying the same order cannot change it.
    case 'BAD_USER_INPUT':
    case 'CSSS_REJECTED':
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
    case 'OPERATION_NOT_TRUSTED':
    case 'GRAPHQL_PARSE_FAILED':
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'BAD_REQUEST':
    case 'OPERATION_RESOLUTION_FAILURE':
    case 'PERSISTED_QUERY_NOT_FOUND':
    case 'PERSISTED_QUERY_NOT_SUPPORTED':
      return 'give-up';
    default: {
      const unhandled: never = code;
      throw new Error(`unhandled error code ${String(unhandled)}`);
    }
  }
}

export interface PlaceOrderOptions {
  /** Tries in all, the first included. */
  maxAttempts?: number;
  /** Wait before retry `attempt` (1-based) when the gateway gives no Retry-After. */
  backoffMs?: (attempt: number) => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Places one order, retrying only where that is safe, always with the same idempotencyKey:
 * the gateway then answers a retry of an order it already placed with that order
 * (`replayed: true`) instead of ordering twice. Make the key once per order the user asked
 * for (for example when the form is submitted), not once per call.
 */
export async function placeOrder(client: ApolloClient, input: CreateOtaOrderInput, options: PlaceOrderOptions = {}): Promise<OrderOutcome> {
  const maxAttempts = options.maxAttempts ?? 4;
  const backoffMs = options.backoffMs ?? ((attempt) => 250 * 2 ** (attempt - 1));
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last: GatewayError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const { data } = await client.mutate({ mutation: PlaceOtaOrder, variables: { input } });
      if (!data) throw new Error('the gateway answered without data or errors');
      return { kind: 'placed', order: data.createOtaOrder, attempts: attempt };
    } catch (error) {
      const gatewayError = gatewayErrorOf(error);
      // No answer at all (network down, timeout): the order may or may not have arrived,
      // and resending the same key is exactly what makes that safe.
      const step = gatewayError ? nextStepFor(gatewayError.code) : 'retry-same-key';
      last = gatewayError;
      if (step === 'give-up' && gatewayError) return { kind: 'refused', error: gatewayError };
      if (step === 'look-up') return lookUp(client, input.idempotencyKey, gatewayError);
      if (attempt < maxAttempts)
        await sleep(gatewayError?.retryAfterSeconds !== undefined ? gatewayError.retryAfterSeconds * 1000 : backoffMs(attempt));
    }
  }
  return lookUp(client, input.idempotencyKey, last);
}

/** After an unknown outcome, or when the retries ran out: what the gateway's journal knows about the key. */
async function lookUp(client: ApolloClient, idempotencyKey: string, error: GatewayError | undefined): Promise<OrderOutcome> {
  const { data } = await client.query({ query: OtaOrderAttemptByKey, variables: { idempotencyKey } });
  const attempt = data?.otaOrderAttempt;
  if (attempt?.status === 'SUCCEEDED' && attempt.order) {
    return { kind: 'placed', order: attempt.order, attempts: 0 };
  }
  // No attempt journaled, or the last one never reached CSSS: nothing was ordered.
  if (!attempt || attempt.status === 'NOT_SENT') return { kind: 'not-placed', idempotencyKey, error };
  return { kind: 'unknown', idempotencyKey, error };
}
