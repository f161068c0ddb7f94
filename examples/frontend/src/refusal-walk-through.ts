import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import type { ApolloClient } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { createGatewayClient } from './client.js';
import { handlingOf, type NextStep } from './error-handling.js';
import { gatewayErrorOf } from './gateway-error.js';
import type { ErrorCode } from './gql/error-code.js';
import type { CreateOtaOrderInput } from './gql/graphql.js';
import { OtaOrderAttemptByKey, PlaceOtaOrder } from './operations.js';
import { walkThroughOrder } from './walk-through-order.js';
import { placeOrder } from './place-order.js';

/**
 * What the example's own Apollo Client surfaces when the gateway answers with an error
 * status, most of them refusals before GraphQL runs (connection cap, credentials, body
 * size, header size, request limit), and that the one reading function (gatewayErrorOf,
 * then handlingOf) reads every one of them.
 * Fails (exit 1) on anything else. CI runs it against a gateway started for it:
 *   GATEWAY_URL       the gateway, with AUTH_MODE=apikey, HTTP_MAX_CONNECTIONS=HELD_CONNECTIONS
 *                     and a small REQUEST_RATE_LIMIT_BURST
 *   GATEWAY_API_KEY   a key it accepts, with the ota:order scope
 *   GATEWAY_API_KEY_WITHOUT_ORDER_SCOPE  a key it accepts, without that scope
 *   HELD_CONNECTIONS  the gateway's HTTP_MAX_CONNECTIONS
 */
const url = required('GATEWAY_URL');
const apiKey = required('GATEWAY_API_KEY');
const keyWithoutOrderScope = required('GATEWAY_API_KEY_WITHOUT_ORDER_SCOPE');
const heldConnections = Number(required('HELD_CONNECTIONS'));
const client = createGatewayClient({ url, trustedDocuments: false, headers: { 'x-api-key': apiKey } });

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** The status and media type of every answer, read where Apollo Client's HttpLink calls fetch. */
const answers: Array<{ status: number; contentType: string }> = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
  const response = await realFetch(...args);
  answers.push({ status: response.status, contentType: response.headers.get('content-type') ?? '' });
  return response;
};

interface Refusal {
  /** The class of what Apollo Client threw. */
  errorClass: string;
  code?: ErrorCode | undefined;
  next?: NextStep | undefined;
  retryAfterSeconds?: number | undefined;
  status?: number | undefined;
  contentType?: string | undefined;
}

/** What one request through Apollo Client threw, the gateway error read from it, and the HTTP answer; undefined when it was served. */
async function refusalOf(request: () => Promise<unknown>): Promise<Refusal | undefined> {
  const before = answers.length;
  try {
    await request();
    return undefined;
  } catch (error) {
    const gatewayError = gatewayErrorOf(error);
    const answer = answers[before];
    return {
      errorClass: CombinedGraphQLErrors.is(error) ? 'CombinedGraphQLErrors' : ServerError.is(error) ? 'ServerError' : String(error),
      code: gatewayError?.code,
      next: gatewayError ? handlingOf(gatewayError).next : undefined,
      retryAfterSeconds: gatewayError?.retryAfterSeconds,
      status: answer?.status,
      contentType: answer?.contentType,
    };
  }
}

function ordering(send: ApolloClient, input: CreateOtaOrderInput): () => Promise<unknown> {
  return () => send.mutate({ mutation: PlaceOtaOrder, variables: { input } });
}

function show(step: string, seen: unknown): void {
  console.log(`${step}: ${JSON.stringify(seen)}`);
}

const graphqlResponse = /^application\/graphql-response\+json/;

/**
 * Opens `count` connections and keeps them open, each having been answered once (so the
 * gateway has counted it), until `release` closes them.
 */
async function holdConnections(count: number): Promise<{ release: () => Promise<void> }> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  for (let index = 0; index < count; index++) {
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    await new Promise<void>((answered, failed) => {
      socket.once('error', failed);
      socket.once('data', () => answered());
      socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
    });
  }
  return {
    release: () => Promise.all(sockets.map((socket) => new Promise<void>((closed) => socket.end(() => closed())))).then(() => {}),
  };
}

// 503 over the connection cap: this process has no connection open yet, so Apollo Client's
// request opens one past HTTP_MAX_CONNECTIONS. Nothing was ordered, so the same key is
// retried once the connections are released, and the order is placed, not replayed.
const held = await holdConnections(heldConnections);
const capped = walkThroughOrder();
const overCap = await refusalOf(ordering(client, capped));
show('over the connection cap', overCap);
assert(overCap?.errorClass === 'CombinedGraphQLErrors' && overCap.status === 503 && graphqlResponse.test(overCap.contentType ?? ''));
assert(overCap.code === 'SERVICE_UNAVAILABLE' && overCap.next === 'retry-same-key' && overCap.retryAfterSeconds === 1);
await held.release();
const retried = await placeOrder(client, capped);
show('the same order again, same key, once connections are free', retried);
assert(retried.kind === 'placed' && !retried.order.replayed);

// 401 without a credential (a missing or expired sign-in).
const anonymous = createGatewayClient({ url, trustedDocuments: false });
const unauthenticated = await refusalOf(ordering(anonymous, walkThroughOrder()));
show('no API key', unauthenticated);
assert(unauthenticated?.errorClass === 'CombinedGraphQLErrors' && unauthenticated.status === 401);
assert(graphqlResponse.test(unauthenticated.contentType ?? ''));
assert(unauthenticated.code === 'UNAUTHENTICATED' && unauthenticated.next === 'give-up');

// 403: a valid credential without the order scope, refused by the resolver (an answer
// Apollo Server writes, in the media type Apollo Client asked for).
const readOnly = createGatewayClient({ url, trustedDocuments: false, headers: { 'x-api-key': keyWithoutOrderScope } });
const forbidden = await refusalOf(ordering(readOnly, walkThroughOrder()));
show('a key without the order scope', forbidden);
assert(forbidden?.errorClass === 'CombinedGraphQLErrors' && forbidden.status === 403 && graphqlResponse.test(forbidden.contentType ?? ''));
assert(forbidden.code === 'FORBIDDEN' && forbidden.next === 'give-up');

// 413: a body over the gateway's 64 KiB, refused before it is read.
const tooLarge = await refusalOf(ordering(client, walkThroughOrder({ packageName: 'x'.repeat(70 * 1024) })));
show('a body over 64 KiB', tooLarge);
assert(tooLarge?.errorClass === 'CombinedGraphQLErrors' && tooLarge.status === 413 && graphqlResponse.test(tooLarge.contentType ?? ''));
assert(tooLarge.code === 'BAD_REQUEST' && tooLarge.next === 'give-up');

// 431: headers over 16 KiB are refused by node:http before they are parsed, so the gateway
// cannot know the client's Accept and answers application/json, as GraphQL over HTTP asks
// when Accept is unknown. Apollo Client 4 throws ServerError for any non-2xx
// application/json answer; gatewayErrorOf reads the same GraphQL error from its body.
const oversizedHeaders = createGatewayClient({
  url,
  trustedDocuments: false,
  headers: { 'x-api-key': apiKey, 'x-padding': 'x'.repeat(17 * 1024) },
});
const headersTooLarge = await refusalOf(ordering(oversizedHeaders, walkThroughOrder()));
show('headers over 16 KiB', headersTooLarge);
assert(headersTooLarge?.errorClass === 'ServerError' && headersTooLarge.status === 431);
assert(/^application\/json/.test(headersTooLarge.contentType ?? ''));
assert(headersTooLarge.code === 'BAD_REQUEST' && headersTooLarge.next === 'give-up');

// 429 from the request limit (REQUEST_RATE_LIMIT_BURST): sent one after another until it is spent.
let rateLimited: Refusal | undefined;
const lookUp = (): Promise<unknown> => client.query({ query: OtaOrderAttemptByKey, variables: { idempotencyKey: capped.idempotencyKey } });
for (let sent = 0; sent < 50 && rateLimited === undefined; sent++) rateLimited = await refusalOf(lookUp);
show('past the request limit', rateLimited);
assert(rateLimited?.errorClass === 'CombinedGraphQLErrors' && rateLimited.status === 429);
assert(graphqlResponse.test(rateLimited.contentType ?? ''));
assert(rateLimited.code === 'RATE_LIMITED' && rateLimited.next === 'retry-same-key' && (rateLimited.retryAfterSeconds ?? 0) >= 1);

console.log('frontend example: every error status read through gatewayErrorOf and handlingOf');
