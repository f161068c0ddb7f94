import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLResponseBody<TData> {
  data?: TData | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

export interface GraphQLHttpResult<TData> {
  status: number;
  body: GraphQLResponseBody<TData>;
  /** The raw response text, to scan for anything that must never be sent. */
  text: string;
}

/** POSTs a typed operation to a GraphQL endpoint over real HTTP, as a frontend would. */
export async function executeGraphQL<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  headers: Record<string, string> = {},
): Promise<GraphQLHttpResult<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as GraphQLResponseBody<TData>, text };
}
