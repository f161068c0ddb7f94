import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { GatewayContext } from '../graphql/context.js';
import type { Logger } from '../logger.js';

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/healthz';
/** Far above any real order; refusing larger bodies early keeps memory per request small. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export interface GraphQLHttpServerOptions {
  apollo: ApolloServer<GatewayContext>;
  context: (request: IncomingMessage) => GatewayContext;
  logger: Logger;
}

class RequestBodyTooLargeError extends Error {}

/**
 * A small node:http front for Apollo: `/graphql` goes to Apollo (which also serves the
 * Sandbox landing page on browser GETs), `/healthz` answers without touching CSSS.
 */
export function createGraphQLHttpServer(options: GraphQLHttpServerOptions): Server {
  return createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.logger.error({ err: error }, 'unhandled error while serving an HTTP request');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal server error' });
      else response.destroy();
    });
  });
}

async function handle(options: GraphQLHttpServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://gateway.invalid');
  if (url.pathname === HEALTH_PATH) {
    sendJson(response, 200, { status: 'ok' });
    return;
  }
  if (url.pathname !== GRAPHQL_PATH) {
    sendJson(response, 404, { error: `not found; GraphQL is served at ${GRAPHQL_PATH}` });
    return;
  }

  let body: unknown;
  try {
    body = await readJsonBody(request);
  } catch (error) {
    if (error instanceof RequestBodyTooLargeError) {
      response.setHeader('connection', 'close');
      sendJson(response, 413, { errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    if (error instanceof SyntaxError) {
      sendJson(response, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    throw error;
  }

  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = {
    method: (request.method ?? 'GET').toUpperCase(),
    headers,
    search: url.search,
    body,
  };
  const result = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest,
    context: async () => options.context(request),
  });
  await writeApolloResponse(response, result);
}

/** Reads a JSON body when the request declares one; other bodies are left to Apollo's checks. */
async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const text = await readBodyText(request);
  if (text === '') return undefined;
  const contentType = request.headers['content-type'] ?? '';
  // Apollo's CSRF prevention and content-type checks decide what to do with other types.
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType) ? JSON.parse(text) : text;
}

function readBodyText(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    function collect(chunk: Buffer): void {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) tooLarge();
      else chunks.push(chunk);
    }
    function tooLarge(): void {
      request.off('data', collect);
      // Keep draining without storing so the 413 can still be written on this socket.
      request.resume();
      reject(new RequestBodyTooLargeError());
    }
    if (Number(request.headers['content-length'] ?? 0) > MAX_REQUEST_BODY_BYTES) {
      tooLarge();
      return;
    }
    request.on('data', collect);
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
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

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(payload));
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
