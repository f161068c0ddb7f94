import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auditServer } from 'graphql-http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../src/auth/auth.config.js';
import { CreateOtaOrderDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { harnessPerTest, startHarness, type Harness } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { openSandboxPage, runSandboxPage } from '../support/sandbox-page.js';
import { manualClock } from '../support/timing.js';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'csss-gateway';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const clientA = testApiKey('client-a');
const clientB = testApiKey('client-b');
const readOnly = testApiKey('read-only', ['ota:read']);

const AUTH: AuthConfig = {
  mode: 'both',
  orderScope: 'ota:order',
  jwt: { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'], publicKeyPem: PUBLIC_PEM },
  apiKeys: [clientA.record, clientB.record, readOnly.record],
};

interface TokenOptions {
  sub?: string;
  scope?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
  notBefore?: string | number;
  key?: KeyObject | Uint8Array;
  alg?: string;
  kid?: string;
  /** Seconds since the epoch; now when left out. */
  issuedAt?: number;
}

async function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ scope: options.scope ?? 'ota:order' })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .setSubject(options.sub ?? 'user-1')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(options.issuedAt)
    .setExpirationTime(options.expiresIn ?? '5m');
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(options.key ?? privateKey);
}

function unsignedToken(): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'user-1', iss: ISSUER, aud: AUDIENCE, exp: now + 300, scope: 'ota:order' })}.`;
}

let shared: Harness;
beforeAll(async () => {
  shared = await startHarness({ auth: AUTH });
});
afterAll(async () => {
  await shared.close();
});
const start = harnessPerTest();

async function post(
  h: Harness,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: GraphQLJson; headers: Headers }> {
  const response = await fetch(h.gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  h.responses.push(text);
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as GraphQLJson, headers: response.headers };
}

interface GraphQLJsonError {
  message: string;
  extensions: Record<string, unknown>;
}
/** A response body as these tests read it: they only look at errors they expect. */
interface GraphQLJson {
  data?: Record<string, unknown>;
  errors: [GraphQLJsonError, ...GraphQLJsonError[]];
}

/** Every refusal: the status, the code, and nothing sent to CSSS. */
async function expectRefused(h: Harness, headers: Record<string, string>, status: number, code: string): Promise<void> {
  const before = h.simulator.requests.length;
  const { status: actual, body } = await h.execute(CreateOtaOrderDocument, { input: orderInput() }, headers);
  expect({ status: actual, code: body.errors?.[0]?.extensions?.code }).toEqual({ status, code });
  expect(h.simulator.requests.length).toBe(before);
}

describe('authentication', () => {
  it('lets a valid token with the order scope and a valid API key place orders', async () => {
    const withToken = await shared.execute(CreateOtaOrderDocument, { input: orderInput() }, { authorization: `Bearer ${await token()}` });
    const withKey = await shared.execute(CreateOtaOrderDocument, { input: orderInput() }, clientA.headers);
    const withSchemeKey = await shared.execute(CreateOtaOrderDocument, { input: orderInput() }, { authorization: `ApiKey ${clientA.key}` });
    expect([withToken.status, withKey.status, withSchemeKey.status]).toEqual([200, 200, 200]);
    expect(withToken.body.data?.createOtaOrder.orderId).toMatch(/^ORDER_/);
    expect(withKey.body.data?.createOtaOrder.orderId).toMatch(/^ORDER_/);
    expect(withSchemeKey.body.data?.createOtaOrder.orderId).toMatch(/^ORDER_/);
  });

  it('serves the Sandbox page without credentials, but not the schema', async () => {
    const page = await fetch(shared.gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    const introspection = await post(shared, { query: '{ __schema { queryType { name } } }' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('embeddable-sandbox');
    expect(introspection.status).toBe(401);
    expect(introspection.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('tells the Sandbox user which credential header to fill in, and orders once it is filled', async () => {
    const page = await openSandboxPage(shared.gateway.graphqlUrl);
    expect(page.document).toContain('replace the Authorization placeholder');
    expect(page.headers).toEqual({ Authorization: 'Bearer PASTE_YOUR_JWT_HERE' });
    expect(page.fallback.curl).toContain(`-H 'Authorization: Bearer PASTE_YOUR_JWT_HERE'`);
    const asShown = await runSandboxPage(shared.gateway.graphqlUrl, page);
    expect(asShown.status).toBe(401);
    expect(asShown.json.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const filledIn = await runSandboxPage(shared.gateway.graphqlUrl, page, { Authorization: `Bearer ${await token()}` });
    expect(filledIn.status).toBe(200);
    expect(filledIn.json.data?.createOtaOrder?.orderId).toMatch(/^ORDER_/);
  });

  it('refuses a request without credentials with 401 and a challenge', async () => {
    await expectRefused(shared, {}, 401, 'UNAUTHENTICATED');
    const { headers } = await post(shared, { query: '{ ordersSimulated }' });
    expect(headers.get('www-authenticate')).toContain('Bearer');
  });

  it('gives a refusal its request id and counts it in the metrics', async () => {
    const { metricsUrl } = shared.gateway;
    const counted = async (): Promise<number> => {
      const line = (await (await fetch(metricsUrl)).text())
        .split('\n')
        .find((each) => each.startsWith('csss_gateway_graphql_requests_total{operation="anonymous",outcome="UNAUTHENTICATED"}'));
      return Number(line?.split(' ')[1] ?? 0);
    };
    const before = await counted();
    const { status, json, headers } = await post(shared, { query: '{ ordersSimulated }' }, { 'x-request-id': 'refused-1' });
    expect(status).toBe(401);
    expect(headers.get('x-request-id')).toBe('refused-1');
    expect(json.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', requestId: 'refused-1' });
    expect(await counted()).toBe(before + 1);
  });

  it("answers 503 with Retry-After, not 401, when the identity provider's keys cannot be fetched", async () => {
    // Nothing listens on port 1: the JWKS fetch fails, which says nothing about the token.
    const h = await start({
      auth: { ...AUTH, mode: 'jwt', jwt: { ...AUTH.jwt!, publicKeyPem: undefined, jwksUrl: 'http://127.0.0.1:1/jwks.json' } },
    });
    const before = h.simulator.requests.length;
    const { status, json, headers } = await post(h, { query: '{ ordersSimulated }' }, { authorization: `Bearer ${await token()}` });
    expect(status).toBe(503);
    expect(headers.get('retry-after')).toBe('5');
    expect(headers.get('www-authenticate')).toBeNull();
    expect(json.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 });
    expect(json.errors[0].message).toBe('Credentials cannot be checked right now; retry shortly');
    expect(h.simulator.requests.length).toBe(before);
    const refusal = h.logs.entries().find((entry) => entry.msg === 'request refused: authentication failed');
    expect(refusal).toMatchObject({ level: 50, reason: 'keys-unavailable' });
  });

  it('fetches the JWKS at most once per back-off while the identity provider fails, and logs the outage once', async () => {
    let fetches = 0;
    const idp = createServer((_request, response) => {
      fetches += 1;
      response.statusCode = 500;
      response.end('down');
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`;
    try {
      const h = await start({ auth: { ...AUTH, mode: 'jwt', jwt: { ...AUTH.jwt!, publicKeyPem: undefined, jwksUrl } } });
      const statuses: number[] = [];
      // Each made-up `kid` would be an unknown key, which used to mean one more fetch each.
      for (let i = 0; i < 6; i += 1) {
        statuses.push(
          (await post(h, { query: '{ ordersSimulated }' }, { authorization: `Bearer ${await token({ kid: `made-up-${i}` })}` })).status,
        );
      }
      expect(statuses).toEqual([503, 503, 503, 503, 503, 503]);
      expect(fetches).toBe(1);
      const errorLines = h.logs.entries().filter((entry) => entry.msg === 'request refused: authentication failed' && entry.level === 50);
      expect(errorLines).toHaveLength(1);
    } finally {
      await new Promise((resolve) => idp.close(resolve));
    }
  });

  it('refuses a wrong API key of equal and of different length', async () => {
    const equalLength = clientA.key.slice(0, -4) + (clientA.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expectRefused(shared, { 'x-api-key': equalLength }, 401, 'UNAUTHENTICATED');
    await expectRefused(shared, { 'x-api-key': `${clientA.key}x` }, 401, 'UNAUTHENTICATED');
    await expectRefused(shared, { 'x-api-key': 'short' }, 401, 'UNAUTHENTICATED');
  });

  it.each<[string, () => Promise<string> | string]>([
    ['expired', () => token({ expiresIn: Math.floor(Date.now() / 1000) - 120 })],
    ['not yet valid', () => token({ notBefore: Math.floor(Date.now() / 1000) + 600 })],
    ['from another issuer', () => token({ issuer: 'https://evil.example' })],
    ['for another audience', () => token({ audience: 'another-api' })],
    ['unsigned (alg: none)', () => unsignedToken()],
    ['HS256 signed with the public key as secret', () => token({ alg: 'HS256', key: new TextEncoder().encode(PUBLIC_PEM) })],
    ['signed by another key', () => token({ key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey })],
    ['that expires in 100 years', () => token({ expiresIn: '100y' })],
    ['issued 25 hours ago (older than AUTH_JWT_MAX_AGE)', () => token({ issuedAt: Math.floor(Date.now() / 1000) - 25 * 3600 })],
    [
      'issued in the future',
      () => token({ issuedAt: Math.floor(Date.now() / 1000) + 600, expiresIn: Math.floor(Date.now() / 1000) + 900 }),
    ],
  ])('refuses a token %s with 401', async (_case, makeToken) => {
    await expectRefused(shared, { authorization: `Bearer ${await makeToken()}` }, 401, 'UNAUTHENTICATED');
  });

  it('refuses a valid token or key without the order scope with 403', async () => {
    await expectRefused(shared, { authorization: `Bearer ${await token({ scope: 'ota:read' })}` }, 403, 'FORBIDDEN');
    await expectRefused(shared, readOnly.headers, 403, 'FORBIDDEN');
  });

  it('never shows one client the order attempts of another', async () => {
    const input = orderInput();
    await shared.execute(CreateOtaOrderDocument, { input }, clientB.headers);
    const asA = await shared.execute(OtaOrderAttemptDocument, { idempotencyKey: input.idempotencyKey }, clientA.headers);
    const asB = await shared.execute(OtaOrderAttemptDocument, { idempotencyKey: input.idempotencyKey }, clientB.headers);
    expect(asA.body.data).toEqual({ otaOrderAttempt: null });
    expect(asB.body.data?.otaOrderAttempt?.status).toBe('SUCCEEDED');

    // The same key from client A is a different order of A's own, not a replay of B's.
    const placedByA = await shared.execute(CreateOtaOrderDocument, { input }, clientA.headers);
    expect(placedByA.body.data?.createOtaOrder.replayed).toBe(false);
  });

  it('never shows a bearer token, an API key, a key hash or the CSSS secret in logs or responses', async () => {
    await shared.execute(CreateOtaOrderDocument, { input: orderInput() }, clientA.headers);
    const bearer = await token();
    await shared.execute(CreateOtaOrderDocument, { input: orderInput() }, { authorization: `Bearer ${bearer}` });
    await shared.execute(CreateOtaOrderDocument, { input: orderInput() }, { 'x-api-key': `${clientA.key}x` });
    const seen = `${shared.logs.text}\n${shared.responses.join('\n')}`;
    for (const credential of [clientA.key, clientB.key, bearer, clientA.record.hash, shared.simulator.secret]) {
      expect(seen).not.toContain(credential);
    }
  });
});

describe('per-client rate limit', () => {
  it('answers RATE_LIMITED with 429 and Retry-After once the burst is spent, then recovers', async () => {
    const clock = manualClock();
    const h = await start({ auth: AUTH, rateLimit: { perSecond: 1, burst: 2 }, clock: clock.now });
    await h.execute(CreateOtaOrderDocument, { input: orderInput() }, clientA.headers);
    await h.execute(CreateOtaOrderDocument, { input: orderInput() }, clientA.headers);
    const limited = await post(
      h,
      { query: 'mutation($input: CreateOtaOrderInput!) { createOtaOrder(input: $input) { orderId } }', variables: { input: orderInput() } },
      clientA.headers,
    );
    const otherClient = await h.execute(CreateOtaOrderDocument, { input: orderInput() }, clientB.headers);

    expect(limited.status).toBe(429);
    expect(limited.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(otherClient.status).toBe(200);
    expect(otherClient.body.data?.createOtaOrder.orderId).toMatch(/^ORDER_/);
    expect(h.simulator.requests).toHaveLength(3);

    clock.advance(1_000);
    const recovered = await h.execute(CreateOtaOrderDocument, { input: orderInput() }, clientA.headers);
    expect(recovered.body.data?.createOtaOrder.orderId).toMatch(/^ORDER_/);
    expect(h.simulator.requests).toHaveLength(4);
  });
});

describe('per-client request rate limit', () => {
  it('limits requests of any kind from a client without the order scope, and answers 429 before parsing', async () => {
    const h = await start({ auth: AUTH, requestRateLimit: { perSecond: 1, burst: 2 } });
    const query = { query: '{ ordersSimulated }' };
    const first = await post(h, query, readOnly.headers);
    const second = await post(h, query, readOnly.headers);
    // A document too large to parse costs nothing once the budget is spent: it is refused first.
    const third = await post(h, { query: `{ ordersSimulated ${'__typename '.repeat(3000)} }` }, readOnly.headers);
    const otherClient = await post(h, query, clientA.headers);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.json.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(third.json.errors[0].message).toMatch(/Too many requests/);
    expect(otherClient.status).toBe(200);
  });
});

describe('request limits, checked before execution', () => {
  const order = { query: 'mutation($input: CreateOtaOrderInput!) { createOtaOrder(input: $input) { orderId } }' };

  it('refuses a 1 MiB body with 413', async () => {
    const before = shared.simulator.requests.length;
    const { status, json } = await post(
      shared,
      { ...order, variables: { input: orderInput({ packageName: 'x'.repeat(1024 * 1024) }) } },
      clientA.headers,
    );
    expect(status).toBe(413);
    expect(json.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(shared.simulator.requests.length).toBe(before);
  });

  it('refuses 50 aliases without saying where the limit is', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: ordersSimulated`).join(' ');
    const { status, json } = await post(shared, { query: `{ ${aliases} }` }, clientA.headers);
    expect(status).toBe(400);
    expect(json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(json)).not.toMatch(/\b(10|50)\b/);
  });

  it('refuses deep nesting without saying where the limit is', async () => {
    const deep = `{ __schema { types { ${'fields { type { ofType { '.repeat(6)}name${' } } }'.repeat(6)} } } }`;
    const { status, json } = await post(shared, { query: deep }, clientA.headers);
    expect(status).toBe(400);
    // graphql-js's own introspection depth rule or ours, whichever sees it first.
    expect(json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(json.errors[0].message).toMatch(/nested too deeply|Maximum introspection depth exceeded/);
    expect(json.errors[0].message).not.toMatch(/\d/);
  });

  it('refuses a document with too many tokens without saying where the limit is', async () => {
    const { status, json } = await post(shared, { query: `{ ordersSimulated ${'__typename '.repeat(5000)} }` }, clientA.headers);
    expect(status).toBe(400);
    expect(json.errors[0]).toMatchObject({
      message: 'Syntax Error: the document is too large.',
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
  });

  it('refuses two root fields in one mutation, so one request places at most one order', async () => {
    const before = shared.simulator.requests.length;
    const { status, json } = await post(
      shared,
      {
        query:
          'mutation($a: CreateOtaOrderInput!, $b: CreateOtaOrderInput!) { a: createOtaOrder(input: $a) { orderId } b: createOtaOrder(input: $b) { orderId } }',
        variables: { a: orderInput(), b: orderInput() },
      },
      clientA.headers,
    );
    expect(status).toBe(400);
    expect(json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(shared.simulator.requests.length).toBe(before);
  });

  it('refuses a subscription as a request error, not an internal one counted as an outage', async () => {
    const h = await start({ auth: AUTH });
    const { status, json } = await post(h, { query: 'subscription { __typename }' }, clientA.headers);
    expect(status).toBe(400);
    expect(json.errors[0]).toMatchObject({
      message: 'This API has no subscription operations.',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const metrics = await (await fetch(h.gateway.metricsUrl)).text();
    expect(metrics).toMatch(/graphql_requests_total\{[^}]*outcome="GRAPHQL_VALIDATION_FAILED"[^}]*\} 1/);
    expect(metrics).not.toContain('INTERNAL_SERVER_ERROR"} 1');
  });

  it('refuses an array batch', async () => {
    const before = shared.simulator.requests.length;
    const { status, json } = await post(
      shared,
      [
        { ...order, variables: { input: orderInput() } },
        { ...order, variables: { input: orderInput() } },
      ],
      clientA.headers,
    );
    expect(status).toBe(400);
    expect(json.errors[0]).toMatchObject({ message: expect.stringMatching(/batching/i), extensions: { code: 'BAD_REQUEST' } });
    expect(shared.simulator.requests.length).toBe(before);
  });

  it('refuses a form-encoded POST without a preflight header (CSRF)', async () => {
    const before = shared.simulator.requests.length;
    const response = await fetch(shared.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...clientA.headers },
      body: `query=${encodeURIComponent('mutation { createOtaOrder(input: {}) { orderId } }')}`,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
    expect(shared.simulator.requests.length).toBe(before);
  });

  it('refuses a mutation over GET', async () => {
    const before = shared.simulator.requests.length;
    const query = encodeURIComponent(order.query);
    const variables = encodeURIComponent(JSON.stringify({ input: orderInput() }));
    const response = await fetch(`${shared.gateway.graphqlUrl}?query=${query}&variables=${variables}`, {
      headers: { 'apollo-require-preflight': 'true', ...clientA.headers },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('POST');
    expect(JSON.parse(await response.text())).toMatchObject({
      errors: [{ message: 'GET requests only support query operations, not mutation operations', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect(shared.simulator.requests.length).toBe(before);
  });

  it('refuses an unknown input field without calling CSSS', async () => {
    const before = shared.simulator.requests.length;
    const { status, body } = await shared.execute(
      CreateOtaOrderDocument,
      { input: { ...orderInput(), accessCode: 'QY-000001' } as ReturnType<typeof orderInput> },
      clientA.headers,
    );
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('accessCode');
    expect(shared.simulator.requests.length).toBe(before);
  });
});

describe('CORS', () => {
  it('allows only the configured origins', async () => {
    const h = await start({ auth: AUTH, corsOrigins: ['https://app.example.com'] });
    const allowed = await fetch(h.gateway.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    const other = await fetch(h.gateway.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight with no origins allowed as such a server should: 204 and no allow headers', async () => {
    const response = await fetch(shared.gateway.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')).toBeNull();
    expect(await response.text()).toBe('');
  });

  it('lets allowed origins send the Apollo client-awareness and trace context headers', async () => {
    const h = await start({ auth: AUTH, corsOrigins: ['https://app.example.com'] });
    const requested = ['apollographql-client-name', 'apollographql-client-version', 'traceparent'];
    const response = await fetch(h.gateway.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': requested.join(','),
      },
    });
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(',');
    expect(allowed).toEqual(expect.arrayContaining(requested));
  });

  it('sends no CORS headers at all by default', async () => {
    const response = await fetch(shared.gateway.graphqlUrl, {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json', ...clientA.headers },
      body: JSON.stringify({ query: '{ ordersSimulated }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("adds CORS headers to the HTTP front's own refusals, so a page on an allowed origin can read them", async () => {
    const h = await start({ auth: AUTH, corsOrigins: ['https://app.example.com'] });
    // A GET with a body is refused before authentication; fetch cannot send one, so node:http does.
    const answer = await new Promise<{ status: number; allowOrigin: string | undefined; body: string }>((resolve, reject) => {
      const request = httpRequest(h.gateway.graphqlUrl, { method: 'GET', headers: { origin: 'https://app.example.com' } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, allowOrigin: response.headers['access-control-allow-origin'], body }),
        );
      });
      request.on('error', reject);
      const body = '{"query":"{ __typename }"}';
      request.setHeader('content-length', Buffer.byteLength(body));
      request.end(body);
    });
    expect(answer.status).toBe(400);
    expect(answer.allowOrigin).toBe('https://app.example.com');
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  const preflightFrom = (url: string, origin: string): Promise<Response> =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('accepts local dev servers by default in simulator mode with AUTH_MODE=none, and no other origin', async () => {
    const h = await start({ embeddedSimulator: true });
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://localhost']) {
      expect((await preflightFrom(h.gateway.graphqlUrl, origin)).headers.get('access-control-allow-origin'), origin).toBe(origin);
    }
    for (const origin of [
      'https://localhost:5173',
      'http://localhost.evil.example',
      'http://192.168.1.5:5173',
      'https://app.example.com',
    ]) {
      expect((await preflightFrom(h.gateway.graphqlUrl, origin)).headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('keeps CORS_ORIGINS, when set, as the only allowed origins in simulator mode', async () => {
    const h = await start({ embeddedSimulator: true, corsOrigins: ['https://app.example.com'] });
    expect((await preflightFrom(h.gateway.graphqlUrl, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflightFrom(h.gateway.graphqlUrl, 'https://app.example.com')).headers.get('access-control-allow-origin')).toBe(
      'https://app.example.com',
    );
  });

  it('logs a refused browser origin once, at warn, with the setting that allows it', async () => {
    const h = await start({ auth: AUTH });
    for (let sent = 0; sent < 3; sent += 1) {
      const refused = await preflightFrom(h.gateway.graphqlUrl, 'http://localhost:5173');
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
    await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { origin: 'https://other.example', 'content-type': 'application/json', ...clientA.headers },
      body: JSON.stringify({ query: '{ ordersSimulated }' }),
    });
    // The gateway's own page (Sandbox) calls its own origin: not a refusal.
    await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { origin: new URL(h.gateway.graphqlUrl).origin, 'content-type': 'application/json', ...clientA.headers },
      body: JSON.stringify({ query: '{ ordersSimulated }' }),
    });
    const lines = h.logs.entries().filter((entry) => entry.setting === 'CORS_ORIGINS');
    expect(lines.map((line) => [line.level, line.origin])).toEqual([
      [40, 'http://localhost:5173'],
      [40, 'https://other.example'],
    ]);
    expect(String(lines[0]?.msg)).toContain('CORS_ORIGINS');
  });
});

describe('production mode', () => {
  it('turns off introspection, suggestions and Sandbox, and shows no stack traces', async () => {
    const h = await start({ auth: AUTH, production: true });
    const introspection = await post(h, { query: '{ __schema { types { name } } }' }, clientA.headers);
    const typo = await post(h, { query: '{ orderSimulated }' }, clientA.headers);
    const sandbox = await fetch(h.gateway.graphqlUrl, { headers: { accept: 'text/html' } });

    expect(introspection.status).toBe(400);
    expect(introspection.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(typo.json.errors[0].message).not.toMatch(/Did you mean/);
    expect(sandbox.status).toBe(400);
    expect(sandbox.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await sandbox.text()).not.toContain('embeddable-sandbox');
    expect(JSON.stringify([introspection.json, typo.json])).not.toMatch(/stacktrace|\bat \w+ \(/);
  });

  it('suggests no enum values in variable errors', async () => {
    const h = await start({ auth: AUTH, production: true });
    const before = h.simulator.requests.length;
    const { status, json } = await post(
      h,
      {
        query: 'mutation($input: CreateOtaOrderInput!) { createOtaOrder(input: $input) { orderId } }',
        variables: { input: { ...orderInput(), packageType: 'DAIL' } },
      },
      clientA.headers,
    );
    expect(status).toBe(400);
    expect(json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(json.errors[0].message).toContain('"DAIL"');
    expect(json.errors[0].message).not.toMatch(/Did you mean|DAILY/);
    expect(h.simulator.requests.length).toBe(before);
  });

  it('keeps introspection and Sandbox when SANDBOX_ENABLED is set', async () => {
    const h = await start({ auth: AUTH, production: true, sandboxEnabled: true });
    const introspection = await post(h, { query: '{ __schema { queryType { name } } }' }, clientA.headers);
    const typo = await post(h, { query: '{ orderSimulated }' }, clientA.headers);
    const sandbox = await fetch(h.gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(sandbox.status).toBe(200);
    expect(await sandbox.text()).toContain('embeddable-sandbox');
    expect(introspection.json.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(typo.json.errors[0].message).toMatch(/Did you mean "ordersSimulated"/);
    const enumTypo = await post(
      h,
      {
        query: 'mutation($input: CreateOtaOrderInput!) { createOtaOrder(input: $input) { orderId } }',
        variables: { input: { ...orderInput(), packageType: 'DAIL' } },
      },
      clientA.headers,
    );
    expect(enumTypo.json.errors[0].message).toMatch(/Did you mean the enum value "DAILY"/);
  });
});

describe('GraphQL over HTTP compliance (graphql-http audit)', () => {
  // Each SHOULD or MAY the gateway does not meet, with the reason it is accepted.
  const CSRF =
    'CSRF prevention stays on: GET requests must carry a preflight-forcing header such as apollo-require-preflight, which the audit does not send';
  const STATUS_400 =
    'Apollo Server answers 400 when a request cannot execute at all, which tells proxies, logs and clients that the request is at fault; no partial data is lost';
  const ACCEPTED_WARNINGS: Record<string, string> = {
    'MAY accept application/x-www-form-urlencoded formatted GET requests': CSRF,
    'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json': CSRF,
    'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json': CSRF,
    'SHOULD use 200 status code on document parsing failure when accepting application/json': STATUS_400,
    'SHOULD use 200 status code on document validation failure when accepting application/json': STATUS_400,
    'SHOULD use a status code of 200 on variable coercion failure when accepting application/json': STATUS_400,
  };

  it('passes every MUST of the server audit', async () => {
    const withKey: typeof fetch = (input, init) =>
      fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), ...clientA.headers } });
    const results = await auditServer({ url: shared.gateway.graphqlUrl, fetchFn: withKey });

    const failedMusts = results.filter((result) => result.name.startsWith('MUST') && result.status !== 'ok');
    expect(failedMusts.map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
    const warnings = results.filter((result) => result.status !== 'ok' && !result.name.startsWith('MUST'));
    expect(warnings.map((result) => result.name).sort()).toEqual(Object.keys(ACCEPTED_WARNINGS).sort());
  });
});
