import { startGateway } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The logger's level comes from the configuration, so this one message goes to stderr directly.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const logger = createLogger({ level: config.logLevel, pretty: config.logPretty });
let gateway;
try {
  gateway = await startGateway(config, { logger });
} catch (error) {
  logger.fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
}

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  gateway.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
