import { ERROR_KINDS } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway.error.js';

/** Who is calling, as the HTTP layer works it out before any resolver runs. */
export interface Principal {
  /**
   * The JWT `sub`, or the client an API key was issued to, as the credential names it.
   * Not the gateway's client id: that is `clientIdOf(principal)`, namespaced by method.
   */
  subject: string;
  scopes: ReadonlySet<string>;
  method: 'jwt' | 'apikey' | 'anonymous';
}

/**
 * Why authentication failed, in a fixed vocabulary that is safe to log: it never holds
 * any part of a credential. `keys-unavailable` means the identity provider's keys could
 * not be fetched, an outage on our side rather than a bad caller, so it deserves an alert.
 */
export type AuthenticationFailure = 'malformed' | 'invalid' | 'expired' | 'keys-unavailable';

/**
 * The caller is not (validly) authenticated: UNAUTHENTICATED, HTTP 401; or, for
 * `keys-unavailable`, the gateway cannot tell: SERVICE_UNAVAILABLE, HTTP 503, so that a
 * client keeps its valid token and retries. The message is generic and never echoes the
 * credential presented, so it can go to the caller as is.
 */
export class AuthenticationError extends GatewayError {
  override readonly name = 'AuthenticationError';
  constructor(
    readonly reason: AuthenticationFailure = 'invalid',
    message = reason === 'keys-unavailable' ? 'Credentials cannot be checked right now; retry shortly' : 'Invalid credentials',
  ) {
    super(message);
  }

  /** An outage on the gateway's side (the identity provider's keys), not a bad credential. */
  get isOutage(): boolean {
    return this.reason === 'keys-unavailable';
  }

  get kind() {
    return this.isOutage ? ERROR_KINDS.credentialsUncheckable : ERROR_KINDS.unauthenticated;
  }
}

/**
 * The caller is authenticated but lacks a scope: FORBIDDEN, HTTP 403. Naming the scope
 * reveals nothing secret and tells the client's owner what to ask for.
 */
export class ForbiddenError extends GatewayError {
  override readonly name = 'ForbiddenError';
  readonly kind = ERROR_KINDS.forbidden;
  constructor(readonly requiredScope: string) {
    super(`This operation requires the scope "${requiredScope}"`);
  }
}
