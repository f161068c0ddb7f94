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
import { Pool } from 'undici';
import { DEFAULT_CSSS_CONNECTIONS } from '../src/csss/csss.client.js';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE } from '../src/csss/csss.wire.js';
import { csssSettingsFromEnv, exitWithParent, pickLanguage, signedParams, toWire, type BenchOrderInput } from './order.js';

const settings = csssSettingsFromEnv();
const csssUrl = new URL(settings.baseUrl);
const csssPath = csssUrl.pathname.replace(/\/+$/, '') + CREATE_OTA_ORDER_PATH;
const TIMEOUT_MS = 10_000;
const pool = new Pool(csssUrl.origin, {
  connections: DEFAULT_CSSS_CONNECTIONS,
  headersTimeout: TIMEOUT_MS,
  bodyTimeout: TIMEOUT_MS,
});

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

interface Envelope {
  code?: unknown;
  success?: unknown;
  message?: unknown;
  data?: { sim_id?: unknown; order_id?: unknown; order_time?: unknown } | null;
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

  const response = await pool.request({
    path: csssPath,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'accept-language': pickLanguage(req.headers['accept-language']),
    },
    body: JSON.stringify(signedParams(wire, settings.accessCode, settings.secret)),
  });
  const envelope = (await response.body.json()) as Envelope;
  const data = envelope.data;
  if (response.statusCode !== 200 || envelope.code !== CSSS_SUCCESS_CODE || envelope.success !== true || !data) {
    return send(res, 502, failure(`CSSS answered ${response.statusCode} ${String(envelope.code)}`, 'CSSS_REJECTED'));
  }
  send(res, 200, { data: { createOtaOrder: { simId: data.sim_id, orderId: data.order_id, orderTime: data.order_time } } });
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
  await pool.close();
});
