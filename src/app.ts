import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
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
import type { Logger } from './logger.js';
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
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close();
  };

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

    const csss = new CsssHttpClient({
      baseUrl: csssTarget.baseUrl,
      accessCode: csssTarget.accessCode,
      secret: csssTarget.secret,
      timeoutMs: config.csssTimeoutMs,
      clock: deps.clock,
    });
    closers.push(() => csss.close());

    const schema = await buildGatewaySchema({
      orders: new OtaOrderService(csss),
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
      }),
    });
    apollo.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer }));
    await apollo.start();
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
