import type { Logger } from '../logger.js';
import { Secret } from '../secret.js';
import { startCsssSimulator } from './simulator.js';

export interface EmbeddedSimulator {
  /** Where the gateway's CSSS client sends orders. */
  baseUrl: string;
  accessCode: string;
  secret: Secret;
  close(): Promise<void>;
}

/**
 * The CSSS stand-in `npm start` uses when no CSSS_BASE_URL is set, on a loopback port of
 * its own. It says loudly that nothing real is ordered, and keeps no request records so
 * that a long session does not grow.
 */
export async function startEmbeddedSimulator(options: { clock?: () => number; logger: Logger }): Promise<EmbeddedSimulator> {
  const simulator = await startCsssSimulator({ host: '127.0.0.1', port: 0, clock: options.clock, maxRecorded: 0 });
  options.logger.warn(
    { simulatorUrl: simulator.url },
    'ORDERS ARE SIMULATED: CSSS_BASE_URL is not set, so orders go to the embedded CSSS simulator and nothing real is ordered',
  );
  return {
    baseUrl: simulator.url,
    accessCode: simulator.accessCode,
    secret: new Secret(simulator.secret),
    close: () => simulator.close(),
  };
}
