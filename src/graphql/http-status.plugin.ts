import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './context.js';

/**
 * Gives refusals from resolvers their HTTP status, so proxies, clients and logs see them
 * without reading the body: 403, and 429 with Retry-After. Other errors keep GraphQL's
 * 200, because part of an operation may have succeeded. Authentication refusals happen
 * while the context is built, before plugins run; app.ts gives them 401 or 503.
 */
export function httpStatusPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const [first] = response.body.singleResult.errors ?? [];
          switch (first?.extensions?.code) {
            case 'FORBIDDEN':
              response.http.status = 403;
              break;
            case 'RATE_LIMITED':
              response.http.status = 429;
              response.http.headers.set('retry-after', String(first.extensions.retryAfterSeconds ?? 1));
              break;
          }
        },
      };
    },
  };
}
