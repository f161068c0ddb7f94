/**
 * The upstream CSSS simulator (src/simulator, unchanged) in its own process for the
 * benchmark. The simulator keeps the latest requests and orders in memory for tests; this
 * wrapper counts and empties both arrays every second, which keeps the simulator's own
 * cost steady from the first run to the last and the count exact.
 *
 * With SIMULATOR_DELAY_MS set (the slow-upstream scenario), a small front in this process
 * takes each request, passes it to the simulator at once (so the order is checked and
 * placed when it arrives) and holds the answer until the delay has passed since the request
 * came in (other methods are answered at once). The front's cost is the same whoever calls it: the load generator directly (the
 * baseline), the gateway or the peer.
 *
 * Env: SIMULATOR_PORT, SIMULATOR_ACCESS_CODE, SIMULATOR_SECRET, SIMULATOR_DELAY_MS
 * (default 0; host is always 127.0.0.1).
 */
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { startCsssSimulator } from '../src/simulator/simulator.js';
import { exitWithParent } from './order.js';
import { failRelay, relayToSimulator, sendRelayed } from './simulator-relay.js';

const env = process.env;
const delayMs = Number(env.SIMULATOR_DELAY_MS ?? 0);
if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`SIMULATOR_DELAY_MS must be a number of ms, got "${env.SIMULATOR_DELAY_MS}"`);
const port = Number(env.SIMULATOR_PORT ?? 0);

const simulator = await startCsssSimulator({
  host: '127.0.0.1',
  // Behind the delaying front the simulator itself takes any free port.
  port: delayMs > 0 ? 0 : port,
  accessCode: env.SIMULATOR_ACCESS_CODE || undefined,
  secret: env.SIMULATOR_SECRET || undefined,
  // Emptied every second below; the cap must stay above a second's requests for the count.
  maxRecorded: 1_000_000,
  // Nothing here asks queryOrder: keeping a ledger of placed orders would only cost the shared cores.
  maxPlaced: 0,
});

let served = 0;
const trim = setInterval(() => {
  served += simulator.requests.length;
  simulator.requests.length = 0;
  simulator.orders.length = 0;
}, 1000);
trim.unref();

function startDelayingFront(): { server: Server; pool: Pool } {
  // Requests reach the simulator at once, so few connections carry them however many wait.
  const pool = new Pool(simulator.url, { connections: 16 });
  const server = createServer((request, response) => {
    const arrivedAt = performance.now();
    relayToSimulator(pool, request).then(
      (answer) => {
        // Only orders (POSTs) wait; the bench's readiness probe (a GET) is answered at once.
        const wait = request.method === 'POST' ? Math.max(0, arrivedAt + delayMs - performance.now()) : 0;
        setTimeout(() => sendRelayed(response, answer), wait);
      },
      () => failRelay(response),
    );
  });
  // Callers keep their connections open between orders; the default 5 s is ample but explicit here.
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1');
  return { server, pool };
}

const front = delayMs > 0 ? startDelayingFront() : undefined;
if (front) {
  await new Promise<void>((resolve) => (front.server.listening ? resolve() : front.server.once('listening', () => resolve())));
  process.stdout.write(`simulator listening on http://127.0.0.1:${port}, answering after ${delayMs} ms (simulator at ${simulator.url})\n`);
} else {
  process.stdout.write(`simulator listening on ${simulator.url}\n`);
}

exitWithParent(async () => {
  clearInterval(trim);
  process.stdout.write(`simulator stopping after ${served + simulator.requests.length} requests\n`);
  if (front) {
    front.server.closeAllConnections();
    await new Promise<void>((resolve) => front.server.close(() => resolve()));
    await front.pool.close();
  }
  await simulator.close();
});
