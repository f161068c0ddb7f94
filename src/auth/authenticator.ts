import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig } from './auth.config.js';
import { createApiKeyVerifier, type ApiKeyVerifier } from './api-key-store.js';
import { extractCredentials } from './credentials.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { AuthenticationError, type Principal } from './principal.js';

interface Authenticator {
  /** The caller of a request; rejects with AuthenticationError when it cannot be trusted. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal>;
}

/** The single client of `AUTH_MODE=none` (embedded simulator only). */
const ANONYMOUS_CLIENT_ID = 'anonymous';

/**
 * The gateway's client id (`jwt:<sub>`, `apikey:<client>` or `anonymous`): the key that scopes idempotency keys and journal rows to a caller. The method is part
 * of it so that a JWT subject and an API-key client of the same name never share orders.
 */
export function clientIdOf(principal: Principal): string {
  return principal.method === 'anonymous' ? ANONYMOUS_CLIENT_ID : `${principal.method}:${principal.subject}`;
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  if (config.mode === 'none') {
    const anonymous: Principal = { subject: ANONYMOUS_CLIENT_ID, scopes: new Set([config.orderScope]), method: 'anonymous' };
    return { authenticate: async () => anonymous };
  }
  const jwt: JwtVerifier | undefined = config.jwt && createJwtVerifier({ ...config.jwt });
  const apiKeys: ApiKeyVerifier | undefined = config.apiKeys && createApiKeyVerifier(config.apiKeys);

  return {
    async authenticate(headers) {
      const credentials = extractCredentials(headers);
      if (credentials.kind === 'bearer' && jwt) return jwt.verify(credentials.token);
      if (credentials.kind === 'apikey' && apiKeys) return apiKeys.verify(credentials.key);
      if (credentials.kind === 'none') throw new AuthenticationError('malformed', 'Authentication required');
      // A credential of a kind this deployment does not accept.
      throw new AuthenticationError('invalid');
    },
  };
}
