import { strict as assert } from 'node:assert';
import { gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { createGatewayClient } from './client.js';
import { gatewayErrorOf } from './gateway-error.js';
import { walkThroughOrder } from './walk-through-order.js';
import { placeOrder, type OrderOutcome } from './place-order.js';

/**
 * The same client code in Node (a server-side caller, or a script): walks through what a
 * caller meets, against a gateway on its embedded simulator, and fails (exit 1) if the
 * gateway answers anything else. CI runs it against a live gateway, beside the browser test.
 *   GATEWAY_URL        default http://localhost:4000/graphql
 *   GATEWAY_API_KEY    sent as X-Api-Key when set (a server may hold a key; a browser bundle may not)
 *   TRUSTED_DOCUMENTS  true: send operations by hash alone
 */
const url = process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql';
const apiKey = process.env.GATEWAY_API_KEY;
const client = createGatewayClient({
  url,
  trustedDocuments: process.env.TRUSTED_DOCUMENTS === 'true',
  headers: apiKey ? { 'x-api-key': apiKey } : {},
});

function show(step: string, outcome: OrderOutcome): void {
  console.log(`${step}: ${JSON.stringify(outcome)}`);
}

const first = walkThroughOrder();
const placed = await placeOrder(client, first);
show('a new order', placed);
assert(placed.kind === 'placed' && !placed.order.replayed && placed.order.orderId.startsWith('ORDER_'));

// The response was lost, say: sending the same key and order again cannot order twice.
const retried = await placeOrder(client, first);
show('the same order again, same key', retried);
assert(retried.kind === 'placed' && retried.order.replayed && retried.order.orderId === placed.order.orderId);

const rejected = await placeOrder(client, walkThroughOrder({ deviceId: '89860000000000000404' }));
show('an ICCID CSSS does not know', rejected);
assert(rejected.kind === 'refused' && rejected.error.code === 'CSSS_REJECTED' && rejected.error.csss?.code !== undefined);

const invalid = await placeOrder(client, walkThroughOrder({ deviceId: 'not-an-iccid' }));
show('a malformed ICCID', invalid);
assert(invalid.kind === 'refused' && invalid.error.code === 'BAD_USER_INPUT' && invalid.error.field === 'deviceId');

const reused = await placeOrder(client, { ...first, days: 30 });
show('a different order under a used key', reused);
assert(reused.kind === 'refused' && reused.error.code === 'IDEMPOTENCY_KEY_REUSED');

// CSSS answers HTTP 500: it may have placed the order, so the client looks it up instead of resending.
const unknown = await placeOrder(client, walkThroughOrder({ deviceId: '89860000000000000500' }));
show('CSSS failing mid-order', unknown);
assert(unknown.kind === 'unknown' && unknown.error?.code === 'CSSS_OUTCOME_UNKNOWN');

// A second tab sends the same order while the first call still waits on CSSS (which never
// answers this ICCID): IDEMPOTENCY_KEY_IN_PROGRESS is retried with the same key and a
// backoff; when the tries run out the client looks the key up, finds it still in flight,
// and reports the outcome as unknown. Nothing is ordered twice.
const slow = walkThroughOrder({ deviceId: '89860000000000000408' });
const firstTab = placeOrder(client, slow, { maxAttempts: 1 });
await new Promise((resolve) => setTimeout(resolve, 500));
const secondTab = await placeOrder(client, slow, { maxAttempts: 3, backoffMs: () => 200 });
show('the same order again while the first call is still running', secondTab);
assert(secondTab.kind === 'unknown' && secondTab.error?.code === 'IDEMPOTENCY_KEY_IN_PROGRESS');
const firstOutcome = await firstTab;
show('the first call, once CSSS timed out', firstOutcome);
assert(firstOutcome.kind === 'unknown' && firstOutcome.error?.code === 'CSSS_OUTCOME_UNKNOWN');

if (process.env.TRUSTED_DOCUMENTS === 'true') {
  // An operation outside the manifest, sent as text: refused with 400 before GraphQL runs,
  // surfaced by Apollo Client as a GraphQL error like every other code.
  const asText = createGatewayClient({ url, trustedDocuments: false, headers: apiKey ? { 'x-api-key': apiKey } : {} });
  const untrusted = await asText.query({ query: gql('query NotInTheManifest { ordersSimulated }') }).then(
    () => undefined,
    (error: unknown) => error,
  );
  console.log(`an operation outside the manifest: ${JSON.stringify(gatewayErrorOf(untrusted) ?? String(untrusted))}`);
  assert(CombinedGraphQLErrors.is(untrusted) && gatewayErrorOf(untrusted)?.code === 'OPERATION_NOT_TRUSTED');
}

console.log('frontend example: every case answered as expected');
