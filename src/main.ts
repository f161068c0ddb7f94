import { startGateway } from './app.js';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { loadEnvFileIfPresent } from './env-file.js';
import { createLogger, stdoutDestination, type Logger } from './logger.js';

/** The entry point of `npm start`: configuration, start, and a graceful stop on signals. */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    loadEnvFileIfPresent();
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The logger's level comes from the configuration, so this one message goes to stderr directly.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  const logger = createLogger({
    level: config.logLevel,
    pretty: config.logPretty,
    destination: config.logPretty ? undefined : stdoutDestination(),
  });
  let gateway;
  try {
    gateway = await startGateway(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'gateway failed to start');
    exitAfterFlush(logger, 1);
    return;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    gateway.close().then(
      () => {
        logger.info('stopped');
        exitAfterFlush(logger, 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exitAfterFlush(logger, 1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Log lines are written asynchronously; the last ones of a process must not be lost. */
function exitAfterFlush(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
}

await main();
