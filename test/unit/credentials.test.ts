import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { extractCredentials, type CredentialHeaders } from '../../src/auth/credentials.js';
import { AuthenticationError } from '../../src/auth/principal.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb3J0YWwifQ.c2lnbmF0dXJl';
const API_KEY = 'csk_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_';

function refusal(headers: CredentialHeaders): AuthenticationError {
  try {
    extractCredentials(headers);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return error as AuthenticationError;
  }
  throw new Error('expected an AuthenticationError');
}

describe('credential extraction', () => {
  it('finds no credentials in a request without either header', () => {
    expect(extractCredentials({})).toEqual({ kind: 'none' });
  });

  it('reads a bearer token, whatever the case of the scheme', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect(extractCredentials({ authorization: `${scheme} ${JWT}` })).toEqual({ kind: 'bearer', token: JWT });
    }
  });

  it('reads an API key from the ApiKey scheme, whatever its case', () => {
    for (const scheme of ['ApiKey', 'apikey', 'APIKEY']) {
      expect(extractCredentials({ authorization: `${scheme} ${API_KEY}` })).toEqual({ kind: 'apikey', key: API_KEY });
    }
  });

  it('reads an API key from X-Api-Key', () => {
    expect(extractCredentials({ 'x-api-key': API_KEY })).toEqual({ kind: 'apikey', key: API_KEY });
  });

  it('takes Node request headers as they are', () => {
    const headers: IncomingHttpHeaders = { host: 'gateway', authorization: `Bearer ${JWT}`, accept: '*/*' };
    expect(extractCredentials(headers)).toEqual({ kind: 'bearer', token: JWT });
  });

  it('allows several spaces after the scheme', () => {
    expect(extractCredentials({ authorization: `Bearer   ${JWT}` })).toEqual({ kind: 'bearer', token: JWT });
  });

  it('refuses both headers at once, even when they agree', () => {
    const error = refusal({ authorization: `ApiKey ${API_KEY}`, 'x-api-key': API_KEY });
    expect(error.reason).toBe('malformed');
    expect(error.message).toMatch(/not both/);
  });

  it('refuses schemes other than Bearer and ApiKey', () => {
    expect(refusal({ authorization: 'Basic dXNlcjpwYXNz' }).message).toMatch(/use Bearer or ApiKey/);
    expect(refusal({ authorization: `Token ${JWT}` }).reason).toBe('malformed');
  });

  it('refuses an Authorization header that is empty, has no credential, or has more than one', () => {
    for (const authorization of ['', '   ', 'Bearer', 'Bearer ', `Bearer ${JWT} extra`, `Bearer${JWT}`, `Bearer "${JWT}"`]) {
      expect(refusal({ authorization }).reason).toBe('malformed');
    }
  });

  it('refuses an X-Api-Key that is empty or repeated', () => {
    expect(refusal({ 'x-api-key': '' }).reason).toBe('malformed');
    // Node joins repeated unknown headers with ", ".
    expect(refusal({ 'x-api-key': `${API_KEY}, ${API_KEY}` }).reason).toBe('malformed');
    expect(refusal({ 'x-api-key': [API_KEY, API_KEY] }).reason).toBe('malformed');
  });

  it('never quotes the header value in its errors', () => {
    const cases: CredentialHeaders[] = [
      { authorization: 'Basic c2VjcmV0LXZhbHVl' },
      { authorization: 'Bearer c2VjcmV0LXZhbHVl extra' },
      { 'x-api-key': 'c2VjcmV0LXZhbHVl c2VjcmV0LXZhbHVl' },
      { authorization: 'Bearer c2VjcmV0LXZhbHVl', 'x-api-key': 'c2VjcmV0LXZhbHVl' },
    ];
    for (const headers of cases) expect(refusal(headers).message).not.toContain('c2VjcmV0LXZhbHVl');
  });
});
