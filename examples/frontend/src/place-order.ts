import type { ApolloClient } from '@apollo/client';
import type { CreateOtaOrderInput, PlaceOtaOrderMutation } from './gql/graphql.js';
import { handlingOf } from './error-handling.js';
import { gatewayErrorOf, type GatewayError } from './gateway-error.js';
import { lookUpAttempt } from './look-up-attempt.js';
import { PlaceOtaOrder } from './operations.js';

export type PlacedOrder = PlaceOtaOrderMutation['createOtaOrder'];

/** What became of one order, for the UI to show. */
export type OrderOutcome =
  | { kind: 'placed'; order: PlacedOrder; attempts: number }
  /** Nothing was ordered; `error` says why, and what to change before trying a new order. */
  | { kind: 'refused'; error: GatewayError }
  /** Nothing was ordered yet (the retries ran out on refusals that sent nothing): try again later with the same key. */
  | { kind: 'not-placed'; idempotencyKey: string; error?: GatewayError }
  /** Ordered or not is not known yet: look again later with the same key (otaOrderAttempt). */
  | { kind: 'unknown'; idempotencyKey: string; error?: GatewayError }
  /**
   * The gateway never answered (offline, gateway down, CORS refused): the order may or may
   * not have arrived. Retry with the same key once the network is back; that cannot order twice.
   */
  | { kind: 'network'; idempotencyKey: string; message: string };

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
 * for (for example when the form is submitted), not once per call. Never throws for
 * anything the gateway or the network does: every case is an outcome.
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
      const step = gatewayError ? handlingOf(gatewayError).next : 'retry-same-key';
      last = gatewayError;
      if (step === 'give-up' && gatewayError) return { kind: 'refused', error: gatewayError };
      if (step === 'look-up') return outcomeOfKey(client, input.idempotencyKey, gatewayError);
      if (attempt < maxAttempts)
        await sleep(gatewayError?.retryAfterSeconds !== undefined ? gatewayError.retryAfterSeconds * 1000 : backoffMs(attempt));
    }
  }
  return outcomeOfKey(client, input.idempotencyKey, last);
}

/** After an unknown outcome, or when the retries ran out: what the gateway's journal knows about the key. */
async function outcomeOfKey(client: ApolloClient, idempotencyKey: string, error: GatewayError | undefined): Promise<OrderOutcome> {
  const found = await lookUpAttempt(client, idempotencyKey);
  switch (found.kind) {
    case 'network':
      return { kind: 'network', idempotencyKey, message: found.message };
    case 'refused':
      return { kind: 'unknown', idempotencyKey, error: error ?? found.error };
    case 'never-used':
      // No attempt journaled: nothing was ordered.
      return { kind: 'not-placed', idempotencyKey, error };
    case 'found': {
      const { attempt } = found;
      if (attempt.status === 'SUCCEEDED' && attempt.order) return { kind: 'placed', order: attempt.order, attempts: 0 };
      // The last attempt never reached CSSS: nothing was ordered.
      if (attempt.status === 'NOT_SENT') return { kind: 'not-placed', idempotencyKey, error };
      return { kind: 'unknown', idempotencyKey, error };
    }
  }
}
