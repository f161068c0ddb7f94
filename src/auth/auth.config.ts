import type { ApiKeyRecord } from './api-key-store.js';

/** How callers authenticate; config.ts reads it from AUTH_MODE. */
export const AUTH_MODES = ['none', 'jwt', 'apikey', 'both'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export interface JwtConfig {
  issuer: string;
  audience: string;
  algorithms: string[];
  jwksUrl?: string;
  publicKeyPem?: string;
}

/** Who may call: `none` lets everyone in as one anonymous client (simulator only). */
export interface AuthConfig {
  mode: AuthMode;
  jwt?: JwtConfig;
  apiKeys?: ApiKeyRecord[];
  /** The OAuth scope a caller needs to place an order. */
  orderScope: string;
}
