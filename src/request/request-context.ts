import type { IncomingMessage } from 'node:http';
import type { AuthConfig } from '../auth/auth.config.js';
import { clientIdOf, createAuthenticator } from '../auth/authenticator.js';
import { AuthenticationError } from '../auth/principal.js';
import { RequestAccessPolicy } from '../auth/request-access-policy.js';
import { negotiateCsssLanguage } from '../csss/csss.language.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import { RequestRateLimitedError } from '../rate-limits/rate-limited.error.js';
import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import { createLogThrottle } from '../observability/log-throttle.js';
import type { RequestInfo } from '../observability/request-info.js';
import type { GatewayContext } from './gateway-context.js';
import { RequestRefusedError, type Refusal } from './refusal.js';

/** The settings the request context reads (GatewayConfig has them). */
interface RequestContextSettings {
  auth: AuthConfig;
  /** The CSSS language when Accept-Language names none CSSS knows. */
  csssDefaultLanguage: CsssLanguage;
}

interface RequestContextParts {
  /** The per-client limit on GraphQL requests of any kind (shared through Redis when configured). */
  requestLimiter: RateLimiter;
}

type RequestContextFactory = (request: IncomingMessage, requestInfo: RequestInfo) => Promise<GatewayContext>;

/** While the identity provider is down, one error line per this interval, not one per request. */
const AUTH_OUTAGE_LOG_INTERVAL_MS = 60_000;

/**
 * Builds each request's context: who is calling (authentication), whether the caller is
 * within its request limit, and in which language. A refused caller is a
 * RequestRefusedError, which the HTTP front answers with `refuse`.
 */
export function createRequestContextFactory(settings: RequestContextSettings, parts: RequestContextParts): RequestContextFactory {
  const authenticator = createAuthenticator(settings.auth);
  const requestAccess = new RequestAccessPolicy(parts.requestLimiter);
  const outageLog = createLogThrottle(AUTH_OUTAGE_LOG_INTERVAL_MS);

  function refusalOf(error: AuthenticationError | RequestRateLimitedError): Refusal {
    const answer = {
      kind: error.kind,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
      extensions: error.clientExtensions(),
    };
    if (error instanceof RequestRateLimitedError) return { ...answer, log: { message: 'request refused: request rate limit' } };
    const log = { message: 'request refused: authentication failed', fields: { reason: error.reason } };
    if (!error.isOutage) return { ...answer, log };
    // An outage refuses every caller: one error line per interval, the rest at debug.
    const heldBack = outageLog.take();
    if (heldBack === undefined) return { ...answer, log: { ...log, level: 'debug' } };
    return { ...answer, log: { ...log, level: 'error', fields: { ...log.fields, refusedSinceLastLine: heldBack } } };
  }

  return async (request, requestInfo) => {
    try {
      const principal = await authenticator.authenticate(request.headers);
      const clientId = clientIdOf(principal);
      await requestAccess.checkRequest(principal, clientId);
      return {
        language: negotiateCsssLanguage(request.headers['accept-language'], settings.csssDefaultLanguage),
        principal,
        clientId,
        requestInfo,
      };
    } catch (error) {
      if (error instanceof AuthenticationError || error instanceof RequestRateLimitedError) throw new RequestRefusedError(refusalOf(error));
      throw error;
    }
  };
}
