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
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { CreateOtaOrderInput } from '../orders/create-ota-order.input.js';
import { findOrderInputViolations } from '../orders/ota-order.validation.js';
import { formatGatewayError, withoutSuggestions } from './format-error.js';
import { inputViolationsPlugin, type InputRules } from './input-violations.plugin.js';
import { maskedErrorLogPlugin } from './masked-error-log.plugin.js';
import { OPERATION_COMPLEXITY, operationValidationRules } from './operation-complexity.rules.js';
import { requestObservabilityPlugin } from './request-observability.plugin.js';
import { sandboxLandingPagePlugin } from './sandbox-landing-page.plugin.js';
import type { TrustedDocuments } from './trusted-documents.js';
import type { GatewayContext } from '../request/gateway-context.js';

/** The settings Apollo Server reads (GatewayConfig has them). */
interface ApolloServerSettings {
  /** NODE_ENV=production: no introspection, Sandbox or suggestions unless sandboxEnabled. */
  production: boolean;
  sandboxEnabled: boolean;
  /** Sandbox sends Apollo its usage telemetry only when this is set (SANDBOX_TELEMETRY). */
  sandboxTelemetry: boolean;
  /** Sandbox's example names the credential header this mode needs. */
  auth: { mode: AuthMode };
}

interface ApolloServerParts {
  schema: GraphQLSchema;
  /** Drained on stop, so requests in flight finish first. */
  httpServer: Server;
  /** How long orders in flight may take to finish on stop before connections are cut. */
  drainMs: number;
  /** Operations clients may send by hash alone (TRUSTED_DOCUMENTS_FILE). */
  trustedDocuments: TrustedDocuments;
  logger: Logger;
  metrics: GatewayMetrics;
}

/** The gateway's own rules per input type, checked with GraphQL's on a request's variables. */
const INPUT_RULES: ReadonlyMap<string, InputRules> = new Map([[CreateOtaOrderInput.name, (present) => findOrderInputViolations(present)]]);

/** In production the schema is not advertised (introspection, Sandbox) unless Sandbox is explicitly enabled. */
export function schemaIsExplorable(settings: { production: boolean; sandboxEnabled: boolean }): boolean {
  return !settings.production || settings.sandboxEnabled;
}

/** Apollo Server with the gateway's error boundary, operation limits and plugins; not yet started. */
export function createApolloServer(settings: ApolloServerSettings, parts: ApolloServerParts): ApolloServer<GatewayContext> {
  const { logger, metrics } = parts;
  const exploreSchema = schemaIsExplorable(settings);
  return new ApolloServer<GatewayContext>({
    schema: parts.schema,
    // hideSchemaDetailsFromClientErrors covers validation, not variable coercion, whose
    // messages still suggest enum values: they are cut from every message instead.
    formatError: exploreSchema ? formatGatewayError : (formatted, error) => withoutSuggestions(formatGatewayError(formatted, error)),
    includeStacktraceInErrorResponses: false,
    introspection: exploreSchema,
    hideSchemaDetailsFromClientErrors: !exploreSchema,
    allowBatchedHttpRequests: false,
    // Clients may send a trusted document by hash alone. Automatic persisted queries (any
    // client registering any operation) stay off: no client of this gateway uses them, and
    // they would let callers fill the server's memory and bypass TRUSTED_DOCUMENTS_ONLY.
    persistedQueries: parts.trustedDocuments.size > 0 ? { cache: parts.trustedDocuments.apolloPersistedQueryCache(), ttl: null } : false,
    csrfPrevention: true,
    parseOptions: { maxTokens: OPERATION_COMPLEXITY.maxTokens },
    validationRules: operationValidationRules(),
    // main.ts owns signal handling; Apollo's own handler would re-raise the signal and
    // end the process before the journal and the CSSS client are closed.
    stopOnTerminationSignals: false,
    plugins: [
      // On stop, orders in flight get their full CSSS deadline (plus a margin to record
      // the outcome) before connections are cut.
      ApolloServerPluginDrainHttpServer({ httpServer: parts.httpServer, stopGracePeriodMillis: parts.drainMs }),
      settings.sandboxEnabled
        ? sandboxLandingPagePlugin({ authMode: settings.auth.mode, telemetry: settings.sandboxTelemetry })
        : ApolloServerPluginLandingPageDisabled(),
      inputViolationsPlugin({ rules: INPUT_RULES, hideSuggestions: !exploreSchema }),
      requestObservabilityPlugin({ metrics }),
      maskedErrorLogPlugin(),
      // Statuses and headers of refusals come from the errors themselves (GatewayError's extensions.http).
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
