/**
 * bare-apollo: the least any gateway built on Apollo Server can cost on this machine.
 * Apollo Server 5 `startStandaloneServer` with the peer's SDL, and a resolver that calls
 * CSSS the floor's way (the gateway's sign(), an undici Pool as large as the gateway's).
 * Nothing else: no input rules, no journal, no authentication, no logging, no metrics.
 * It is a reference, not a contender: the gateway's cost over it is its production work;
 * the peer's cost over it is RESTDataSource and fetch.
 *
 * Env: CSSS_BASE_URL, CSSS_ACCESS_CODE, CSSS_SECRET, PORT, HOST.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import { Pool } from 'undici';
import { DEFAULT_CSSS_CONNECTIONS } from '../src/csss/csss.client.js';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE, type CsssLanguage } from '../src/csss/csss.wire.js';
import { BENCH_TYPE_DEFS } from './order-schema.js';
import { csssSettingsFromEnv, exitWithParent, pickLanguage, signedParams, toWire, type BenchOrderInput } from './order.js';

const settings = csssSettingsFromEnv();
const csssUrl = new URL(settings.baseUrl);
const csssPath = csssUrl.pathname.replace(/\/+$/, '') + CREATE_OTA_ORDER_PATH;
const TIMEOUT_MS = 10_000;
const pool = new Pool(csssUrl.origin, {
  connections: DEFAULT_CSSS_CONNECTIONS,
  headersTimeout: TIMEOUT_MS,
  bodyTimeout: TIMEOUT_MS,
});

interface Envelope {
  code?: unknown;
  success?: unknown;
  message?: unknown;
  data?: { sim_id?: unknown; order_id?: unknown; order_time?: unknown } | null;
}

const server = new ApolloServer<{ language: CsssLanguage }>({
  typeDefs: BENCH_TYPE_DEFS,
  resolvers: {
    Query: { ordersSimulated: () => true },
    Mutation: {
      createOtaOrder: async (_parent: unknown, args: { input: BenchOrderInput }, context: { language: CsssLanguage }) => {
        const response = await pool.request({
          path: csssPath,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-language': context.language },
          body: JSON.stringify(signedParams(toWire(args.input), settings.accessCode, settings.secret)),
        });
        const envelope = (await response.body.json()) as Envelope;
        const data = envelope.data;
        if (response.statusCode !== 200 || envelope.code !== CSSS_SUCCESS_CODE || envelope.success !== true || !data) {
          throw new GraphQLError(`CSSS answered ${response.statusCode} ${String(envelope.code)}`, { extensions: { code: 'CSSS_REJECTED' } });
        }
        return { simId: data.sim_id, orderId: data.order_id, orderTime: data.order_time };
      },
    },
  },
});

const { url } = await startStandaloneServer(server, {
  listen: { port: settings.port, host: settings.host },
  context: async ({ req }) => ({ language: pickLanguage(req.headers['accept-language']) }),
});
process.stdout.write(`bare-apollo listening on ${url}\n`);

exitWithParent(async () => {
  await server.stop();
  await pool.close();
});
