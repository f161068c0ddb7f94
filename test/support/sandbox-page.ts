import { expect } from 'vitest';

/** What an Apollo Sandbox page opens with: the example operation, its variables and headers. */
export interface SandboxPage {
  document: string;
  variables: { input: Record<string, unknown> };
  headers: Record<string, string>;
}

/** Apollo writes the embed configuration as one JSON literal into the page's script. */
const EMBED_CONFIG = /var embeddedSandboxConfig = (\{.*\});\n/;

/** Loads the landing page as a browser does and reads what Sandbox would open with. */
export async function openSandboxPage(graphqlUrl: string): Promise<SandboxPage> {
  const response = await fetch(graphqlUrl, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).toContain('embeddable-sandbox');
  const config = EMBED_CONFIG.exec(html)?.[1];
  if (!config) throw new Error('the page carries no Sandbox embed configuration');
  const { initialState } = JSON.parse(config) as { initialState: SandboxPage };
  return { document: initialState.document, variables: initialState.variables, headers: initialState.headers ?? {} };
}

/** Presses Run: POSTs the page's operation as Sandbox sends it, with its headers and any filled in. */
export async function runSandboxPage(
  graphqlUrl: string,
  page: SandboxPage,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  json: {
    data?: { createOtaOrder?: { orderId: string; replayed: boolean } | null } | null;
    errors?: Array<{ extensions: { code: string } }>;
  };
}> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...page.headers, ...headers },
    body: JSON.stringify({ query: page.document, variables: page.variables }),
  });
  return { status: response.status, json: (await response.json()) as never };
}
