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

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    { level: options.level, base: { service: 'csss-graphql-gateway' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    options.destination,
  );
}
