import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { LogCapture } from '../support/log-capture.js';

const CREDENTIAL = 'c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw';

describe('logger redaction (the second line of defence)', () => {
  it('censors credentials at every path the gateway could log them under', () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info', destination: capture });
    logger.info({ secret: CREDENTIAL, sign: CREDENTIAL, authorization: `Bearer ${CREDENTIAL}`, apiKey: CREDENTIAL }, 'top level');
    logger.info({ csss: { endpoint: 'createOtaOrder', sign: CREDENTIAL, secret: CREDENTIAL } }, 'csss call');
    logger.info({ headers: { authorization: `Bearer ${CREDENTIAL}`, 'x-api-key': CREDENTIAL } }, 'headers');
    logger.info({ req: { headers: { authorization: `Bearer ${CREDENTIAL}`, 'x-api-key': CREDENTIAL } } }, 'request');

    expect(capture.lines).toHaveLength(4);
    expect(capture.text).not.toContain(CREDENTIAL);
    const [top, csss, headers, request] = capture.entries();
    expect(top).toMatchObject({ secret: '[redacted]', sign: '[redacted]', authorization: '[redacted]', apiKey: '[redacted]' });
    expect(csss).toMatchObject({ csss: { endpoint: 'createOtaOrder', sign: '[redacted]', secret: '[redacted]' } });
    expect(headers).toMatchObject({ headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } });
    expect(request).toMatchObject({ req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } } });
  });
});
