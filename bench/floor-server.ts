/**
 * The floor: what no GraphQL gateway in Node can beat on this machine. A bare node:http
 * handler takes the same GraphQL-shaped JSON body, maps `variables.input` to the CSSS
 * wire request, signs it with the gateway's own sign(), POSTs it to CSSS through an
 * undici Pool as large as the gateway's, and answers with GraphQL-shaped JSON. No
 * GraphQL parsing or validation, no input rules, no logging.
 *
 * Env: CSSS_BASE_URL, CSSS_ACCESS_CODE, CSSS_SECRET, PORT, HOST.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { csssSettingsFromEnv, exitWithParent, pickLanguage, toWire, type BenchOrderInput } from './order.js';
import { createUndiciCsssCall } from './undici-csss-call.js';

const settings = csssSettingsFromEnv();
const csss = createUndiciCsssCall(settings);

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const failure = (message: string, code: string): unknown => ({ errors: [{ message, extensions: { code } }] });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, failure('not found', 'NOT_FOUND'));

  let input: BenchOrderInput;
  try {
    const parsed = JSON.parse(await readBody(req)) as { variables?: { input?: BenchOrderInput } };
    if (typeof parsed.variables?.input !== 'object' || parsed.variables.input === null) throw new TypeError('no input');
    input = parsed.variables.input;
  } catch {
    return send(res, 400, failure('body must be a GraphQL request with variables.input', 'BAD_USER_INPUT'));
  }

  let wire;
  try {
    wire = toWire(input);
  } catch (error) {
    return send(res, 400, failure((error as Error).message, 'BAD_USER_INPUT'));
  }

  const result = await csss.createOtaOrder(wire, pickLanguage(req.headers['accept-language']));
  if (!result.ok) return send(res, 502, failure(result.message, 'CSSS_REJECTED'));
  send(res, 200, { data: { createOtaOrder: result.order } });
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => {
    if (!res.headersSent) send(res, 502, failure('CSSS call failed', 'CSSS_OUTCOME_UNKNOWN'));
    else res.destroy();
  });
});

server.listen(settings.port, settings.host, () => {
  process.stdout.write(`floor listening on http://${settings.host}:${settings.port}/graphql\n`);
});

exitWithParent(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await csss.close();
});
