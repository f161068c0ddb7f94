import { expect } from 'vitest';

/** What an Apollo Sandbox page opens with: the example operation, its variables and headers. */
export interface SandboxPage {
  document: string;
  variables: { input: Record<string, unknown> };
  headers: Record<string, string>;
  /** Whether Sandbox sends Apollo its usage telemetry. */
  runTelemetry: boolean;
  /** What the page shows a person when Sandbox cannot load from Apollo's CDN, as text. */
  fallback: { operation: string; variables: string; curl: string; text: string };
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
  const { initialState, runTelemetry } = JSON.parse(config) as { initialState: SandboxPage; runTelemetry: boolean };
  return {
    document: initialState.document,
    variables: initialState.variables,
    headers: initialState.headers ?? {},
    runTelemetry,
    fallback: {
      operation: preText(html, 'sandbox-fallback-operation'),
      variables: preText(html, 'sandbox-fallback-variables'),
      curl: preText(html, 'sandbox-fallback-curl'),
      text: htmlText(/<div class="fallback" id="sandbox-fallback">([\s\S]*?)<script/.exec(html)?.[1] ?? ''),
    },
  };
}

/** The text of the page's <pre id="…">, as a browser shows it before any script runs. */
function preText(html: string, id: string): string {
  const inner = new RegExp(`<pre id="${id}">([\\s\\S]*?)</pre>`).exec(html)?.[1];
  if (inner === undefined) throw new Error(`the page has no <pre id="${id}">`);
  return htmlText(inner);
}

function htmlText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
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
