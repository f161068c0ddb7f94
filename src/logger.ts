import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino censors in a log object, as a second line of defence: credentials are also
 * kept in `Secret` objects that serialize as `[redacted]`, and no log call passes headers
 * or CSSS parameters. Exact paths only, covering the shapes this code logs (top level,
 * `csss`, `headers`, `req.headers`): a wildcard path makes pino walk every key of every
 * line, which measured about 5 % of the gateway's throughput (see README, Performance).
 */
const REDACTED_PATHS = [
  'secret',
  'sign',
  'authorization',
  'apiKey',
  'csss.secret',
  'csss.sign',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

/**
 * Standard output, written asynchronously so logging never blocks the event
 * loop on a slow pipe; main.ts flushes it before the process exits.
 */
export function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

export function createLogger(options: { level: string; pretty?: boolean; destination?: DestinationStream }): Logger {
  const settings = {
    level: options.level,
    base: { service: 'csss-graphql-gateway' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.pretty) {
    // Only when asked for: pino-pretty runs in a worker thread and costs throughput.
    return pino({ ...settings, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(settings, options.destination);
}
