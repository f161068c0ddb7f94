import { generateApiKey } from '../../src/auth/api-key-store.js';

/** A fresh API key for a test client, with the env that configures a gateway to accept it. */
export function testApiKey(clientId = 'test-client', scopes: string[] = ['ota:order']) {
  const { key, record } = generateApiKey(clientId, scopes);
  return {
    key,
    record,
    headers: { 'x-api-key': key },
    env: { AUTH_MODE: 'apikey', AUTH_API_KEYS: JSON.stringify([record]) },
  };
}
