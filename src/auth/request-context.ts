import type { IncomingMessage } from 'node:http';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { negotiateCsssLanguage } from '../csss/csss.language.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import { httpAnswerOf } from '../errors/error-codes.js';
import { RequestRateLimitedError } from '../rate-limits/rate-limited.error.js';
import type { RateLimiter } from '../rate-limits/rate-limiter.js';
import type { Logger } from '../logger.js';
import { createLogThrottle } from '../observability/log-throttle.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RequestInfo } from '../observability/request-info.js';
import type { AuthConfig } from './auth.config.js';
import { clientIdOf, createAuthenticator } from './authenticator.js';
import { AuthenticationError, type Principal } from './principal.js';
import { RequestAccessPolicy } from './request-access-policy.js';

/** Per-request values the HTTP layer works out before any resolver runs. */
export interface GatewayContext {
  /** CSSS language negotiated from the caller's Accept-Language header. */
  language: CsssLanguage;
  /** Who is calling, as authenticated. */
  principal: Principal;
  /** The key idempotency keys and order attempts are kept under (see clientIdOf). */
  clientId: string;
  /** The request's id and timings, for logs, metrics and error extensions. */
  requestInfo: RequestInfo;
}

/** The settings the request context reads (GatewayConfig has them). */
export interface RequestContextSettings {
  auth: AuthConfig;
  /** The CSSS language when Accept-Language names none CSSS knows. */
  csssDefaultLanguage: CsssLanguage;
}

export interface RequestContextParts {
  /** The per-client limit on GraphQL requests of any kind (shared through Redis when configured). */
  requestLimiter: RateLimiter;
  logger: Logger;
  metrics: GatewayMetrics;
}

export type RequestContextFactory = (request: IncomingMessage, requestInfo: RequestInfo) => Promise<GatewayContext>;

/** While the identity provider is down, one error line per this interval, not one per request. */
const AUTH_OUTAGE_LOG_INTERVAL_MS = 60_000;

/**
 * Builds each request's context: who is calling (authentication), whether the caller is
 * within its request limit, and in which language. A refused caller gets a GraphQL error
 * carrying its kind's HTTP status and headers.
 */
export function createRequestContextFactory(settings: RequestContextSettings, parts: RequestContextParts): RequestContextFactory {
  const { logger, metrics } = parts;
  const authenticator = createAuthenticator(settings.auth);
  const requestAccess = new RequestAccessPolicy(parts.requestLimiter);
  const outageLog = createLogThrottle(AUTH_OUTAGE_LOG_INTERVAL_MS);
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
      if (!(error instanceof AuthenticationError) && !(error instanceof RequestRateLimitedError)) throw error;
      // Apollo answers a failed context at once, without the plugins, so this refusal is
      // counted, logged and given its status and request id here.
      const { requestId } = requestInfo;
      metrics.countGraphqlRequest(undefined, error.code);
      if (error instanceof RequestRateLimitedError) logger.warn({ requestId }, 'request refused: request rate limit');
      else if (!error.isOutage) logger.warn({ requestId, reason: error.reason }, 'request refused: authentication failed');
      else {
        const heldBack = outageLog.take();
        if (heldBack === undefined) logger.debug({ requestId, reason: error.reason }, 'request refused: authentication failed');
        else logger.error({ requestId, reason: error.reason, refusedSinceLastLine: heldBack }, 'request refused: authentication failed');
      }
      const answer = httpAnswerOf(error.kind, error.retryAfterSeconds);
      const http = answer && { status: answer.status, headers: new HeaderMap(answer.headers) };
      throw new GraphQLError(error.message, { originalError: error, extensions: { requestId, http } });
    }
  };
}
