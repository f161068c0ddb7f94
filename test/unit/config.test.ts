import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the embedded simulator on 0.0.0.0:4000 with zh-CN, a 10 s deadline and a journal in ./data', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '0.0.0.0',
      csss: { kind: 'simulator' },
      csssTimeoutMs: 10_000,
      csssDefaultLanguage: 'zh-CN',
      csssMaxInFlight: 64,
      csssBreakerFailureThreshold: 5,
      csssBreakerCooldownMs: 10_000,
      dataDir: './data',
      otelEndpoint: undefined,
      shutdownDelayMs: 0,
      logLevel: 'info',
      logPretty: false,
    });
  });

  it('reads the journal folder and the limits towards CSSS', () => {
    const config = loadConfig({
      DATA_DIR: '/var/lib/gateway',
      CSSS_MAX_IN_FLIGHT: '8',
      CSSS_BREAKER_FAILURE_THRESHOLD: '3',
      CSSS_BREAKER_COOLDOWN_MS: '2500',
    });
    expect(config).toMatchObject({
      dataDir: '/var/lib/gateway',
      csssMaxInFlight: 8,
      csssBreakerFailureThreshold: 3,
      csssBreakerCooldownMs: 2500,
    });
    expect(problemsOf({ CSSS_MAX_IN_FLIGHT: '0' })).toEqual(['CSSS_MAX_IN_FLIGHT must be an integer from 1 to 10000 (got "0")']);
  });

  it('reads a real CSSS target and keeps the secret out of its JSON and string forms', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      CSSS_BASE_URL: 'https://apiv3.example.test',
      CSSS_ACCESS_CODE: 'QY-000001',
      CSSS_SECRET: ' secret with spaces ',
      CSSS_TIMEOUT_MS: '2500',
      CSSS_DEFAULT_LANGUAGE: 'en-us',
    });
    expect(config.port).toBe(8080);
    expect(config.csssTimeoutMs).toBe(2500);
    expect(config.csssDefaultLanguage).toBe('en-US');
    if (config.csss.kind !== 'remote') throw new Error('expected a remote target');
    expect(config.csss.secret.reveal()).toBe(' secret with spaces ');
    expect(JSON.stringify(config)).not.toContain('secret with spaces');
    expect(String(config.csss.secret)).toBe('[redacted]');
  });

  it('names every bad variable in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      CSSS_TIMEOUT_MS: '0',
      CSSS_DEFAULT_LANGUAGE: 'fr-FR',
      CSSS_BASE_URL: 'ftp://csss',
      LOG_LEVEL: 'loud',
    });
    expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
      'PORT',
      'CSSS_TIMEOUT_MS',
      'CSSS_DEFAULT_LANGUAGE',
      'LOG_LEVEL',
      'CSSS_BASE_URL',
      'CSSS_ACCESS_CODE',
      'CSSS_SECRET',
    ]);
  });

  it('requires credentials with a real CSSS and never prints the secret', () => {
    const missing = problemsOf({ CSSS_BASE_URL: 'https://csss.test', CSSS_SECRET: 'hunter2-secret' });
    expect(missing).toEqual(['CSSS_ACCESS_CODE is required when CSSS_BASE_URL is set']);
    const error = (() => {
      try {
        loadConfig({ CSSS_BASE_URL: 'https://csss.test', CSSS_SECRET: 'hunter2-secret', PORT: 'x' });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('CSSS_ACCESS_CODE');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it('rejects a port out of range and accepts port 0', () => {
    expect(problemsOf({ PORT: '65536' })).toEqual(['PORT must be an integer from 0 to 65535 (got "65536")']);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });
});
