import type { CsssLanguage } from '../csss/csss.wire.js';

/** Per-request values the HTTP layer works out before any resolver runs. */
export interface GatewayContext {
  /** CSSS language negotiated from the caller's Accept-Language header. */
  language: CsssLanguage;
  /** The calling client; idempotency keys and order attempts are scoped to it. */
  clientId: string;
}

/** The one client scope used until callers are authenticated. */
export const ANONYMOUS_CLIENT_ID = 'anonymous';
