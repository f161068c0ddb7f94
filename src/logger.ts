import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino censors wherever they appear in a log object, as a second line of defence:
 * credentials are also kept in `Secret` objects that serialize as `[redacted]`.
 */
const REDACTED_PATHS = [
  'secret',
  '*.secret',
  'sign',
  '*.sign',
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
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
