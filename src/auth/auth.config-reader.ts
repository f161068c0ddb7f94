import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EnvReader } from '../env/env-reader.js';
import { unreadableReason } from '../env/env-reader.js';
import { isHttpUrl, isHttpsOrLoopback } from '../env/url-checks.js';
import { parseApiKeyRecords } from './api-key-store.js';
import { AUTH_MODES, DEFAULT_JWT_MAX_AGE_SECONDS, type AuthConfig, type AuthMode } from './auth.config.js';
import { JWT_PUBLIC_KEY_ALGORITHMS } from './jwt-verifier.js';

/** AUTH_JWT_MAX_AGE's range: a minute at least, a month at most. */
const MIN_TOKEN_AGE_SECONDS = 60;
const MAX_TOKEN_AGE_SECONDS = 31 * 24 * 60 * 60;

/**
 * AUTH_*: who may call. With a real CSSS (`realCsss`: CSSS_BASE_URL is set) the gateway
 * spends real money, so it refuses to start without authentication; `none` is only the
 * default with the simulator.
 */
export function readAuthConfig(env: EnvReader, realCsss: boolean): AuthConfig {
  const orderScope = env.value('AUTH_ORDER_SCOPE') ?? 'ota:order';
  const modeText = env.value('AUTH_MODE') ?? 'none';
  const mode = AUTH_MODES.find((known) => known === modeText);
  if (!mode) {
    env.problem(`AUTH_MODE must be one of ${AUTH_MODES.join(', ')} (got "${modeText}")`);
    return { mode: 'none', orderScope };
  }
  if (mode === 'none') {
    if (realCsss) {
      env.problem(
        'AUTH_MODE must be jwt, apikey or both when CSSS_BASE_URL is set: a real CSSS places paid orders, so anonymous callers are refused (see docs/security.md)',
      );
    }
    return { mode, orderScope };
  }
  const auth: AuthConfig = { mode, orderScope };
  if (mode === 'jwt' || mode === 'both') readJwt(env, mode, auth);
  if (mode === 'apikey' || mode === 'both') readApiKeys(env, mode, auth);
  return auth;
}

function readJwt(env: EnvReader, mode: AuthMode, auth: AuthConfig): void {
  const issuer = env.value('AUTH_JWT_ISSUER');
  const audience = env.value('AUTH_JWT_AUDIENCE');
  const jwksUrl = env.value('AUTH_JWKS_URL');
  const publicKeyPem = env.secret('AUTH_JWT_PUBLIC_KEY')?.trim() || undefined;
  const maxTokenAgeSeconds = env.durationSeconds(
    'AUTH_JWT_MAX_AGE',
    DEFAULT_JWT_MAX_AGE_SECONDS,
    MIN_TOKEN_AGE_SECONDS,
    MAX_TOKEN_AGE_SECONDS,
  );
  const algorithms = (env.value('AUTH_JWT_ALGORITHMS') ?? 'RS256').split(',').map((name) => name.trim());
  if (!issuer) env.problem(`AUTH_JWT_ISSUER is required when AUTH_MODE is ${mode}`);
  if (!audience) env.problem(`AUTH_JWT_AUDIENCE is required when AUTH_MODE is ${mode}`);
  const unknown = algorithms.filter((name) => !(JWT_PUBLIC_KEY_ALGORITHMS as readonly string[]).includes(name));
  if (unknown.length > 0 || algorithms.length === 0) {
    env.problem(
      `AUTH_JWT_ALGORITHMS must list public-key algorithms from ${JWT_PUBLIC_KEY_ALGORITHMS.join(', ')} (got "${algorithms.join(',')}")`,
    );
  }
  if ((jwksUrl === undefined) === (publicKeyPem === undefined)) {
    env.problem(`exactly one of AUTH_JWKS_URL and AUTH_JWT_PUBLIC_KEY is required when AUTH_MODE is ${mode}`);
  }
  if (jwksUrl !== undefined && !isHttpUrl(jwksUrl)) env.problem(`AUTH_JWKS_URL must be an http:// or https:// URL (got "${jwksUrl}")`);
  else if (jwksUrl !== undefined && !isHttpsOrLoopback(jwksUrl)) {
    env.problem(
      `AUTH_JWKS_URL must be an https:// URL (got "${jwksUrl}"): over plain http anyone on the network path can swap the keys and forge any token; http is allowed only for loopback addresses`,
    );
  }
  if (publicKeyPem !== undefined && !isPublicKeyPem(publicKeyPem)) {
    env.problem('AUTH_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  }
  if (issuer && audience) auth.jwt = { issuer, audience, algorithms, jwksUrl, publicKeyPem, maxTokenAgeSeconds };
}

function readApiKeys(env: EnvReader, mode: AuthMode, auth: AuthConfig): void {
  const inline = env.value('AUTH_API_KEYS');
  const file = env.value('AUTH_API_KEYS_FILE');
  if ((inline === undefined) === (file === undefined)) {
    env.problem(`exactly one of AUTH_API_KEYS and AUTH_API_KEYS_FILE is required when AUTH_MODE is ${mode}`);
    return;
  }
  try {
    auth.apiKeys = parseApiKeyRecords(inline ?? readFileSync(file!, 'utf8'));
  } catch (error) {
    env.problem(`${inline !== undefined ? 'AUTH_API_KEYS' : `AUTH_API_KEYS_FILE (${file})`} ${unreadableReason(error)}`);
  }
}

function isPublicKeyPem(text: string): boolean {
  try {
    return createPublicKey(text).type === 'public' && text.includes('PUBLIC KEY');
  } catch {
    return false;
  }
}
