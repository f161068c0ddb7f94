import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../request/gateway-context.js';
import { isMaskedError } from './format-error.js';

/**
 * Logs the cause of every error the response masks as INTERNAL_SERVER_ERROR, at error
 * level with the request id the caller got, so support can find what the caller could
 * not be told. Errors answered with their own code are the caller's to read, not logged.
 */
export function maskedErrorLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (!isMaskedError(error)) continue;
            const cause = error instanceof GraphQLError && error.originalError ? error.originalError : error;
            contextValue.requestInfo.logger.error(
              { operation: operationName ?? null, path: error.path, err: cause },
              'internal error, answered as INTERNAL_SERVER_ERROR',
            );
          }
        },
      };
    },
  };
}
