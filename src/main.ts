import { constants } from 'node:os';
import { startGateway, type RunningGateway } from './app.js';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { loadEnvFileIfPresent } from './env-file.js';
import { createLogger, stdoutDestination, type Logger } from './logger.js';

/** Signals closer together than this are one request to stop (see onSignal). */
const SIGNAL_ECHO_MS = 1_000;
/** How long a forced exit waits for its in-flight attempts to be marked UNKNOWN. */
const FORCED_EXIT_MARK_MS = 1_000;

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
  // Signals are handled from the start: one that arrives while the gateway waits for its
  // database stops the wait, and the start closes what it had opened.
  const startAbort = new AbortController();
  let gateway: RunningGateway | undefined;
  let stopping = false;
  let lastSignalAt = 0;
  let signalsWhileStopping = 0;
  // A failed journal sync ends the process like a stop, but with a failure exit code.
  let exitCode = 0;
  const stop = (running: RunningGateway): void => {
    running.close().then(
      () => {
        logger.info('stopped');
        exitAfterFlush(logger, exitCode);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exitAfterFlush(logger, 1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    const now = Date.now();
    // Ctrl-C on `npm start` reaches node twice (from the terminal and forwarded by npm), as
    // does a stop signal sent to the whole process group (systemd's default): a signal
    // this soon after the previous one is the same request, not a new one.
    const echo = now - lastSignalAt < SIGNAL_ECHO_MS;
    lastSignalAt = now;
    if (!stopping) {
      stopping = true;
      logger.info({ signal }, 'shutting down');
      if (gateway) stop(gateway);
      else startAbort.abort();
      return;
    }
    if (echo) return;
    signalsWhileStopping += 1;
    if (signalsWhileStopping === 1) {
      logger.warn(
        { signal },
        'still shutting down: orders in flight finish within the CSSS deadline and are journaled; send the signal once more to stop at once',
      );
      return;
    }
    // A deliberate third request: stop now. Orders still in flight are marked UNKNOWN first
    // where the journal takes the write in time (otherwise the stale sweep does it later);
    // none is sent twice.
    logger.warn({ signal }, 'stopping at once: orders still in flight become UNKNOWN for an operator to settle');
    const code = 128 + (constants.signals[signal] ?? 0);
    const marked = gateway?.abandonInFlight() ?? Promise.resolve();
    const bound = new Promise<void>((resolve) => setTimeout(resolve, FORCED_EXIT_MARK_MS).unref());
    Promise.race([marked, bound])
      .catch((error: unknown) => logger.error({ err: error }, 'orders in flight could not be marked UNKNOWN; the stale sweep will'))
      .finally(() => exitAfterFlush(logger, code));
  };
  const onJournalFailed = (): void => {
    exitCode = 1;
    if (stopping) return;
    stopping = true;
    if (gateway) stop(gateway);
  };
  // `on`, not `once`: after a `once` handler, the repeated signal's default action kills
  // the process in the middle of an order.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    gateway = await startGateway(config, { logger, startSignal: startAbort.signal, onJournalFailed });
  } catch (error) {
    if (stopping) {
      logger.info('stopped before start-up finished');
      exitAfterFlush(logger, 0);
    } else {
      logger.fatal({ err: error }, 'gateway failed to start');
      exitAfterFlush(logger, 1);
    }
    return;
  }
  // A signal that came during a start that did not wait (or finished waiting) stops it now.
  if (stopping) stop(gateway);
}

/** Log lines are written asynchronously; the last ones of a process must not be lost. */
function exitAfterFlush(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
}

await main();
