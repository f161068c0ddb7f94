import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { GraphQLError } from 'graphql';
import { clientScopeOf, createAuthenticator } from './auth/authenticator.js';
import { OrderAccessPolicy } from './auth/order-access-policy.js';
import { AuthenticationError } from './auth/principal.js';
import type { CsssTarget, GatewayConfig } from './config.js';
import { CsssHttpClient } from './csss/csss.client.js';
import { negotiateCsssLanguage } from './csss/csss.language.js';
import { GuardedCsssApi } from './csss/guarded-csss-api.js';
import { ObservedCsssApi } from './csss/observed-csss-api.js';
import type { GatewayContext } from './graphql/context.js';
import { ERROR_CODES } from './graphql/error-codes.js';
import { domainErrorCode, formatGatewayError } from './graphql/format-error.js';
import { GatewayInfo } from './graphql/gateway.resolver.js';
import { httpStatusPlugin } from './graphql/http-status.plugin.js';
import { OPERATION_LIMITS, operationValidationRules } from './graphql/operation-limits.js';
import { requestObservabilityPlugin } from './graphql/request-observability.plugin.js';
import { SANDBOX_EXAMPLE_OPERATION, SANDBOX_EXAMPLE_VARIABLES } from './graphql/sandbox-example.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { createGraphQLHttpServer, GRAPHQL_PATH, listen, type Lifecycle } from './http/graphql-http-server.js';
import { STALE_PENDING_DETAIL } from './journal/order-journal.js';
import { journalPathIn, pendingStaleAfterMsFor, SqliteOrderJournal } from './journal/sqlite-order-journal.js';
import { createTokenBucketLimiter } from './limits/rate-limiter.js';
import type { Logger } from './logger.js';
import { createGatewayMetrics } from './observability/metrics.js';
import type { RequestScope } from './observability/request-scope.js';
import { startTracing } from './observability/tracing.js';
import { OtaOrderService } from './orders/ota-order.service.js';
import { Bulkhead } from './resilience/bulkhead.js';
import { CircuitBreaker } from './resilience/circuit-breaker.js';
import { Secret } from './secret.js';
import { startCsssSimulator } from './simulator/simulator.js';

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000/graphql */
  graphqlUrl: string;
  port: number;
  /** Set when orders go to the embedded simulator. */
  simulatorUrl: string | undefined;
  /** Stops gracefully: not ready, drain, finish orders in flight, close. Idempotent. */
  close(): Promise<void>;
}

export interface GatewayDependencies {
  logger: Logger;
  /** Milliseconds since the epoch; CSSS timestamps derive from it. */
  clock?: () => number;
  /** Process metrics (event loop, memory, GC) in /metrics. Default true. */
  processMetrics?: boolean;
}

const JOURNAL_SWEEP_INTERVAL_MS = 1_000;
/** Retry-After when the identity provider's keys cannot be fetched. */
const AUTH_OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * The one place that wires configuration → CSSS client → journal → services → schema →
 * HTTP server. The port opens first so that /healthz and /readyz answer while the rest
 * starts; GraphQL is served once everything is up.
 */
export async function startGateway(config: GatewayConfig, deps: GatewayDependencies): Promise<RunningGateway> {
  const { logger } = deps;
  const closers: Array<() => Promise<void>> = [];
  let lifecycle: Lifecycle = 'starting';
  let closing: Promise<void> | undefined;
  // Closes in reverse order of opening; calling it again waits for the same close.
  const closeAll = (): Promise<void> =>
    (closing ??= (async () => {
      // Still serving, but no longer ready, until the shutdown delay has passed.
      lifecycle = lifecycle === 'ready' ? 'draining' : 'stopping';
      for (const close of [...closers].reverse()) await close();
    })());

  try {
    const metrics = createGatewayMetrics({ csssTimeoutMs: config.csssTimeoutMs, collectDefaultMetrics: deps.processMetrics });
    const tracing = await startTracing({ endpoint: config.otelEndpoint });
    closers.push(() => tracing.shutdown());

    const authenticator = createAuthenticator(config.auth);
    const authenticate = async (request: IncomingMessage, scope: RequestScope): Promise<GatewayContext> => {
      try {
        const principal = await authenticator.authenticate(request.headers);
        return {
          language: negotiateCsssLanguage(request.headers['accept-language'], config.csssDefaultLanguage),
          principal,
          clientId: clientScopeOf(principal),
          scope,
        };
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        // Apollo answers a failed context at once, without the plugins, so this refusal is
        // counted, logged and given its status and request id here.
        const { requestId } = scope;
        metrics.countGraphqlRequest(undefined, domainErrorCode(error) ?? ERROR_CODES.unauthenticated);
        if (error.isOutage) logger.error({ requestId, reason: error.reason }, 'request refused: authentication failed');
        else logger.warn({ requestId, reason: error.reason }, 'request refused: authentication failed');
        const http = error.isOutage
          ? { status: 503, headers: new HeaderMap([['retry-after', String(AUTH_OUTAGE_RETRY_AFTER_SECONDS)]]) }
          : { status: 401, headers: new HeaderMap([['www-authenticate', 'Bearer, ApiKey']]) };
        throw new GraphQLError(error.message, { originalError: error, extensions: { requestId, http } });
      }
    };

    // Filled in as start-up proceeds; the HTTP server is listening before they exist.
    const started: { apollo?: ApolloServer<GatewayContext>; journal?: SqliteOrderJournal } = {};
    const httpServer = createGraphQLHttpServer({
      apollo: () => started.apollo,
      lifecycle: () => lifecycle,
      readinessChecks: async () => (started.journal ? started.journal.isWritable() : false),
      context: authenticate,
      corsOrigins: config.corsOrigins,
      logger,
      metrics,
      tracer: tracing.tracer,
    });
    const address = await listen(httpServer, config.port, config.host);
    closers.push(
      () => new Promise<void>((resolve) => httpServer.close(() => resolve())), // a no-op once Apollo drained it
    );

    let csssTarget: CsssTarget = config.csss;
    let simulatorUrl: string | undefined;
    if (csssTarget.kind === 'simulator') {
      const simulator = await startCsssSimulator({ host: '127.0.0.1', port: 0, clock: deps.clock });
      closers.push(() => simulator.close());
      simulatorUrl = simulator.url;
      csssTarget = { kind: 'remote', baseUrl: simulator.url, accessCode: simulator.accessCode, secret: new Secret(simulator.secret) };
      logger.warn(
        { simulatorUrl },
        'ORDERS ARE SIMULATED: CSSS_BASE_URL is not set, so orders go to the embedded CSSS simulator and nothing real is ordered',
      );
    }

    const csssClient = new CsssHttpClient({
      baseUrl: csssTarget.baseUrl,
      accessCode: csssTarget.accessCode,
      secret: csssTarget.secret,
      timeoutMs: config.csssTimeoutMs,
      connections: config.csssMaxInFlight,
      clock: deps.clock,
    });
    closers.push(() => csssClient.close());
    const breaker = new CircuitBreaker({
      failureThreshold: config.csssBreakerFailureThreshold,
      cooldownMs: config.csssBreakerCooldownMs,
      clock: deps.clock,
      onStateChange: (state) => {
        metrics.setBreakerState(state);
        logger.warn({ breakerState: state }, `CSSS circuit breaker is now ${state}`);
      },
    });
    const csss = new GuardedCsssApi(
      new ObservedCsssApi(csssClient, { logger, metrics, tracer: tracing.tracer }),
      new Bulkhead(config.csssMaxInFlight),
      breaker,
    );

    const pendingStaleAfterMs = pendingStaleAfterMsFor(config.csssTimeoutMs);
    const journalPath = journalPathIn(config.dataDir);
    const openJournal = new SqliteOrderJournal({ path: journalPath, pendingStaleAfterMs, clock: deps.clock });
    started.journal = openJournal;
    closers.push(() => openJournal.close());
    const sweepStalePending = async (): Promise<void> => {
      const swept = await openJournal.markPendingUnknown({ ownOnly: false, detail: STALE_PENDING_DETAIL });
      if (swept > 0) logger.warn({ swept }, 'order attempts left PENDING by a stopped gateway are now UNKNOWN');
    };
    await sweepStalePending();
    // Each attempt carries its own stale deadline, so a frequent sweep finds crashed sends
    // soon after their deadline; a sweep that finds nothing writes nothing.
    const sweeper = setInterval(() => {
      sweepStalePending().catch((error: unknown) => logger.error({ err: error }, 'journal sweep failed'));
    }, JOURNAL_SWEEP_INTERVAL_MS);
    sweeper.unref();
    closers.push(async () => clearInterval(sweeper));
    logger.info({ journalPath }, 'order journal open');

    const orders = new OtaOrderService(csss, openJournal, logger);
    const schema = await buildGatewaySchema({
      orders,
      orderAccess: new OrderAccessPolicy(
        config.auth.orderScope,
        createTokenBucketLimiter({ ratePerSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst, clock: deps.clock }),
      ),
      info: new GatewayInfo(config.csss.kind === 'simulator'),
      recordOrderOutcome: (outcome) => metrics.countOrderOutcome(outcome),
    });
    // In production the schema is not advertised unless Sandbox is explicitly enabled.
    const exploreSchema = !config.production || config.sandboxEnabled;
    const server = new ApolloServer<GatewayContext>({
      schema,
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
        ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: pendingStaleAfterMs }),
        config.sandboxEnabled
          ? ApolloServerPluginLandingPageLocalDefault({
              embed: true,
              footer: false,
              document: SANDBOX_EXAMPLE_OPERATION,
              variables: SANDBOX_EXAMPLE_VARIABLES,
            })
          : ApolloServerPluginLandingPageDisabled(),
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
    await server.start();
    closers.push(async () => {
      const marked = await openJournal.markPendingUnknown({ ownOnly: true, detail: 'the gateway stopped before the outcome was recorded' });
      if (marked > 0) logger.warn({ marked }, 'order attempts still in flight at shutdown are now UNKNOWN');
    });
    // Orders outlive their HTTP requests when a caller hangs up: wait for each to finish
    // and journal its outcome (all end by the CSSS deadline) before the journal closes.
    closers.push(() => orders.whenIdle());
    closers.push(() => server.stop());
    // Runs first on close: readiness already fails while GraphQL is still served, so load
    // balancers stop sending before the port stops taking connections.
    closers.push(async () => {
      await sleep(config.shutdownDelayMs);
      lifecycle = 'stopping';
    });
    started.apollo = server;
    lifecycle = 'ready';

    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const graphqlUrl = `http://${urlHost === '0.0.0.0' || urlHost === '[::]' ? 'localhost' : urlHost}:${address.port}${GRAPHQL_PATH}`;
    logger.info({ graphqlUrl }, 'gateway listening; open the URL in a browser for Apollo Sandbox');
    return { graphqlUrl, port: address.port, simulatorUrl, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
