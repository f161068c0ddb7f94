import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApolloServer } from '@apollo/server';
import type { Tracer } from '@opentelemetry/api';
import type { GraphQLSchema } from 'graphql';
import { OrderAccessPolicy } from './auth/order-access-policy.js';
import type { GatewayConfig } from './config.js';
import { buildCsssApi, type CsssApiSettings } from './csss/build-csss-api.js';
import type { CsssApi } from './csss/csss.client.js';
import { createApolloServer, schemaIsExplorable } from './graphql/apollo-server.js';
import { GatewayInfo } from './graphql/gateway.resolver.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { TrustedDocuments, type OperationRequest } from './graphql/trusted-documents.js';
import { LOCAL_DEVELOPMENT_ORIGINS, type AllowedOrigin } from './http/cors-policy.js';
import { createGraphQLHttpServer, GRAPHQL_PATH, type Lifecycle } from './http/graphql-http-server.js';
import { closeServer, listen, urlOf } from './http/listener.js';
import { startMetricsListener } from './http/metrics-http-server.js';
import type { OrderJournal } from './journal/order-journal.js';
import { openOrderJournal } from './journal/open-order-journal.js';
import { createRateLimiters } from './rate-limits/create-rate-limiters.js';
import type { RateLimiter } from './rate-limits/rate-limiter.js';
import type { Logger } from './logger.js';
import { createGatewayMetrics, type GatewayMetrics } from './observability/metrics.js';
import { createStoreMetrics, type RateLimitStoreMetrics } from './observability/store-metrics.js';
import { startTracing } from './observability/tracing.js';
import { OtaOrderService } from './orders/ota-order.service.js';
import { plainTextLinks } from './plain-text-links.js';
import type { GatewayContext } from './request/gateway-context.js';
import { createRequestContextFactory } from './request/request-context.js';
import { startReconciler } from './reconcile/start-reconciler.js';
import { ShutdownStages } from './shutdown-stages.js';
import { startEmbeddedSimulator, type EmbeddedSimulator } from './simulator/embedded-simulator.js';

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000/graphql */
  graphqlUrl: string;
  port: number;
  /** e.g. http://127.0.0.1:9464/metrics, on the metrics listener (never the API port). */
  metricsUrl: string;
  /** Set when orders go to the embedded simulator. */
  simulatorUrl: string | undefined;
  /** Stops gracefully: not ready, drain, finish orders in flight, close. Idempotent. */
  close(): Promise<void>;
  /**
   * Before a forced exit (no graceful close): this process's attempts still in flight become
   * UNKNOWN now, where the journal can still be written, instead of after their stale deadline.
   */
  abandonInFlight(): Promise<void>;
}

interface GatewayDependencies {
  logger: Logger;
  /** Milliseconds since the epoch; CSSS timestamps derive from it. */
  clock?: () => number;
  /** Process metrics (event loop, memory, GC) in /metrics. Default true. */
  processMetrics?: boolean;
  /** Aborts the start's wait for a database that is down (a signal during start-up); the start then fails and closes what it opened. */
  startSignal?: AbortSignal;
  /**
   * Called once when the journal can no longer be trusted (a failed SQLite WAL sync): it
   * already refuses new orders and readiness fails; the process should close and exit
   * non-zero so its supervisor restarts it.
   */
  onJournalFailed?: (error: unknown) => void;
}

/** What the HTTP front reads while the gateway starts, serves and stops. */
interface ServingState {
  lifecycle: Lifecycle;
  apollo?: ApolloServer<GatewayContext>;
  journal?: OrderJournal;
  /** The per-client request limit; set with the order limit, before GraphQL is served. */
  requestLimiter?: RateLimiter;
}

/** What every builder below may use: the shutdown order, the clock, logs, metrics and traces. */
interface GatewayParts {
  shutdown: ShutdownStages;
  clock: (() => number) | undefined;
  logger: Logger;
  metrics: GatewayMetrics;
  tracer: Tracer;
}

/**
 * What the gateway is made of, in start order; each part registers its shutdown stage as
 * soon as it has started, and they close in reverse. The port opens first so that
 * /healthz and /readyz answer while the rest starts; GraphQL is served once all is up.
 */
export async function startGateway(config: GatewayConfig, deps: GatewayDependencies): Promise<RunningGateway> {
  const { logger, clock } = deps;
  const shutdown = new ShutdownStages((stage) => logger.debug({ stage }, 'shutdown stage'));
  const state: ServingState = { lifecycle: 'starting' };
  // A start still waiting for the database stops waiting when the gateway is closed, or
  // when the caller aborts the start.
  const startAbort = new AbortController();
  deps.startSignal?.addEventListener('abort', () => startAbort.abort(), { once: true });
  let closing: Promise<void> | undefined;
  // Still serving, but no longer ready, until the shutdown delay has passed.
  const close = (): Promise<void> =>
    (closing ??= ((state.lifecycle = state.lifecycle === 'ready' ? 'draining' : 'stopping'), startAbort.abort(), shutdown.close()));

  if (config.production) {
    for (const link of plainTextLinks(config)) logger.warn({ setting: link.variable, host: link.host }, link.message);
  }

  try {
    const metrics = createGatewayMetrics({ csssTimeoutMs: config.csssTimeoutMs, collectDefaultMetrics: deps.processMetrics });
    const tracing = await startTracing({ endpoint: config.otelEndpoint });
    shutdown.add('tracing', () => tracing.shutdown());
    const parts: GatewayParts = { shutdown, clock, logger, metrics, tracer: tracing.tracer };
    const metricsListener = await startMetricsListener({ metrics, logger, limits: config.http, ...config.metrics });
    shutdown.add('metrics listener', () => metricsListener.close()); // closes after the API port: scraped while draining
    const trustedDocuments = new TrustedDocuments(config.trustedDocuments.documents);
    const { httpServer, address } = await startApiListener(config, state, trustedDocuments, parts);

    const simulator = config.csss.kind === 'simulator' ? await startEmbeddedSimulator({ clock, logger }) : undefined;
    if (simulator) shutdown.add('embedded simulator', () => simulator.close());
    const csss = buildCsssApi(csssSettingsOf(config, simulator, clock), { logger, metrics, tracer: tracing.tracer });
    shutdown.add('csss client', () => csss.close());

    const storeMetrics = createStoreMetrics(metrics.registry);
    const onFatal = (error: unknown): void => {
      logger.error(
        { err: error },
        'a sync of the order journal failed: it takes no new orders, and the gateway stops so that a restart reads what is really on the disk',
      );
      deps.onJournalFailed?.(error);
    };
    const openJournal = await openOrderJournal({ ...config, clock, logger, metrics: storeMetrics, signal: startAbort.signal, onFatal });
    state.journal = openJournal.journal;
    shutdown.add('journal', () => openJournal.close());
    const reconciler = startReconciler(config, { orderQuery: csss.orderQuery, journal: openJournal.journal, ...parts });
    shutdown.add('reconciler', () => reconciler.stop());

    const { orders, schema } = await buildOrderFeature(config, state, csss.api, openJournal.journal, storeMetrics, parts);
    const drainMs = openJournal.pendingStaleAfterMs;
    const server = createApolloServer(config, { schema, httpServer, drainMs, trustedDocuments, logger, metrics });
    await server.start();
    shutdown.add('in-flight attempts marked unknown', () => openJournal.markInFlightUnknown());
    // Orders outlive their HTTP requests when a caller hangs up: wait for each to finish
    // and journal its outcome (all end by the CSSS deadline) before the journal closes.
    shutdown.add('orders finished', () => orders.whenIdle());
    shutdown.add('graphql drained', () => server.stop());
    // Runs first on close: readiness already fails while GraphQL is still served, so load
    // balancers stop sending before the port stops taking connections.
    shutdown.add('shutdown delay', async () => {
      await sleep(config.shutdownDelayMs);
      state.lifecycle = 'stopping';
    });
    state.apollo = server;
    state.lifecycle = 'ready';
    const graphqlUrl = urlOf(address, GRAPHQL_PATH);
    // Only a gateway that serves Sandbox invites the reader to open it.
    const invitation = config.sandboxEnabled ? '; open the URL in a browser for Apollo Sandbox' : '';
    logger.info({ graphqlUrl, metricsUrl: metricsListener.url }, `gateway listening${invitation}`);
    const abandonInFlight = (): Promise<void> => openJournal.markAbandonedUnknown();
    return { graphqlUrl, port: address.port, metricsUrl: metricsListener.url, simulatorUrl: simulator?.baseUrl, close, abandonInFlight };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The API port: the request context (authentication, language, request limit) and the
 * node:http front, which answers /healthz and /readyz from the serving state at once.
 */
async function startApiListener(
  config: GatewayConfig,
  state: ServingState,
  trustedDocuments: TrustedDocuments,
  { shutdown, logger, metrics, tracer }: GatewayParts,
): Promise<{ httpServer: Server; address: AddressInfo }> {
  // GraphQL requests reach the context only once Apollo is set, after the limits are.
  const requestLimiter: RateLimiter = {
    take: (clientId) => {
      if (!state.requestLimiter) throw new Error('request limit used before the rate limits were created');
      return state.requestLimiter.take(clientId);
    },
  };
  const context = createRequestContextFactory(config, { requestLimiter });
  const httpServer = createGraphQLHttpServer({
    apollo: () => state.apollo,
    lifecycle: () => state.lifecycle,
    readinessChecks: async () => state.journal?.isWritable() ?? false,
    context,
    admitsOperation: admitsOperationOf(config, trustedDocuments),
    corsOrigins: corsOriginsOf(config),
    limits: config.http,
    logger,
    metrics,
    tracer,
  });
  const address = await listen(httpServer, config.port, config.host);
  shutdown.add('http server', () => closeServer(httpServer)); // a no-op once Apollo drained it
  return { httpServer, address };
}

/**
 * The createOtaOrder feature: the service over CSSS and the journal, the per-client order
 * limit (shared through Redis when configured, so it has a shutdown stage) and the schema
 * that serves them.
 */
async function buildOrderFeature(
  config: GatewayConfig,
  state: ServingState,
  csss: CsssApi,
  journal: OrderJournal,
  storeMetrics: RateLimitStoreMetrics,
  { shutdown, clock, logger, metrics }: GatewayParts,
): Promise<{ orders: OtaOrderService; schema: GraphQLSchema }> {
  const orders = new OtaOrderService(csss, journal, logger, { sendBudgetMs: config.orderSendBudgetMs });
  const limiters = await createRateLimiters(config, { logger, clock, metrics: storeMetrics });
  shutdown.add('rate limiter', () => limiters.close());
  state.requestLimiter = limiters.requests;
  const orderAccess = new OrderAccessPolicy(config.auth.orderScope, limiters.orders);
  const info = new GatewayInfo(config.csss.kind === 'simulator');
  const schema = await buildGatewaySchema({
    orders,
    orderAccess,
    info,
    recordOrderOutcome: (outcome) => metrics.countOrderOutcome(outcome),
  });
  return { orders, schema };
}

/** Where the CSSS client sends orders: the configured CSSS, or the embedded simulator. */
function csssSettingsOf(config: GatewayConfig, simulator: EmbeddedSimulator | undefined, clock?: () => number): CsssApiSettings {
  const target = config.csss.kind === 'remote' ? config.csss : simulator;
  if (!target) throw new Error('CSSS_BASE_URL is not set and the embedded simulator is not running');
  return {
    baseUrl: target.baseUrl,
    accessCode: target.accessCode,
    secret: target.secret,
    timeoutMs: config.csssTimeoutMs,
    maxInFlight: config.csssMaxInFlight,
    breakerFailureThreshold: config.csssBreakerFailureThreshold,
    breakerCooldownMs: config.csssBreakerCooldownMs,
    clock,
  };
}

/**
 * CORS_ORIGINS; unset in simulator mode with AUTH_MODE=none (nothing real to order, no
 * credential to steal), a page on any local dev server may call the gateway.
 */
function corsOriginsOf(config: GatewayConfig): readonly AllowedOrigin[] {
  if (config.corsOrigins.length > 0) return config.corsOrigins;
  return config.csss.kind === 'simulator' && config.auth.mode === 'none' ? LOCAL_DEVELOPMENT_ORIGINS : [];
}

/**
 * Under TRUSTED_DOCUMENTS_ONLY, the HTTP front's check that an operation is trusted
 * (introspection passes where the schema may be explored); otherwise every operation may run.
 */
function admitsOperationOf(
  config: GatewayConfig,
  trustedDocuments: TrustedDocuments,
): ((request: OperationRequest) => boolean) | undefined {
  if (!config.trustedDocuments.only) return undefined;
  const exploreSchema = schemaIsExplorable(config);
  return (request) => trustedDocuments.admits(request, exploreSchema);
}
