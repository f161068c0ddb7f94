import type { CsssLanguage } from '../csss/csss.wire.js';

/** Per-request values the HTTP layer works out before any resolver runs. */
export interface GatewayContext {
  /** CSSS language negotiated from the caller's Accept-Language header. */
  language: CsssLanguage;
}
