import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { AuthMode } from '../auth/auth.config.js';
import type { GatewayContext } from '../auth/request-context.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { formatGatewayError } from './format-error.js';
import { httpStatusPlugin } from './http-status.plugin.js';
import { OPERATION_LIMITS, operationValidationRules } from './operation-limits.js';
import { requestObservabilityPlugin } from './request-observability.plugin.js';
import { sandboxLandingPagePlugin } from './sandbox-landing-page.plugin.js';

export interface ApolloServerSettings {
  schema: GraphQLSchema;
  /** Drained on stop, so requests in flight finish first. */
  httpServer: Server;
  /** How long orders in flight may take to finish on stop before connections are cut. */
  drainMs: number;
  /** NODE_ENV=production: no introspection, Sandbox or suggestions unless sandboxEnabled. */
  production: boolean;
  sandboxEnabled: boolean;
  /** Sandbox's example names the credential header this mode needs. */
  authMode: AuthMode;
  logger: Logger;
  metrics: GatewayMetrics;
}

/** Apollo Server with the gateway's error boundary, operation limits and plugins; not yet started. */
export function createApolloServer(settings: ApolloServerSettings): ApolloServer<GatewayContext> {
  const { logger, metrics } = settings;
  // In production the schema is not advertised unless Sandbox is explicitly enabled.
  const exploreSchema = !settings.production || settings.sandboxEnabled;
  return new ApolloServer<GatewayContext>({
    schema: settings.schema,
    formatError: formatGatewayError,
    includeStacktraceInErrorResponses: false,
    introspection: exploreSchema,
    hideSchemaDetailsFromClientErrors: !exploreSchema,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    parseOptions: { maxTokens: OPERATION_LIMITS.maxTokens },
    validationRules: operationValidationRules(),
    // main.ts owns signal handling; Apollo's own handler would re-raise the signal and
    // end the process before the journal and the CSSS client are closed.
    stopOnTerminationSignals: false,
    plugins: [
      // On stop, orders in flight get their full CSSS deadline (plus a margin to record
      // the outcome) before connections are cut.
      ApolloServerPluginDrainHttpServer({ httpServer: settings.httpServer, stopGracePeriodMillis: settings.drainMs }),
      settings.sandboxEnabled ? sandboxLandingPagePlugin({ authMode: settings.authMode }) : ApolloServerPluginLandingPageDisabled(),
      requestObservabilityPlugin({ logger, metrics }),
      httpStatusPlugin(),
      // Nothing here is cacheable (a mutation and per-client lookups), and the default
      // cache-control plugin wraps every field resolver to compute hints nobody reads.
      ApolloServerPluginCacheControlDisabled(),
      // An APOLLO_KEY in the environment must never ship order traffic or the schema to
      // Apollo's cloud by accident.
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
    logger: {
      debug: (message) => logger.debug(message),
      info: (message) => logger.info(message),
      warn: (message) => logger.warn(message),
      error: (message) => logger.error(message),
    },
  });
}
