import type { ApolloServerPlugin } from '@apollo/server';
import { httpAnswerOf } from '../errors/error-codes.js';
import { GatewayError } from '../errors/gateway.error.js';
import type { GatewayContext } from '../auth/request-context.js';

/**
 * Gives a response the HTTP status and headers of its first error's kind (ERROR_KINDS),
 * so proxies, clients and logs see refusals without reading the body: 403, and 429 with
 * Retry-After. Kinds without a status keep GraphQL's 200, because part of an operation
 * may have succeeded. Errors raised while the context is built are answered before
 * plugins run; the request context gives them their status from the same table.
 */
export function httpStatusPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, errors }) {
          if (response.body.kind !== 'single') return;
          const first = errors?.[0]?.originalError;
          if (!(first instanceof GatewayError)) return;
          const answer = httpAnswerOf(first.kind, first.retryAfterSeconds ?? first.kind.retryAfterSeconds);
          if (!answer) return;
          response.http.status = answer.status;
          for (const [name, value] of answer.headers) response.http.headers.set(name, value);
        },
      };
    },
  };
}
