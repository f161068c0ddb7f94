import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalize, sign, signCanonical, type CsssParams } from '../../src/csss/csss.sign.js';

interface SignVector {
  name: string;
  secret: string;
  params: CsssParams;
  canonical: string;
  sign: string;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/sign-vectors.json', import.meta.url), 'utf8')) as {
  vectors: SignVector[];
};

describe('the signing key', () => {
  it('is the UTF-8 bytes of the secret, non-ASCII included', () => {
    const secret = 'clé-密钥-🔑';
    const expected = createHmac('sha1', Buffer.from(secret, 'utf8')).update('{"a":"b"}', 'utf8').digest('base64');
    expect(signCanonical('{"a":"b"}', secret)).toBe(expected);
  });
});

describe('CSSS signing test vectors', () => {
  it('has vectors to check', () => {
    expect(fixture.vectors.length).toBeGreaterThan(0);
  });

  describe.each(fixture.vectors)('vector "$name"', (vector) => {
    it('reproduces the canonical string', () => {
      expect(canonicalize(vector.params)).toBe(vector.canonical);
    });

    it('reproduces the sign', () => {
      expect(signCanonical(vector.canonical, vector.secret)).toBe(vector.sign);
      expect(sign(vector.params, vector.secret)).toBe(vector.sign);
    });
  });
});

describe('canonicalization', () => {
  it('leaves out sign, null, absent and empty-string parameters but keeps "0" and 0', () => {
    const canonical = canonicalize({
      sign: 'old-sign',
      b: null,
      c: undefined,
      d: '',
      e: '0',
      a: 0,
    });
    expect(canonical).toBe('{"a":0,"e":"0"}');
  });

  it('orders keys by their characters, underscores included', () => {
    expect(canonicalize({ test_flow_flag: '0', test_flow: '0', timestamp: '1' })).toBe(
      '{"test_flow":"0","test_flow_flag":"0","timestamp":"1"}',
    );
  });

  it('writes non-ASCII as UTF-8, does not escape slashes and escapes quotes and backslashes', () => {
    expect(canonicalize({ package_name: '中国/"x"\\' })).toBe('{"package_name":"中国/\\"x\\"\\\\"}');
  });

  it('keeps integers as JSON numbers and strings of digits as strings', () => {
    expect(canonicalize({ days: 364, order_period: '1' })).toBe('{"days":364,"order_period":"1"}');
  });

  it('produces a 28-character standard Base64 sign', () => {
    expect(sign({ a: '1' }, 'secret')).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });
});
