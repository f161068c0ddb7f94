import type { ApolloClient } from '@apollo/client';
import type { OtaOrderAttemptByKeyQuery } from './gql/graphql.js';
import { gatewayErrorOf, type GatewayError } from './gateway-error.js';
import { OtaOrderAttemptByKey } from './operations.js';

export type OrderAttempt = NonNullable<OtaOrderAttemptByKeyQuery['otaOrderAttempt']>;

/** What the gateway's journal knows about one idempotency key. */
export type LookUpResult =
  | { kind: 'found'; attempt: OrderAttempt }
  /** This client never sent an order under the key. */
  | { kind: 'never-used' }
  | { kind: 'refused'; error: GatewayError }
  /** No answer at all: the gateway could not be reached. */
  | { kind: 'network'; message: string };

export async function lookUpAttempt(client: ApolloClient, idempotencyKey: string): Promise<LookUpResult> {
  try {
    const { data } = await client.query({ query: OtaOrderAttemptByKey, variables: { idempotencyKey } });
    const attempt = data?.otaOrderAttempt;
    return attempt ? { kind: 'found', attempt } : { kind: 'never-used' };
  } catch (error) {
    const gatewayError = gatewayErrorOf(error);
    if (gatewayError) return { kind: 'refused', error: gatewayError };
    return { kind: 'network', message: error instanceof Error ? error.message : String(error) };
  }
}
