import { SANDBOX_EXAMPLE_OPERATION, type SandboxExample } from './sandbox-example.js';

/** What Apollo's page shows when Sandbox's script never arrives: a title and "you might be offline". */
const APOLLO_FALLBACK = /<div class="fallback">[\s\S]*?<\/div>/;
/** Apollo puts one nonce on each of its inline scripts and styles; the content security policy allows only those. */
const NONCE = /nonce="?([0-9a-f]{32,})"?/;

/**
 * The part of the Sandbox page a person sees when Sandbox cannot load: Sandbox's script and
 * iframe come from Apollo's CDN, which a machine offline or behind a proxy that blocks it
 * cannot reach. Everything here is in the page itself (no external asset): the example
 * operation with this load's idempotencyKey, a ready-to-paste curl, and where the schema is.
 * It takes the place of Apollo's own fallback, which Apollo keeps behind Sandbox's iframe
 * and fades in after a second, so it is seen only while Sandbox is missing.
 */
export function withSandboxFallback(apolloPage: string, example: SandboxExample): string {
  const nonce = NONCE.exec(apolloPage)?.[1];
  if (!nonce || !APOLLO_FALLBACK.test(apolloPage)) {
    throw new Error("Apollo's Sandbox page changed shape: no fallback block or nonce to extend");
  }
  return apolloPage.replace(APOLLO_FALLBACK, () => fallbackHtml(example, nonce));
}

function fallbackHtml(example: SandboxExample, nonce: string): string {
  const variables = JSON.stringify(example.variables, null, 2);
  const curl = curlCommand(example);
  return `
<div class="fallback" id="sandbox-fallback">
  <style nonce="${nonce}">
    /* Sandbox's empty container would otherwise cover this text and swallow its clicks. */
    #embeddableSandbox:empty { display: none; }
    #sandbox-fallback { position: absolute; inset: 0; overflow: auto; font-family: sans-serif; line-height: 1.4; }
    #sandbox-fallback pre { background: #f4f4f4; padding: 0.75em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
  </style>
  <h1>CSSS GraphQL gateway</h1>
  <p>Apollo Sandbox could not be loaded. It comes from Apollo's CDN
  (<code>embeddable-sandbox.cdn.apollographql.com</code>), which this browser cannot reach: it may
  be offline, or a proxy blocks the CDN. You can still call this endpoint as shown here.</p>
  <h2>The example operation</h2>
  <pre id="sandbox-fallback-operation">${escapeHtml(example.document)}</pre>
  <h2>Its variables</h2>
  <p>The <code>idempotencyKey</code> is new on every load of this page: send it once to order, again to see the replay (<code>replayed: true</code>).</p>
  <pre id="sandbox-fallback-variables">${escapeHtml(variables)}</pre>
  <h2>Ready to paste</h2>
  <pre id="sandbox-fallback-curl">${escapeHtml(curl).replace(ENDPOINT_MARK, ENDPOINT_ELEMENT)}</pre>
  <h2>The schema</h2>
  <p>Every type, field and error code, described: <code>schema/schema.graphql</code> in the gateway's
  repository. Generate your client's types from that file.</p>
  <script nonce="${nonce}">
    // The page cannot know the address it was reached by; the browser does.
    for (const url of document.querySelectorAll('#sandbox-fallback [data-endpoint]')) url.textContent = window.location.origin + window.location.pathname;
  </script>
</div>`;
}

/** The example as one curl command for a POSIX shell, credential placeholders included. */
function curlCommand(example: SandboxExample): string {
  const body = JSON.stringify({ query: SANDBOX_EXAMPLE_OPERATION.trim().replace(/\s+/g, ' '), variables: example.variables });
  const headers = Object.entries({ 'content-type': 'application/json', ...example.headers }).map(
    ([name, value]) => `  -H ${shellQuote(`${name}: ${value}`)} \\`,
  );
  return [`curl -s ${ENDPOINT_MARK} \\`, ...headers, `  -d ${shellQuote(body)}`].join('\n');
}

/**
 * Replaced after escaping by an element the page's script fills with the page's own address
 * (the default address of `npm start` until it runs).
 */
const ENDPOINT_MARK = '__SANDBOX_ENDPOINT__';
const ENDPOINT_ELEMENT = '<span data-endpoint>http://localhost:4000/graphql</span>';

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}
