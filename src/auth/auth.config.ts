import type { ApiKeyRecord } from './api-key-store.js';

/** How callers authenticate; auth.config-reader.ts reads it from AUTH_MODE. */
export const AUTH_MODES = ['none', 'jwt', 'apikey', 'both'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface JwtConfig {
  issuer: string;
  audience: string;
  algorithms: string[];
  jwksUrl?: string;
  publicKeyPem?: string;
  /** The longest a token may live: `iat` at most this old, `exp` at most this far ahead; 24 h if left out. */
  maxTokenAgeSeconds?: number;
}

/** AUTH_JWT_MAX_AGE unless set: a leaked token is usable for a day at most. */
export const DEFAULT_JWT_MAX_AGE_SECONDS = 24 * 60 * 60;

/** Who may call: `none` lets everyone in as one anonymous client (simulator only). */
export interface AuthConfig {
  mode: AuthMode;
  jwt?: JwtConfig;
  apiKeys?: ApiKeyRecord[];
  /** The OAuth scope a caller needs to place an order. */
  orderScope: string;
}
