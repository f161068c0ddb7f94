import { AuthenticationError } from './principal.js';

type Credentials = { kind: 'bearer'; token: string } | { kind: 'apikey'; key: string } | { kind: 'none' };

/**
 * The two headers that can carry credentials. Node's `IncomingHttpHeaders` fits: Node
 * keeps only the first `Authorization` and joins repeated `X-Api-Key` headers with ", ",
 * which the token syntax below then refuses.
 */
export interface CredentialHeaders {
  authorization?: string | string[] | undefined;
  'x-api-key'?: string | string[] | undefined;
}

/** RFC 7235 token68: what may follow an auth scheme. JWTs and API keys both fit. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/** The scheme, then one or more spaces, then the rest (RFC 7235 `1*SP`). */
const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9!#$%&'*+\-.^_`|~]*) +(.*)$/;

/**
 * Finds the credential a request carries: `Authorization: Bearer <jwt>`,
 * `Authorization: ApiKey <key>` (schemes case-insensitive) or `X-Api-Key: <key>`.
 * A header that is present but unusable, or two credentials at once, is refused rather
 * than ignored: a caller who meant to authenticate should hear that it did not work
 * instead of quietly being treated as anonymous. Messages never quote the header value.
 */
export function extractCredentials(headers: CredentialHeaders): Credentials {
  const authorization = headers.authorization;
  const apiKeyHeader = headers['x-api-key'];
  if (authorization !== undefined && apiKeyHeader !== undefined) {
    throw new AuthenticationError('malformed', 'Send either an Authorization header or an X-Api-Key header, not both');
  }

  if (authorization !== undefined) {
    const value = single(authorization, 'Authorization');
    const match = AUTHORIZATION.exec(value);
    if (!match) throw new AuthenticationError('malformed', 'Malformed Authorization header');
    const [, scheme = '', credential = ''] = match;
    const normalizedScheme = scheme.toLowerCase();
    if (normalizedScheme !== 'bearer' && normalizedScheme !== 'apikey') {
      throw new AuthenticationError('malformed', 'Unsupported Authorization scheme; use Bearer or ApiKey');
    }
    if (!TOKEN68.test(credential)) throw new AuthenticationError('malformed', 'Malformed Authorization header');
    return normalizedScheme === 'bearer' ? { kind: 'bearer', token: credential } : { kind: 'apikey', key: credential };
  }

  if (apiKeyHeader !== undefined) {
    const key = single(apiKeyHeader, 'X-Api-Key');
    if (!TOKEN68.test(key)) throw new AuthenticationError('malformed', 'Malformed X-Api-Key header');
    return { kind: 'apikey', key };
  }

  return { kind: 'none' };
}

function single(value: string | string[], name: string): string {
  if (Array.isArray(value)) {
    if (value.length !== 1) throw new AuthenticationError('malformed', `Send one ${name} header`);
    return (value[0] ?? '').trim();
  }
  return value.trim();
}
