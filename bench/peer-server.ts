/**
 * The peer: how this gateway is commonly written instead. Apollo Server 5 with
 * `startStandaloneServer`, a plain SDL schema for the same mutation, and a
 * `RESTDataSource` (@apollo/datasource-rest, its default fetch: node-fetch over Node's
 * keep-alive global agent) that signs in `willSendRequest` with the gateway's own sign().
 * Defaults as the docs show them; no input rules beyond GraphQL's types, no logging.
 *
 * Env: CSSS_BASE_URL, CSSS_ACCESS_CODE, CSSS_SECRET, PORT, HOST.
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource, type AugmentedRequest } from '@apollo/datasource-rest';
import { GraphQLError } from 'graphql';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE, type CreateOtaOrderWireRequest, type CsssLanguage } from '../src/csss/csss.wire.js';
import { BENCH_TYPE_DEFS as typeDefs } from './order-schema.js';
import { csssSettingsFromEnv, exitWithParent, pickLanguage, signedParams, toWire, type BenchOrderInput } from './order.js';

const settings = csssSettingsFromEnv();

interface Envelope {
  code: string;
  success: boolean;
  message?: string;
  data: { sim_id: string; order_id: string; order_time: string } | null;
}

class CsssApi extends RESTDataSource {
  override baseURL = settings.baseUrl.replace(/\/*$/, '/');

  protected override willSendRequest(_path: string, request: AugmentedRequest): void {
    // The body is still an object here; RESTDataSource serializes it after this hook.
    request.body = signedParams(request.body as unknown as CreateOtaOrderWireRequest, settings.accessCode, settings.secret);
  }

  async createOtaOrder(wire: CreateOtaOrderWireRequest, language: CsssLanguage): Promise<Envelope['data']> {
    const envelope = await this.post<Envelope>(CREATE_OTA_ORDER_PATH.replace(/^\//, ''), {
      body: wire as unknown as Record<string, unknown>,
      headers: { accept: 'application/json', 'accept-language': language },
    });
    if (envelope.code !== CSSS_SUCCESS_CODE || !envelope.success || !envelope.data) {
      throw new GraphQLError(envelope.message ?? 'CSSS rejected the order', {
        extensions: { code: 'CSSS_REJECTED', csss: { code: envelope.code, message: envelope.message } },
      });
    }
    return envelope.data;
  }
}

interface PeerContext {
  language: CsssLanguage;
  dataSources: { csss: CsssApi };
}

const server = new ApolloServer<PeerContext>({
  typeDefs,
  resolvers: {
    Query: { ordersSimulated: () => true },
    Mutation: {
      createOtaOrder: async (_parent: unknown, args: { input: BenchOrderInput }, context: PeerContext) => {
        const data = await context.dataSources.csss.createOtaOrder(toWire(args.input), context.language);
        return { simId: data?.sim_id, orderId: data?.order_id, orderTime: data?.order_time };
      },
    },
  },
});

const { url } = await startStandaloneServer(server, {
  listen: { port: settings.port, host: settings.host },
  context: async ({ req }) => ({
    language: pickLanguage(req.headers['accept-language']),
    // One data source per request, sharing the server's cache, as the Apollo docs do it.
    dataSources: { csss: new CsssApi({ cache: server.cache }) },
  }),
});
process.stdout.write(`peer listening on ${url}\n`);

exitWithParent(() => server.stop());
