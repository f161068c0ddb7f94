import { pino } from 'pino';
import { startCsssSimulator } from '../simulator/simulator.js';
import { runWhenInvoked, UsageError, type Command } from './command-line.js';

/**
 * `npm run simulator`: the CSSS stand-in on its own, for pointing a gateway (or curl) at.
 * A dev tool, so it reads its few settings straight from the environment instead of
 * going through the gateway's config.
 */
const logger = pino({ name: 'csss-simulator' });

export const SIMULATOR_USAGE = `Usage: npm run simulator
  Runs the CSSS simulator until SIGINT or SIGTERM. Settings come from the environment:
  SIMULATOR_HOST (default 127.0.0.1), SIMULATOR_PORT (default 4010),
  SIMULATOR_ACCESS_CODE and SIMULATOR_SECRET (generated when unset; a generated secret is printed once).`;

function readPort(value: string | undefined): number {
  if (value === undefined || value === '') return 4010;
  const port = Number(value);
  if (!/^[0-9]+$/.test(value) || port > 65535) throw new UsageError(`SIMULATOR_PORT must be a port number, got "${value}"`);
  return port;
}

async function run(argv: readonly string[]): Promise<void> {
  if (argv.length > 0) throw new UsageError(`unexpected argument "${argv[0]}"`);
  const env = process.env;
  const secretGiven = Boolean(env.SIMULATOR_SECRET);
  const simulator = await startCsssSimulator({
    host: env.SIMULATOR_HOST || '127.0.0.1',
    port: readPort(env.SIMULATOR_PORT),
    accessCode: env.SIMULATOR_ACCESS_CODE || undefined,
    secret: env.SIMULATOR_SECRET || undefined,
    // Nobody reads the records of a stand-alone simulator; keeping none keeps it from growing.
    maxRecorded: 0,
  });
  logger.info(
    { url: simulator.url, accessCode: simulator.accessCode },
    'CSSS simulator listening; point the gateway at it with CSSS_BASE_URL and CSSS_ACCESS_CODE',
  );
  // A generated secret is a throwaway credential the user cannot learn any other way;
  // one they supplied themselves is never echoed.
  if (!secretGiven) logger.info(`CSSS simulator test secret (generated, throwaway, for CSSS_SECRET): ${simulator.secret}`);

  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'CSSS simulator stopping');
    simulator.close().then(
      () => logger.info('CSSS simulator stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'CSSS simulator did not close cleanly');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export const simulatorCommand: Command = { usage: SIMULATOR_USAGE, run };

runWhenInvoked(import.meta.url, simulatorCommand);
