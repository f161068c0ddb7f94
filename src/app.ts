import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GatewayConfig } from './config.js';
import { CsssHttpClient } from './csss/csss.client.js';
import { negotiateCsssLanguage } from './csss/csss.language.js';
import type { GatewayContext } from './graphql/context.js';
import { formatGatewayError } from './graphql/format-error.js';
import { GatewayInfo } from './graphql/gateway.resolver.js';
import { SANDBOX_EXAMPLE_OPERATION, SANDBOX_EXAMPLE_VARIABLES } from './graphql/sandbox-example.js';
import { buildGatewaySchema } from './graphql/schema.js';
import { createGraphQLHttpServer, GRAPHQL_PATH, listen } from './http/graphql-http-server.js';
import { GuardedCsssApi } from './csss/guarded-csss-api.js';
import { ANONYMOUS_CLIENT_ID } from './graphql/context.js';
import { SqliteOrderJournal } from './journal/sqlite-order-journal.js';
import type { Logger } from './logger.js';
import { Bulkhead } from './resilience/bulkhead.js';
import { CircuitBreaker } from './resilience/circuit-breaker.js';
import { Secret } from './secret.js';
import { OtaOrderService } from './orders/ota-order.service.js';
import { startCsssSimulator } from './simulator/simulator.js';

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000/graphql */
  graphqlUrl: string;
  port: number;
  /** Set when orders go to the embedded simulator. */
  simulatorUrl: string | undefined;
  close(): Promise<void>;
}

export interface GatewayDependencies {
  logger: Logger;
  /** Milliseconds since the epoch; CSSS timestamps derive from it. */
  clock?: () => number;
}

/** The one place that wires configuration → CSSS client → services → schema → HTTP server. */
export async function startGateway(config: GatewayConfig, deps: GatewayDependencies): Promise<RunningGateway> {
  const { logger } = deps;
  const closers: Array<() => Promise<void>> = [];
  let closing: Promise<void> | undefined;
  // Closes in reverse order of opening; calling it again waits for the same close.
  const closeAll = (): Promise<void> =>
    (closing ??= (async () => {
      for (const close of [...closers].reverse()) await close();
    })());

  try {
    let csssTarget = config.csss;
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
      onStateChange: (state) => logger.warn({ breakerState: state }, `CSSS circuit breaker is now ${state}`),
    });
    const csss = new GuardedCsssApi(csssClient, new Bulkhead(config.csssMaxInFlight), breaker);

    const journalPath = join(config.dataDir, 'orders.sqlite');
    // Every CSSS call ends by its deadline, so a PENDING attempt older than this was cut
    // off by a crash; the margin covers recording the outcome after the answer.
    const pendingStaleAfterMs = config.csssTimeoutMs + 2_000;
    const journal = new SqliteOrderJournal({ path: journalPath, pendingStaleAfterMs, clock: deps.clock });
    closers.push(() => journal.close());
    const sweepStalePending = async (): Promise<void> => {
      const swept = await journal.markPendingUnknown({
        ownOnly: false,
        detail: 'the gateway that sent it stopped before the outcome was recorded',
      });
      if (swept > 0) logger.warn({ swept }, 'order attempts left PENDING by a stopped gateway are now UNKNOWN');
    };
    await sweepStalePending();
    const sweeper = setInterval(() => {
      sweepStalePending().catch((error: unknown) => logger.error({ err: error }, 'journal sweep failed'));
    }, pendingStaleAfterMs);
    sweeper.unref();
    closers.push(async () => clearInterval(sweeper));
    logger.info({ journalPath }, 'order journal open');

    const schema = await buildGatewaySchema({
      orders: new OtaOrderService(csss, journal, logger),
      info: new GatewayInfo(config.csss.kind === 'simulator'),
    });

    const apollo = new ApolloServer<GatewayContext>({
      schema,
      formatError: formatGatewayError,
      includeStacktraceInErrorResponses: false,
      // main.ts owns signal handling; Apollo's own handler would re-raise the signal and
      // end the process before the CSSS client and simulator are closed.
      stopOnTerminationSignals: false,
      plugins: [
        ApolloServerPluginLandingPageLocalDefault({
          embed: true,
          footer: false,
          document: SANDBOX_EXAMPLE_OPERATION,
          variables: SANDBOX_EXAMPLE_VARIABLES,
        }),
      ],
      logger: {
        debug: (message) => logger.debug(message),
        info: (message) => logger.info(message),
        warn: (message) => logger.warn(message),
        error: (message) => logger.error(message),
      },
    });
    const httpServer = createGraphQLHttpServer({
      apollo,
      logger,
      context: (request: IncomingMessage): GatewayContext => ({
        language: negotiateCsssLanguage(request.headers['accept-language'], config.csssDefaultLanguage),
        clientId: ANONYMOUS_CLIENT_ID,
      }),
    });
    // On stop, in-flight orders get their full CSSS deadline (plus a margin to record the
    // outcome) before connections are cut.
    apollo.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: pendingStaleAfterMs }));
    await apollo.start();
    closers.push(async () => {
      const marked = await journal.markPendingUnknown({
        ownOnly: true,
        detail: 'the gateway stopped before the outcome was recorded',
      });
      if (marked > 0) logger.warn({ marked }, 'order attempts still in flight at shutdown are now UNKNOWN');
    });
    closers.push(() => apollo.stop());

    const address = await listen(httpServer, config.port, config.host);
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const graphqlUrl = `http://${urlHost === '0.0.0.0' || urlHost === '[::]' ? 'localhost' : urlHost}:${address.port}${GRAPHQL_PATH}`;
    logger.info({ graphqlUrl }, 'gateway listening; open the URL in a browser for Apollo Sandbox');

    return { graphqlUrl, port: address.port, simulatorUrl, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
