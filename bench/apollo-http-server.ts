/**
 * apollo-http: the limit of a gateway built on Apollo Server with the gateway's own HTTP
 * front. Apollo Server 5 behind a bare `node:http` handler that does what the gateway's
 * front does on the hot path (read the body, parse JSON, hand Apollo a HeaderMap, write
 * its answer), cache control off as in the gateway, and the floor's undici CSSS call
 * (`undici-csss-call.ts`) with the peer's SDL (`order-schema.ts`). Nothing else: no input
 * rules, no journal, no authentication, no logging, no metrics. The gateway's cost over
 * it is its production work; bare-apollo's over it is Express.
 *
 * Env: CSSS_BASE_URL, CSSS_ACCESS_CODE, CSSS_SECRET, PORT, HOST.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError } from 'graphql';
import type { CsssLanguage } from '../src/csss/csss.wire.js';
import { BENCH_TYPE_DEFS } from './order-schema.js';
import { csssSettingsFromEnv, exitWithParent, pickLanguage, toWire, type BenchOrderInput } from './order.js';
import { createUndiciCsssCall } from './undici-csss-call.js';

interface ApolloHttpContext {
  language: CsssLanguage;
}

const settings = csssSettingsFromEnv();
const csss = createUndiciCsssCall(settings);

const apollo = new ApolloServer<ApolloHttpContext>({
  typeDefs: BENCH_TYPE_DEFS,
  resolvers: {
    Query: { ordersSimulated: () => true },
    Mutation: {
      createOtaOrder: async (_parent: unknown, args: { input: BenchOrderInput }, context: ApolloHttpContext) => {
        const result = await csss.createOtaOrder(toWire(args.input), context.language);
        if (!result.ok) throw new GraphQLError(result.message, { extensions: { code: 'CSSS_REJECTED' } });
        return result.order;
      },
    },
  },
  // The gateway turns it off too: it wraps every field resolver for hints nobody reads.
  plugins: [ApolloServerPluginCacheControlDisabled()],
});
await apollo.start();

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function writeApolloResponse(response: ServerResponse, result: HTTPGraphQLResponse): Promise<void> {
  for (const [name, value] of result.headers) response.setHeader(name, value);
  response.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}

async function serveGraphQL(request: IncomingMessage, response: ServerResponse, search: string): Promise<void> {
  const text = await readBody(request);
  const isJson = /^application\/(?:[\w.+-]+\+)?json\b/i.test(request.headers['content-type'] ?? '');
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: (request.method ?? 'GET').toUpperCase(),
      headers,
      search,
      body: text === '' ? undefined : isJson ? JSON.parse(text) : text,
    },
    context: async () => ({ language: pickLanguage(request.headers['accept-language']) }),
  });
  await writeApolloResponse(response, result);
}

const server = createServer((request, response) => {
  const { pathname, search } = new URL(request.url ?? '/', 'http://apollo-http.invalid');
  if (pathname !== '/graphql') {
    response.writeHead(pathname === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(pathname === '/healthz' ? '{"status":"ok"}' : '{"error":"not found"}');
    return;
  }
  serveGraphQL(request, response, search).catch(() => {
    // A body that is not JSON, or a client gone away: answer what can still be answered.
    if (!response.headersSent) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"errors":[{"message":"bad request"}]}');
    } else response.destroy();
  });
});

server.listen(settings.port, settings.host, () => {
  process.stdout.write(`apollo-http listening on http://${settings.host}:${settings.port}/graphql\n`);
});

exitWithParent(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await apollo.stop();
  await csss.close();
});
