import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtVerifierOptions } from '../../src/auth/jwt-verifier.js';
import { AuthenticationError, type AuthenticationFailure } from '../../src/auth/principal.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'csss-gateway';
const NOW = new Date('2026-03-01T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

const rsa = await generateKeyPair('RS256', { extractable: true });
const rsaPublicPem = await exportSPKI(rsa.publicKey);
const otherRsa = await generateKeyPair('RS256');
const ec = await generateKeyPair('ES256', { extractable: true });
const ecPublicPem = await exportSPKI(ec.publicKey);

interface SignOptions {
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string;
}

/** A token that passes every check unless the claims or options below change that. */
function sign(claims: JWTPayload = {}, { key = rsa.privateKey, alg = 'RS256', kid }: SignOptions = {}): Promise<string> {
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'partner-portal',
    iat: NOW_SECONDS - 10,
    exp: NOW_SECONDS + 300,
    ...claims,
  })
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
    .sign(key);
}

function verifier(overrides: Partial<JwtVerifierOptions> = {}) {
  return createJwtVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['RS256'],
    publicKeyPem: rsaPublicPem,
    now: () => NOW,
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<AuthenticationError> {
  const outcome = await promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(AuthenticationError);
  return outcome as AuthenticationError;
}

async function reasonFor(token: string, overrides: Partial<JwtVerifierOptions> = {}): Promise<AuthenticationFailure> {
  return (await failureOf(verifier(overrides).verify(token))).reason;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('JWT verification with a pinned public key', () => {
  it('accepts a valid token and reads its scopes from a space-separated scope claim', async () => {
    const principal = await verifier().verify(await sign({ scope: 'ota:order  ota:read' }));
    expect(principal).toEqual({ subject: 'partner-portal', scopes: new Set(['ota:order', 'ota:read']), method: 'jwt' });
  });

  it('reads scopes from an scp array', async () => {
    const principal = await verifier().verify(await sign({ scp: ['ota:order', 'ota:read'] }));
    expect(principal.scopes).toEqual(new Set(['ota:order', 'ota:read']));
  });

  it('reads scopes from an scp string, as Entra ID sends it', async () => {
    const principal = await verifier().verify(await sign({ scp: 'ota:order ota:read' }));
    expect(principal.scopes).toEqual(new Set(['ota:order', 'ota:read']));
  });

  it('gives a token without scope claims an empty scope set', async () => {
    const principal = await verifier().verify(await sign());
    expect(principal.scopes.size).toBe(0);
  });

  it('refuses a scope claim that is neither a string nor an array of strings', async () => {
    expect(await reasonFor(await sign({ scope: 42 }))).toBe('invalid');
    expect(await reasonFor(await sign({ scp: ['ota:order', 7] }))).toBe('invalid');
  });

  it('accepts a token whose aud array includes the gateway', async () => {
    const principal = await verifier().verify(await sign({ aud: ['another-api', AUDIENCE] }));
    expect(principal.subject).toBe('partner-portal');
  });

  it('refuses an expired token and says it expired', async () => {
    expect(await reasonFor(await sign({ exp: NOW_SECONDS - 3600 }))).toBe('expired');
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await reasonFor(await sign({ nbf: NOW_SECONDS + 3600 }))).toBe('invalid');
  });

  it('refuses a token from another issuer', async () => {
    expect(await reasonFor(await sign({ iss: 'https://evil.example.test/' }))).toBe('invalid');
  });

  it('refuses a token for another audience', async () => {
    expect(await reasonFor(await sign({ aud: 'another-api' }))).toBe('invalid');
  });

  it('refuses an unsigned token with alg none', async () => {
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'partner-portal', exp: NOW_SECONDS + 300 };
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
    expect((await failureOf(verifier().verify(unsigned))).reason).toBe('invalid');
  });

  it('refuses an HS256 token whose HMAC secret is the public key PEM (key confusion)', async () => {
    const forged = await sign({}, { key: new TextEncoder().encode(rsaPublicPem), alg: 'HS256' });
    expect(await reasonFor(forged)).toBe('invalid');
  });

  it('refuses a token signed by another key', async () => {
    expect(await reasonFor(await sign({}, { key: otherRsa.privateKey }))).toBe('invalid');
  });

  it('refuses an ES256 token while only RS256 is pinned', async () => {
    expect(await reasonFor(await sign({}, { key: ec.privateKey, alg: 'ES256' }))).toBe('invalid');
  });

  it('refuses a token without sub, or with an empty one', async () => {
    expect(await reasonFor(await sign({ sub: undefined }))).toBe('invalid');
    expect(await reasonFor(await sign({ sub: '  ' }))).toBe('invalid');
  });

  it('refuses a token without exp, which would never expire', async () => {
    expect(await reasonFor(await sign({ exp: undefined }))).toBe('invalid');
  });

  it('calls text that is not a JWT malformed', async () => {
    expect(await reasonFor('not-a-jwt')).toBe('malformed');
    expect(await reasonFor('')).toBe('malformed');
    expect(await reasonFor(`${'a'.repeat(9000)}.b.c`)).toBe('malformed');
  });

  it('keeps the token and its claims out of the error', async () => {
    const token = await sign({ iss: 'https://evil.example.test/', secretish: 'claim-value-123' });
    const error = await failureOf(verifier().verify(token));
    expect(error.message).toBe('Invalid credentials');
    expect(error.cause).toBeUndefined();
    const shown = `${String(error)} ${JSON.stringify(error)} ${error.stack ?? ''}`;
    expect(shown).not.toContain(token.split('.')[1]);
    expect(shown).not.toContain('claim-value-123');
  });
});

describe('clock tolerance', () => {
  it('defaults to 30 s: exp 29 s ago passes, exp 30 s ago does not', async () => {
    await expect(verifier().verify(await sign({ exp: NOW_SECONDS - 29 }))).resolves.toMatchObject({ method: 'jwt' });
    expect(await reasonFor(await sign({ exp: NOW_SECONDS - 30 }))).toBe('expired');
  });

  it('defaults to 30 s: nbf 30 s ahead passes, nbf 31 s ahead does not', async () => {
    await expect(verifier().verify(await sign({ nbf: NOW_SECONDS + 30 }))).resolves.toMatchObject({ method: 'jwt' });
    expect(await reasonFor(await sign({ nbf: NOW_SECONDS + 31 }))).toBe('invalid');
  });

  it('uses the tolerance it is given', async () => {
    const token = await sign({ exp: NOW_SECONDS - 5 });
    expect(await reasonFor(token, { clockToleranceSeconds: 0 })).toBe('expired');
    await expect(verifier({ clockToleranceSeconds: 10 }).verify(token)).resolves.toMatchObject({ method: 'jwt' });
  });
});

describe('maximum token age', () => {
  it('refuses a token issued longer ago than the maximum age (24 h by default)', async () => {
    const day = 24 * 3600;
    await expect(verifier().verify(await sign({ iat: NOW_SECONDS - day + 60 }))).resolves.toMatchObject({ subject: 'partner-portal' });
    expect(await reasonFor(await sign({ iat: NOW_SECONDS - day - 60 }))).toBe('expired');
    expect(await reasonFor(await sign({ iat: NOW_SECONDS - 700 }), { maxTokenAgeSeconds: 600 })).toBe('expired');
  });

  it('refuses a token whose exp lies further ahead than the maximum age, however fresh', async () => {
    expect(await reasonFor(await sign({ exp: NOW_SECONDS + 100 * 365 * 24 * 3600 }))).toBe('invalid');
    expect(await reasonFor(await sign({ exp: NOW_SECONDS + 700 }), { maxTokenAgeSeconds: 600 })).toBe('invalid');
    await expect(verifier({ maxTokenAgeSeconds: 600 }).verify(await sign({ exp: NOW_SECONDS + 600 }))).resolves.toBeDefined();
  });

  it('refuses iat in the future beyond the clock tolerance, and a token without iat', async () => {
    await expect(verifier().verify(await sign({ iat: NOW_SECONDS + 25 }))).resolves.toBeDefined();
    expect(await reasonFor(await sign({ iat: NOW_SECONDS + 120 }))).toBe('invalid');
    expect(await reasonFor(await sign({ iat: undefined }))).toBe('invalid');
  });
});

describe('JWT verifier configuration', () => {
  it('refuses HMAC algorithms and none', () => {
    expect(() => verifier({ algorithms: ['HS256'] })).toThrow(/"HS256" is not allowed/);
    expect(() => verifier({ algorithms: ['RS256', 'none'] })).toThrow(/"none" is not allowed/);
  });

  it('needs exactly one of a JWKS URL and a PEM key', () => {
    expect(() => verifier({ jwksUrl: 'https://idp.example.test/jwks' })).toThrow(/exactly one/);
    expect(() => verifier({ publicKeyPem: undefined })).toThrow(/exactly one/);
  });

  it('refuses a private key PEM and text that is not a key, without quoting either', async () => {
    const privatePem = await exportPKCS8(rsa.privateKey);
    expect(() => verifier({ publicKeyPem: privatePem })).toThrow(/private key/);
    const garbage = '-----BEGIN PUBLIC KEY-----\nc2VjcmV0LWxvb2tpbmc=\n-----END PUBLIC KEY-----';
    expect(() => verifier({ publicKeyPem: garbage })).toThrow(/^publicKeyPem is not a PEM-encoded public key$/);
  });

  it('refuses a key that none of the pinned algorithms can use', () => {
    expect(() => verifier({ publicKeyPem: ecPublicPem, algorithms: ['RS256'] })).toThrow(/ec key/);
  });

  it('with several algorithms pinned, verifies with the one the key fits and refuses the others', async () => {
    const ecVerifier = verifier({ publicKeyPem: ecPublicPem, algorithms: ['RS256', 'ES256'] });
    await expect(ecVerifier.verify(await sign({}, { key: ec.privateKey, alg: 'ES256' }))).resolves.toMatchObject({
      subject: 'partner-portal',
    });
    expect(await failureOf(ecVerifier.verify(await sign()))).toMatchObject({ reason: 'invalid' });
  });
});

describe('JWT verification against a JWKS endpoint', () => {
  const servers: Server[] = [];

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function serve(status: number, body: string): Promise<string> {
    const server = createServer((_request, response) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  async function jwks(): Promise<string> {
    const jwk = await exportJWK(rsa.publicKey);
    return JSON.stringify({ keys: [{ ...jwk, kid: 'key-1', alg: 'RS256', use: 'sig' }] });
  }

  it('accepts a token signed by the key its kid names', async () => {
    const jwksUrl = await serve(200, await jwks());
    const principal = await verifier({ publicKeyPem: undefined, jwksUrl }).verify(await sign({ scope: 'ota:order' }, { kid: 'key-1' }));
    expect(principal).toEqual({ subject: 'partner-portal', scopes: new Set(['ota:order']), method: 'jwt' });
  });

  it('refuses a token whose kid is not in the set', async () => {
    const jwksUrl = await serve(200, await jwks());
    const reason = await reasonFor(await sign({}, { kid: 'key-2', key: otherRsa.privateKey }), {
      publicKeyPem: undefined,
      jwksUrl,
    });
    expect(reason).toBe('invalid');
  });

  it('says the keys are unavailable when the JWKS endpoint fails', async () => {
    const jwksUrl = await serve(500, '{"error":"down"}');
    expect(await reasonFor(await sign({}, { kid: 'key-1' }), { publicKeyPem: undefined, jwksUrl })).toBe('keys-unavailable');
  });

  it('says the keys are unavailable when the JWKS endpoint answers something that is not a key set', async () => {
    const jwksUrl = await serve(200, '{"keys":"none"}');
    expect(await reasonFor(await sign({}, { kid: 'key-1' }), { publicKeyPem: undefined, jwksUrl })).toBe('keys-unavailable');
  });

  it('says the keys are unavailable when the JWKS endpoint cannot be reached', async () => {
    const jwksUrl = await serve(200, await jwks());
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    expect(await reasonFor(await sign({}, { kid: 'key-1' }), { publicKeyPem: undefined, jwksUrl })).toBe('keys-unavailable');
  });

  it('fetches no JWKS again within the back-off after a failed fetch, then tries again', async () => {
    let fetches = 0;
    let up = false;
    const body = await jwks();
    const server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(up ? 200 : 500, { 'content-type': 'application/json' });
      response.end(up ? body : '{"error":"down"}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    const verify = verifier({ publicKeyPem: undefined, jwksUrl, jwksOutageBackoffMs: 300 });

    for (const kid of ['key-1', 'made-up-1', 'made-up-2']) {
      expect((await failureOf(verify.verify(await sign({}, { kid })))).reason).toBe('keys-unavailable');
    }
    expect(fetches).toBe(1);

    up = true;
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(verify.verify(await sign({}, { kid: 'key-1' }))).resolves.toMatchObject({ subject: 'partner-portal' });
    expect(fetches).toBe(2);
  });

  it('refuses a JWKS URL that is not http or https', () => {
    expect(() => verifier({ publicKeyPem: undefined, jwksUrl: 'file:///etc/jwks.json' })).toThrow(/jwksUrl/);
  });
});
