import { createHmac, createSecretKey, hash, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { AuthenticationError, type Principal } from './principal.js';

/**
 * Service API keys for server-to-server callers, `csk_<keyId>_<secret>`: the key id
 * (12 hex characters) finds the record, the secret (32 random bytes, base64url) proves
 * possession. The store holds only a salted hash of the secret.
 *
 * The hash is HMAC-SHA256 keyed with a per-key random salt, not scrypt. A slow hash only
 * helps secrets an attacker can guess; a 256-bit random secret cannot be brute-forced
 * from a leaked hash at any hash speed. scrypt would cost every request, on the event
 * loop, including requests with made-up key ids (they are hashed too, against a dummy,
 * so timing does not reveal which ids exist): measured on Node 20, scryptSync with
 * N=1024, r=8 takes about 1.4 ms per call and N=16384 about 22 ms, against about 2 µs
 * for the HMAC. The salt keeps equal secrets from having equal hashes.
 */
export interface ApiKeyRecord {
  keyId: string;
  /**
   * The client the key is issued to: the principal's `subject`; the gateway's client id
   * is `apikey:<this>`. The name is the key file's (API_KEYS_FILE) field.
   */
  clientId: string;
  scopes: string[];
  /** base64url, 16 random bytes. */
  salt: string;
  /** base64url of HMAC-SHA256(salt, secret). */
  hash: string;
}

export interface ApiKeyVerifier {
  /** The key's principal; throws AuthenticationError for a malformed, unknown or wrong key. */
  verify(presentedKey: string): Principal;
}

const KEY_PREFIX = 'csk_';
const KEY_ID_PATTERN = /^[0-9a-f]{12}$/;
const SECRET_BYTES = 32;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
/**
 * The key id has a fixed alphabet without `_`, so the secret is everything after the
 * second `_`, even though base64url secrets may contain `_` themselves. Secrets of any
 * length are hashed (and simply fail to match); the bound keeps the work per request small.
 */
const PRESENTED_KEY_PATTERN = /^csk_([0-9a-f]{12})_([A-Za-z0-9_-]{1,256})$/;
/** RFC 6749 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const CLIENT_ID_PATTERN = /^[\x21-\x7E]{1,128}$/;

/** Creates a key and the record to store; the key itself is returned only here. */
export function generateApiKey(clientId: string, scopes: readonly string[]): { key: string; record: ApiKeyRecord } {
  const problems = [...clientIdProblems(clientId), ...scopesProblems(scopes)];
  if (problems.length > 0) throw new Error(`Cannot create an API key: ${problems.join('; ')}`);
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  const salt = randomBytes(SALT_BYTES);
  return {
    key: `${KEY_PREFIX}${keyId}_${secret}`,
    record: {
      keyId,
      clientId,
      scopes: [...new Set(scopes)],
      salt: salt.toString('base64url'),
      hash: hashSecret(salt, secret).toString('base64url'),
    },
  };
}

/**
 * Reads the JSON array of records (from AUTH_API_KEYS or a keys file). Every bad entry
 * is named by its index in one Error; salts and hashes are never quoted, and neither is
 * the JSON parser's message, which can quote the input.
 */
export function parseApiKeyRecords(json: string): ApiKeyRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('API key records are not valid JSON');
  }
  if (!Array.isArray(parsed)) throw new Error('API key records must be a JSON array');

  const problems: string[] = [];
  const records: ApiKeyRecord[] = [];
  const indexById = new Map<string, number>();
  parsed.forEach((entry: unknown, index) => {
    const entryProblems = recordProblems(entry);
    if (entryProblems.length > 0) {
      problems.push(`entry ${index}: ${entryProblems.join('; ')}`);
      return;
    }
    const record = entry as ApiKeyRecord;
    const earlier = indexById.get(record.keyId);
    if (earlier !== undefined) {
      problems.push(`entry ${index}: keyId "${record.keyId}" repeats entry ${earlier}`);
      return;
    }
    indexById.set(record.keyId, index);
    records.push({
      keyId: record.keyId,
      clientId: record.clientId,
      scopes: [...record.scopes],
      salt: record.salt,
      hash: record.hash,
    });
  });
  if (problems.length > 0) throw new Error(`Invalid API key records:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return records;
}

interface StoredKey {
  /** The salt as a key object, made once: Node 24 checks a Buffer key on every createHmac (about 11 µs against 2 µs). */
  salt: KeyObject;
  hash: Buffer;
  principal: Principal;
  /**
   * SHA-256 of the secret that last matched `hash`. Every request presents the same key,
   * and a one-shot SHA-256 costs less than building an HMAC on the salt (verify measured
   * alone: 3.2 against 2.3 µs; the HMAC was about 18 µs per order in a loaded 32-connection
   * CPU profile), so a key already proven is checked against this instead. It lives as long as the verifier and its records: a key removed
   * from the records (and the gateway restarted) is refused as before.
   */
  verified?: Buffer;
}

/**
 * A made-up record that unknown key ids are checked against, so that an unknown id costs
 * the same hash and comparison as a known one with a wrong secret.
 */
const UNKNOWN_KEY: StoredKey = {
  salt: createSecretKey(randomBytes(SALT_BYTES)),
  hash: randomBytes(HASH_BYTES),
  principal: { subject: '', scopes: new Set(), method: 'apikey' },
};

export function createApiKeyVerifier(records: readonly ApiKeyRecord[]): ApiKeyVerifier {
  const keys = new Map<string, StoredKey>();
  records.forEach((record, index) => {
    const problems = recordProblems(record);
    if (problems.length > 0) throw new Error(`Invalid API key record ${index}: ${problems.join('; ')}`);
    if (keys.has(record.keyId)) throw new Error(`Invalid API key record ${index}: keyId "${record.keyId}" repeats an earlier record`);
    keys.set(record.keyId, {
      salt: createSecretKey(Buffer.from(record.salt, 'base64url')),
      hash: Buffer.from(record.hash, 'base64url'),
      principal: { subject: record.clientId, scopes: new Set(record.scopes), method: 'apikey' },
    });
  });

  return {
    verify(presentedKey: string): Principal {
      const match = PRESENTED_KEY_PATTERN.exec(presentedKey);
      if (!match) throw new AuthenticationError('malformed');
      const [, keyId = '', secret = ''] = match;
      const stored = keys.get(keyId) ?? UNKNOWN_KEY;
      // Both sides of each comparison are SHA-256 outputs, so the lengths always agree and
      // timingSafeEqual never throws, whatever the caller sent. A secret that is not the
      // proven one (and any secret for an unknown id) still pays the full HMAC check, so
      // only the right secret is faster: timing does not reveal which ids exist.
      const digest = hash('sha256', secret, 'buffer');
      if (stored.verified !== undefined && timingSafeEqual(digest, stored.verified)) return { ...stored.principal };
      const matches = timingSafeEqual(hashSecret(stored.salt, secret), stored.hash);
      if (!matches || stored === UNKNOWN_KEY) throw new AuthenticationError('invalid');
      stored.verified = digest;
      return { ...stored.principal };
    },
  };
}

/**
 * Hashes the secret's text rather than its decoded bytes: base64url decoding is lenient
 * (unused trailing bits are ignored), so hashing the text keeps exactly one accepted
 * spelling of each key.
 */
function hashSecret(salt: Buffer | KeyObject, secret: string): Buffer {
  return createHmac('sha256', salt).update(secret, 'utf8').digest();
}

function recordProblems(entry: unknown): string[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return ['must be an object'];
  const record = entry as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof record.keyId !== 'string' || !KEY_ID_PATTERN.test(record.keyId)) {
    problems.push('keyId must be 12 lowercase hex characters');
  }
  problems.push(...clientIdProblems(record.clientId), ...scopesProblems(record.scopes));
  if (!isBase64urlOfAtLeast(record.salt, SALT_BYTES)) problems.push(`salt must be base64url of at least ${SALT_BYTES} bytes`);
  if (!isBase64urlOf(record.hash, HASH_BYTES)) problems.push(`hash must be base64url of ${HASH_BYTES} bytes`);
  return problems;
}

function clientIdProblems(clientId: unknown): string[] {
  return typeof clientId === 'string' && CLIENT_ID_PATTERN.test(clientId)
    ? []
    : ['clientId must be 1 to 128 printable ASCII characters without spaces'];
}

function scopesProblems(scopes: unknown): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) return ['scopes must be a non-empty array of scope names'];
  return scopes.every((scope) => typeof scope === 'string' && SCOPE_PATTERN.test(scope))
    ? []
    : ['every scope must be printable ASCII without spaces, quotes or backslashes'];
}

function isBase64urlOf(value: unknown, bytes: number): boolean {
  return typeof value === 'string' && BASE64URL_PATTERN.test(value) && Buffer.from(value, 'base64url').length === bytes;
}

function isBase64urlOfAtLeast(value: unknown, bytes: number): boolean {
  return typeof value === 'string' && BASE64URL_PATTERN.test(value) && Buffer.from(value, 'base64url').length >= bytes;
}
