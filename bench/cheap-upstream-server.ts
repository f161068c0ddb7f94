/**
 * The cheap upstream of the fast scenario: answers every createOtaOrder with the CSSS
 * success envelope at once, without reading the fields or checking the sign, so the
 * upstream's own work stays off the two cores the targets are measured on. Against the
 * simulator, which checks every sign on the same cores, every target slows alike and the
 * ratios between them shrink (issue 22).
 *
 * It starts in `checked` mode: every request goes on to the repo's CSSS simulator, running
 * in this process, so each target's correctness check still places a real, verified order.
 * `POST /bench/upstream/cheap` switches to `cheap` mode for the measurements; orders are then
 * answered here, everything else (the readiness GET) still by the simulator.
 * `GET /bench/upstream` reports the mode and how many orders each mode answered.
 *
 * Env: SIMULATOR_PORT (this server's port), SIMULATOR_ACCESS_CODE, SIMULATOR_SECRET (what the
 * simulator checks); host is always 127.0.0.1.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { CREATE_OTA_ORDER_PATH, CSSS_SUCCESS_CODE } from '../src/csss/csss.wire.js';
import { createOrderIdSequence, formatBeijingTime, simIdFor } from '../src/simulator/simulator.orders.js';
import { startCsssSimulator } from '../src/simulator/simulator.js';
import { CHEAP_UPSTREAM_CONTROL_PATH, type CheapUpstreamState } from './cheap-upstream-control.js';
import { BENCH_ORDER_INPUT, exitWithParent } from './order.js';
import { failRelay, relayToSimulator, sendRelayed } from './simulator-relay.js';

const env = process.env;
const port = Number(env.SIMULATOR_PORT ?? 0);

const simulator = await startCsssSimulator({
  host: '127.0.0.1',
  port: 0,
  accessCode: env.SIMULATOR_ACCESS_CODE || undefined,
  secret: env.SIMULATOR_SECRET || undefined,
  // Only the correctness checks reach it; nothing needs what it records.
  maxRecorded: 0,
});
const pool = new Pool(simulator.url, { connections: 4 });

const state: CheapUpstreamState = { mode: 'checked', checkedOrders: 0, cheapOrders: 0 };
const nextOrderId = createOrderIdSequence(Date.now);
// Every bench order is for the same ICCID, so its platform id is worked out once.
const simId = simIdFor(BENCH_ORDER_INPUT.deviceId);
const ENVELOPE_HEADERS = { 'content-type': 'application/json;charset=UTF-8' } as const;

function cheapAnswer(): string {
  const now = Date.now();
  const data = { sim_id: simId, order_id: nextOrderId(), order_time: formatBeijingTime(now) };
  return JSON.stringify({ code: CSSS_SUCCESS_CODE, success: true, message: 'success', data });
}

const server = createServer((request, response) => {
  const isOrder = request.method === 'POST' && request.url === CREATE_OTA_ORDER_PATH;
  if (isOrder && state.mode === 'cheap') {
    state.cheapOrders += 1;
    // The body is drained unread: answering before it has arrived would not be a real exchange.
    request.resume();
    request.once('end', () => response.writeHead(200, ENVELOPE_HEADERS).end(cheapAnswer()));
    return;
  }
  if (request.url === CHEAP_UPSTREAM_CONTROL_PATH) {
    request.resume();
    if (request.method === 'GET') response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
    else response.writeHead(404).end();
    return;
  }
  if (request.url === `${CHEAP_UPSTREAM_CONTROL_PATH}/cheap` && request.method === 'POST') {
    request.resume();
    state.mode = 'cheap';
    response.writeHead(204).end();
    return;
  }
  if (isOrder) state.checkedOrders += 1;
  relayToSimulator(pool, request).then(
    (answer) => sendRelayed(response, answer),
    () => failRelay(response),
  );
});
server.keepAliveTimeout = 30_000;
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
process.stdout.write(`cheap upstream listening on http://127.0.0.1:${port} (simulator for the checks at ${simulator.url})\n`);

exitWithParent(async () => {
  process.stdout.write(`cheap upstream stopping: ${JSON.stringify(state)}\n`);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await pool.close();
  await simulator.close();
});
