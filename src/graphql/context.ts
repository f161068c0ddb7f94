import type { Principal } from '../auth/principal.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import type { RequestScope } from '../observability/request-scope.js';

/** Per-request values the HTTP layer works out before any resolver runs. */
export interface GatewayContext {
  /** CSSS language negotiated from the caller's Accept-Language header. */
  language: CsssLanguage;
  /** Who is calling, as authenticated. */
  principal: Principal;
  /** The caller's scope for idempotency keys and order attempts (see clientScopeOf). */
  clientId: string;
  /** The request's id and timings, for logs, metrics and error extensions. */
  scope: RequestScope;
}
