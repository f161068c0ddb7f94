/**
 * The upstream CSSS simulator (src/simulator, unchanged) in its own process for the
 * benchmark. The simulator keeps every request and order in memory for tests; over a
 * benchmark that is hundreds of thousands of entries, so this wrapper empties both arrays
 * every second to keep the simulator's own cost steady from the first run to the last.
 *
 * Env: SIMULATOR_PORT, SIMULATOR_ACCESS_CODE, SIMULATOR_SECRET (host is always 127.0.0.1).
 */
import { startCsssSimulator } from '../src/simulator/simulator.js';
import { exitWithParent } from './order.js';

const env = process.env;
const simulator = await startCsssSimulator({
  host: '127.0.0.1',
  port: Number(env.SIMULATOR_PORT ?? 0),
  accessCode: env.SIMULATOR_ACCESS_CODE || undefined,
  secret: env.SIMULATOR_SECRET || undefined,
});

let served = 0;
const trim = setInterval(() => {
  served += simulator.requests.length;
  simulator.requests.length = 0;
  simulator.orders.length = 0;
}, 1000);
trim.unref();

process.stdout.write(`simulator listening on ${simulator.url}\n`);

exitWithParent(async () => {
  clearInterval(trim);
  process.stdout.write(`simulator stopping after ${served + simulator.requests.length} requests\n`);
  await simulator.close();
});
