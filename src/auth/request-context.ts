import type { IncomingMessage } from 'node:http';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { negotiateCsssLanguage } from '../csss/csss.language.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import { httpAnswerOf } from '../errors/error-codes.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RequestInfo } from '../observability/request-info.js';
import type { AuthConfig } from './auth.config.js';
import { clientIdOf, createAuthenticator } from './authenticator.js';
import { AuthenticationError, type Principal } from './principal.js';

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

export interface RequestContextOptions {
  auth: AuthConfig;
  /** The CSSS language when Accept-Language names none CSSS knows. */
  defaultLanguage: CsssLanguage;
  logger: Logger;
  metrics: GatewayMetrics;
}

export type RequestContextFactory = (request: IncomingMessage, requestInfo: RequestInfo) => Promise<GatewayContext>;

/**
 * Builds each request's context: who is calling (authentication) and in which language.
 * A refused caller gets a GraphQL error carrying its kind's HTTP status and headers.
 */
export function createRequestContextFactory(options: RequestContextOptions): RequestContextFactory {
  const { logger, metrics } = options;
  const authenticator = createAuthenticator(options.auth);
  return async (request, requestInfo) => {
    try {
      const principal = await authenticator.authenticate(request.headers);
      return {
        language: negotiateCsssLanguage(request.headers['accept-language'], options.defaultLanguage),
        principal,
        clientId: clientIdOf(principal),
        requestInfo,
      };
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      // Apollo answers a failed context at once, without the plugins, so this refusal is
      // counted, logged and given its status and request id here.
      const { requestId } = requestInfo;
      metrics.countGraphqlRequest(undefined, error.code);
      if (error.isOutage) logger.error({ requestId, reason: error.reason }, 'request refused: authentication failed');
      else logger.warn({ requestId, reason: error.reason }, 'request refused: authentication failed');
      const answer = httpAnswerOf(error.kind);
      const http = answer && { status: answer.status, headers: new HeaderMap(answer.headers) };
      throw new GraphQLError(error.message, { originalError: error, extensions: { requestId, http } });
    }
  };
}
