import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentHash } from '../../src/graphql/trusted-documents.js';
import { CreateOtaOrderDocument, OrdersSimulatedDocument } from '../generated/graphql.js';
import { harnessPerTest, type Harness, type HarnessOptions } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';

/** A manifest as GraphQL Code Generator's persistedDocuments writes it: SHA-256 hash → document text. */
const CREATE_ORDER = print(CreateOtaOrderDocument);
const ORDERS_SIMULATED = print(OrdersSimulatedDocument);
const MANIFEST = new Map([
  [documentHash(CREATE_ORDER), CREATE_ORDER],
  [documentHash(ORDERS_SIMULATED), ORDERS_SIMULATED],
]);
const TRUSTED_ONLY: HarnessOptions = { trustedDocuments: { documents: MANIFEST, only: true } };
const UNTRUSTED_ORDER = CREATE_ORDER.replace('replayed', '');

const start = harnessPerTest();

interface Answer {
  status: number;
  json: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions: { code: string; requestId?: string } }> };
}

async function post(h: Harness, body: object): Promise<Answer> {
  const response = await fetch(h.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Answer['json'] };
}

/** What Apollo Client's persisted-query link sends for a codegen document: its hash, no text. */
function byHash(hash: string, variables?: object): object {
  return { variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
}

function expectNotTrusted(answer: Answer): void {
  expect(answer.status).toBe(400);
  expect(answer.json.errors).toHaveLength(1);
  expect(answer.json.errors?.[0]?.extensions.code).toBe('OPERATION_NOT_TRUSTED');
  expect(answer.json.errors?.[0]?.message).toMatch(/^Only trusted operations run on this gateway/);
  expect(answer.json.errors?.[0]?.extensions.requestId).toEqual(expect.any(String));
}

describe('trusted documents', () => {
  it('places an order sent by its document hash alone, with no query text on the wire, in either hash spelling', async () => {
    const h = await start(TRUSTED_ONLY);
    const answer = await post(h, byHash(documentHash(CREATE_ORDER), { input: orderInput() }));
    expect(answer.status).toBe(200);
    expect(answer.json.errors).toBeUndefined();
    expect(answer.json.data?.createOtaOrder).toMatchObject({ orderId: h.simulator.orders[0]?.orderId, replayed: false });
    // The client preset's `__meta__.hash` spelling.
    const prefixed = await post(h, byHash(`sha256:${documentHash(CREATE_ORDER)}`, { input: orderInput() }));
    expect(prefixed.json.errors).toBeUndefined();
    expect(h.simulator.orders).toHaveLength(2);
  });

  it('runs a trusted document sent as its exact text, and a trusted query by hash over GET', async () => {
    const h = await start(TRUSTED_ONLY);
    const asText = await post(h, { query: CREATE_ORDER, variables: { input: orderInput() } });
    expect(asText.json.errors).toBeUndefined();
    expect(h.simulator.orders).toHaveLength(1);

    const url = new URL(h.gateway.graphqlUrl);
    url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: documentHash(ORDERS_SIMULATED) } }));
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { ordersSimulated: false } });
  });

  it('refuses an operation in no manifest with OPERATION_NOT_TRUSTED, by text, by unknown hash or by a hash that does not match its text', async () => {
    const h = await start(TRUSTED_ONLY);
    expectNotTrusted(await post(h, { query: UNTRUSTED_ORDER, variables: { input: orderInput() } }));
    expectNotTrusted(await post(h, byHash(documentHash(UNTRUSTED_ORDER), { input: orderInput() })));
    expectNotTrusted(await post(h, { ...byHash(documentHash(CREATE_ORDER), { input: orderInput() }), query: UNTRUSTED_ORDER }));
    const url = new URL(h.gateway.graphqlUrl);
    url.searchParams.set('query', '{ ordersSimulated __typename }');
    expectNotTrusted(
      await fetch(url, { headers: { 'apollo-require-preflight': 'true' } }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as Answer['json'],
      })),
    );
    expect(h.simulator.requests).toHaveLength(0);
    expect(h.logs.text).toContain('request refused: operation not trusted');
  });

  it('lets introspection and the Sandbox page through where the production rules allow them, and not in production', async () => {
    const introspection = { query: '{ __schema { queryType { name } } }' };
    const development = await start(TRUSTED_ONLY);
    expect((await post(development, introspection)).json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const page = await fetch(development.gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('embeddable-sandbox');

    const production = await start({ ...TRUSTED_ONLY, production: true });
    expectNotTrusted(await post(production, introspection));
    const explored = await start({ ...TRUSTED_ONLY, production: true, sandboxEnabled: true });
    expect((await post(explored, introspection)).status).toBe(200);
    // Introspection alongside a real field is not introspection only.
    expectNotTrusted(await post(explored, { query: '{ __schema { queryType { name } } ordersSimulated }' }));
  });

  it('accepts hashes from a manifest without TRUSTED_DOCUMENTS_ONLY, and still runs other operations sent as text', async () => {
    const h = await start({ trustedDocuments: { documents: MANIFEST, only: false } });
    expect((await post(h, byHash(documentHash(CREATE_ORDER), { input: orderInput() }))).json.errors).toBeUndefined();
    expect((await post(h, { query: UNTRUSTED_ORDER, variables: { input: orderInput() } })).json.errors).toBeUndefined();
    expect(h.simulator.orders).toHaveLength(2);
  });

  it('never lets a client register an operation (automatic persisted queries are off)', async () => {
    const unknownQuery = '{ ordersSimulated }';
    const withManifest = await start({ trustedDocuments: { documents: MANIFEST, only: false } });
    // An APQ registration: the text and its hash. It runs, but is not remembered.
    expect((await post(withManifest, { query: unknownQuery, ...byHash(documentHash(unknownQuery)) })).json).toEqual({
      data: { ordersSimulated: false },
    });
    const again = await post(withManifest, byHash(documentHash(unknownQuery)));
    expect(again.json.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const withoutManifest = await start();
    const refused = await post(withoutManifest, byHash(documentHash(unknownQuery)));
    expect(refused.json.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
  });
});
