import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import Negotiator from 'negotiator';
import { ERROR_KINDS } from '../errors/error-codes.js';
import type { OperationRequest } from '../graphql/trusted-documents.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RequestInfo } from '../observability/request-info.js';
import type { GatewayContext } from '../request/gateway-context.js';
import { refuse, RequestRefusedError, type Refusal } from '../request/refusal.js';
import { withRequestIdInRefusal } from '../request/request-id.js';
import {
  readJsonBody,
  RequestBodyAbortedError,
  RequestBodyIdleError,
  RequestBodyNotUtf8Error,
  RequestBodyTooLargeError,
} from './request-body.js';

/** What serving one GraphQL request needs from the HTTP front. */
export interface GraphQLRequestServing {
  context: (request: IncomingMessage, requestInfo: RequestInfo) => GatewayContext | Promise<GatewayContext>;
  admitsOperation?: ((request: OperationRequest) => boolean) | undefined;
  bodyIdleTimeoutMs: number;
  metrics: GatewayMetrics;
}

/**
 * One request to `/graphql`: its context first (authentication on the headers alone, so a
 * client without valid credentials cannot hold a connection by sending its body slowly),
 * then its body, the trusted-documents check, and Apollo.
 */
export async function serveGraphQLRequest(
  serving: GraphQLRequestServing,
  apollo: ApolloServer<GatewayContext>,
  request: IncomingMessage,
  response: ServerResponse,
  search: string,
  requestInfo: RequestInfo,
): Promise<void> {
  const edge = { requestInfo, metrics: serving.metrics };
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const mayCarryBody = method !== 'GET' && method !== 'HEAD';

  let contextValue: GatewayContext | undefined;
  // A browser's GET is Apollo's to answer: the Sandbox page (no credentials needed), or 400.
  if (!(method === 'GET' && prefersHtml(request.headers.accept))) {
    try {
      contextValue = await serving.context(request, requestInfo);
    } catch (error) {
      if (!(error instanceof RequestRefusedError)) throw error;
      // The unread body, if any, is discarded with the connection.
      refuse(response, { ...error.refusal, closeConnection: mayCarryBody }, edge);
      return;
    }
  }

  let body: unknown;
  try {
    body = mayCarryBody ? await readJsonBody(request, serving.bodyIdleTimeoutMs) : undefined;
  } catch (error) {
    if (error instanceof RequestBodyAbortedError) {
      // Nobody is left to answer: an ordinary event on the internet, not a fault.
      requestInfo.logger.debug('request body aborted by the client');
      response.destroy();
      return;
    }
    const refusal = bodyRefusalOf(error);
    if (!refusal) throw error;
    refuse(response, refusal, edge);
    return;
  }

  if (serving.admitsOperation && !serving.admitsOperation({ method, search, body })) {
    refuse(
      response,
      {
        kind: ERROR_KINDS.operationNotTrusted,
        message:
          'Only trusted operations run on this gateway, and this is not one of them: send an operation from the persisted-documents manifest deployed with the gateway',
        log: { message: 'request refused: operation not trusted' },
      },
      edge,
    );
    return;
  }

  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers, search, body },
    context: async () => contextValue ?? serving.context(request, requestInfo),
  });
  await writeApolloResponse(response, withRequestIdInRefusal(result, requestInfo.requestId));
}

/** Apollo's own test for a browser asking for the landing page rather than a GraphQL result. */
function prefersHtml(accept: string | undefined): boolean {
  return (
    accept !== undefined &&
    new Negotiator({ headers: { accept } }).mediaType(['application/json', 'application/graphql-response+json', 'text/html']) ===
      'text/html'
  );
}

function bodyRefusalOf(error: unknown): Refusal | undefined {
  if (error instanceof RequestBodyIdleError) {
    return {
      kind: ERROR_KINDS.requestBodyStalled,
      message: 'Request body arrived too slowly',
      log: { message: 'request body stalled' },
      closeConnection: true,
    };
  }
  if (error instanceof RequestBodyTooLargeError) {
    return {
      kind: ERROR_KINDS.requestBodyTooLarge,
      message: 'Request body too large',
      log: { message: 'request body too large' },
      closeConnection: true,
    };
  }
  // Not UTF-8 is not JSON either: the same kind of refusal, with its own message.
  if (error instanceof RequestBodyNotUtf8Error) {
    return {
      kind: ERROR_KINDS.requestBodyNotJson,
      message: 'Request body is not valid UTF-8',
      log: { message: 'request body is not valid UTF-8' },
    };
  }
  if (error instanceof SyntaxError) {
    return {
      kind: ERROR_KINDS.requestBodyNotJson,
      message: 'Request body is not valid JSON',
      log: { message: 'request body is not valid JSON' },
    };
  }
  return undefined;
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
