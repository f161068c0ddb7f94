import { createPublicKey, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DEFAULT_JWT_MAX_AGE_SECONDS } from './auth.config.js';
import { AuthenticationError, type AuthenticationFailure, type Principal } from './principal.js';

export interface JwtVerifierOptions {
  /** Expected `iss`, compared exactly. */
  issuer: string;
  /** Expected `aud` (a token may list several; this one must be among them). */
  audience: string;
  /** The only signature algorithms accepted; the caller applies the default `['RS256']`. */
  algorithms: string[];
  /** Allowed clock skew for `exp` and `nbf`; 30 s when left out. */
  clockToleranceSeconds?: number;
  /** The identity provider's JWKS endpoint. Exactly one of `jwksUrl` and `publicKeyPem`. */
  jwksUrl?: string;
  /** One SPKI public key in PEM. Exactly one of `jwksUrl` and `publicKeyPem`. */
  publicKeyPem?: string;
  /**
   * The longest a token may live: `iat` (then required) at most this old and not in the
   * future, `exp` at most this far ahead (both within the clock tolerance). 24 h when left out.
   */
  maxTokenAgeSeconds?: number;
  /** After the JWKS could not be fetched, no new fetch for this long; 5 s when left out. */
  jwksOutageBackoffMs?: number;
  /** The verifier's clock; tests pin it, production leaves it out. */
  now?: () => Date;
}

export interface JwtVerifier {
  /** Resolves to the token's principal; rejects with AuthenticationError for any bad token. */
  verify(token: string): Promise<Principal>;
}

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** As long as the Retry-After of the 503 a JWKS outage answers, so a client's retry may find it back. */
const DEFAULT_JWKS_OUTAGE_BACKOFF_MS = 5_000;

/**
 * Public-key algorithms only: pinning an HMAC algorithm next to a public key is the
 * key-confusion attack (the public key becomes the shared secret), and `none` is no
 * signature at all, so configuration with either is refused outright.
 */
export const JWT_PUBLIC_KEY_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Compact JWTs from real providers are a few KiB; refusing huge ones skips decoding them. */
const MAX_TOKEN_LENGTH = 8 * 1024;

/**
 * Verifies bearer JWTs against a pinned set of algorithms, one issuer and one audience,
 * with `exp` required. Problems with the options are configuration errors and throw a
 * plain Error here, at start-up; problems with a token reject `verify` with
 * AuthenticationError, whose message never carries the token or its claims (jose's
 * errors do carry the claims, so they are not kept as the cause).
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new Error('clockToleranceSeconds must be a non-negative number');
  }
  const maxTokenAge = options.maxTokenAgeSeconds ?? DEFAULT_JWT_MAX_AGE_SECONDS;
  if (!Number.isFinite(maxTokenAge) || maxTokenAge <= 0) throw new Error('maxTokenAgeSeconds must be a positive number');
  if (options.issuer === '') throw new Error('issuer must not be empty');
  if (options.audience === '') throw new Error('audience must not be empty');
  if (options.algorithms.length === 0) throw new Error('algorithms must name at least one algorithm');
  for (const algorithm of options.algorithms) {
    if (!(JWT_PUBLIC_KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new Error(`algorithm "${algorithm}" is not allowed; use one of ${JWT_PUBLIC_KEY_ALGORITHMS.join(', ')}`);
    }
  }
  if ((options.jwksUrl === undefined) === (options.publicKeyPem === undefined)) {
    throw new Error('exactly one of jwksUrl and publicKeyPem must be given');
  }

  let key: KeyObject | JWTVerifyGetKey;
  let algorithms = [...options.algorithms];
  if (options.publicKeyPem !== undefined) {
    const publicKey = importPublicKeyPem(options.publicKeyPem);
    // Narrowing the pin to what this key can verify makes jose refuse other algorithms
    // by name, before it tries the key at all.
    algorithms = algorithms.filter((algorithm) => keyFitsAlgorithm(publicKey, algorithm));
    if (algorithms.length === 0) {
      throw new Error(
        `publicKeyPem is a ${publicKey.asymmetricKeyType ?? 'unknown'} key, which none of the algorithms ${options.algorithms.join(', ')} can use`,
      );
    }
    key = publicKey;
  } else {
    key = remoteKeySet(options.jwksUrl ?? '', options.jwksOutageBackoffMs ?? DEFAULT_JWKS_OUTAGE_BACKOFF_MS);
  }

  return {
    async verify(token: string): Promise<Principal> {
      if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
        throw new AuthenticationError('malformed');
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms,
          clockTolerance: tolerance,
          // A token that never expires stays usable forever once leaked; `iat` dates it.
          requiredClaims: ['exp', 'sub', 'iat'],
          // jose also refuses an `iat` in the future (beyond the tolerance) with this set.
          maxTokenAge,
          currentDate: options.now?.(),
        }));
      } catch (error) {
        throw new AuthenticationError(failureOf(error));
      }
      // maxTokenAge bounds how old a token is, not how long it will still be accepted: a
      // freshly issued token with `exp` a century ahead is refused here.
      const nowSeconds = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
      if (typeof payload.exp === 'number' && payload.exp - nowSeconds > maxTokenAge + tolerance) {
        throw new AuthenticationError('invalid');
      }
      return principalOf(payload);
    },
  };
}

function importPublicKeyPem(pem: string): KeyObject {
  // createPublicKey would quietly derive the public half of a private key; the gateway
  // should never be handed the signing key, so say so instead.
  if (/PRIVATE KEY/.test(pem)) throw new Error('publicKeyPem holds a private key; give the gateway only the public key');
  try {
    return createPublicKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message is not repeated: it can quote the input.
    throw new Error('publicKeyPem is not a PEM-encoded public key');
  }
}

/** One KeyObject serves every pinned algorithm its type supports; jose checks the rest. */
function keyFitsAlgorithm(key: KeyObject, algorithm: string): boolean {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (algorithm.startsWith('RS')) return type === 'rsa';
  if (algorithm.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (algorithm === 'ES256') return type === 'ec' && curve === 'prime256v1';
  if (algorithm === 'ES384') return type === 'ec' && curve === 'secp384r1';
  if (algorithm === 'ES512') return type === 'ec' && curve === 'secp521r1';
  if (algorithm === 'Ed25519') return type === 'ed25519';
  if (algorithm === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  return false;
}

/** Marks a failure to fetch or read the JWKS, so it is not mistaken for a bad token. */
class KeysUnavailableError extends Error {}

function remoteKeySet(jwksUrl: string, outageBackoffMs: number): JWTVerifyGetKey {
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new Error('jwksUrl must be an http:// or https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('jwksUrl must be an http:// or https:// URL');
  // jose caches the set, refetches at most once per cooldown for an unknown `kid` after a
  // successful fetch, and times a fetch out after 5 s. After a failed fetch it has nothing
  // to cool down from and would fetch again for every token, so during an outage each
  // made-up `kid` would cost one request to the provider: the backoff below stops that.
  const keySet = createRemoteJWKSet(url);
  let failedAt: number | undefined;
  return async (header, token) => {
    if (failedAt !== undefined && performance.now() - failedAt < outageBackoffMs) {
      // Keys fetched before the outage still verify the tokens they signed.
      const cached = keySet.jwks();
      if (cached === undefined) throw new KeysUnavailableError('the JWKS could not be fetched recently');
      try {
        return await createLocalJWKSet(cached)(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey) throw new KeysUnavailableError('the JWKS could not be fetched recently');
        throw error;
      }
    }
    try {
      const found = await keySet(header, token);
      failedAt = undefined;
      return found;
    } catch (error) {
      if (isFetchFailure(error)) {
        failedAt = performance.now();
        throw new KeysUnavailableError('the JWKS could not be fetched or read');
      }
      throw error;
    }
  };
}

/**
 * jose reports an unreachable or broken JWKS as a network TypeError, a timeout, a
 * generic JOSEError (non-200 status, not JSON) or an invalid set; every other error
 * from the key lookup (no key for that `kid`, unsupported `alg`) is the token's fault.
 */
function isFetchFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.code === errors.JOSEError.code;
}

function failureOf(error: unknown): AuthenticationFailure {
  if (error instanceof KeysUnavailableError) return 'keys-unavailable';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  return 'invalid';
}

function principalOf(payload: JWTPayload): Principal {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub.trim() === '') throw new AuthenticationError('invalid');
  return { subject: sub, scopes: scopesOf(payload), method: 'jwt' };
}

/**
 * OAuth's `scope` is a space-separated string (RFC 8693, RFC 9068); some providers use
 * `scp`, as an array (Okta) or as a string (Entra ID). `scope` wins when both are present.
 * A claim of any other shape is refused rather than read as "no scopes", so a
 * misconfigured provider shows up as failures instead of silent downgrades.
 */
function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const claim = payload.scope ?? payload.scp;
  if (claim === undefined) return new Set();
  if (typeof claim === 'string') return new Set(claim.split(/\s+/).filter((scope) => scope !== ''));
  if (Array.isArray(claim) && claim.every((scope): scope is string => typeof scope === 'string' && scope !== '')) {
    return new Set(claim);
  }
  throw new AuthenticationError('invalid');
}
