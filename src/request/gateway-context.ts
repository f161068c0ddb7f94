import type { Principal } from '../auth/principal.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import type { RequestInfo } from '../observability/request-info.js';

/** Per-request values the request's edge works out before any resolver runs. */
export interface GatewayContext {
  /** CSSS language negotiated from the caller's Accept-Language header. */
  language: CsssLanguage;
  /** Who is calling, as authenticated; `principal.subject` is the credential's own name. */
  principal: Principal;
  /**
   * The gateway's client id (`jwt:<sub>`, `apikey:<client>`, `anonymous`; see clientIdOf):
   * the key idempotency keys, order attempts and limits are kept under.
   */
  clientId: string;
  /** The request's id, timings and logger, for logs, metrics and error extensions. */
  requestInfo: RequestInfo;
}
