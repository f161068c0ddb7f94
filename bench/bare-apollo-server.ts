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
import type { CsssLanguage } from '../src/csss/csss.wire.js';
import { BENCH_TYPE_DEFS } from './order-schema.js';
import { csssSettingsFromEnv, exitWithParent, pickLanguage, toWire, type BenchOrderInput } from './order.js';
import { createUndiciCsssCall } from './undici-csss-call.js';

const settings = csssSettingsFromEnv();
const csss = createUndiciCsssCall(settings);

const server = new ApolloServer<{ language: CsssLanguage }>({
  typeDefs: BENCH_TYPE_DEFS,
  resolvers: {
    Query: { ordersSimulated: () => true },
    Mutation: {
      createOtaOrder: async (_parent: unknown, args: { input: BenchOrderInput }, context: { language: CsssLanguage }) => {
        const result = await csss.createOtaOrder(toWire(args.input), context.language);
        if (!result.ok) throw new GraphQLError(result.message, { extensions: { code: 'CSSS_REJECTED' } });
        return result.order;
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
  await csss.close();
});
