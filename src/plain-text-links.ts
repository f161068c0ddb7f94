import type { GatewayConfig } from './config.js';
import { isLoopbackUrl } from './env/url-checks.js';

/** The sslmode values with which the PostgreSQL client refuses to talk without TLS. */
const ENCRYPTED_SSL_MODES = ['require', 'verify-ca', 'verify-full'];

/** One link the gateway would use in plain text across a network. */
interface PlainTextLink {
  /** The variable that sets it. */
  variable: string;
  /** Host and port only: the URL may carry a password, which never reaches a log line. */
  host: string;
  message: string;
}

/**
 * The links to Redis, PostgreSQL and the trace collector that would cross a network
 * unencrypted: anyone on the path could read the bucket keys (client ids), the order
 * journal or the traces, and a database or Redis password sent in the clear. CSSS and the
 * JWKS are refused outright over plain http (config); these are only warned about in
 * production, since a private network or a sidecar may already encrypt them. Loopback
 * addresses and Unix sockets never leave the machine.
 */
export function plainTextLinks(config: Pick<GatewayConfig, 'rateLimit' | 'database' | 'otelEndpoint'>): PlainTextLink[] {
  const links: PlainTextLink[] = [];
  const redisUrl = config.rateLimit.redisUrl?.reveal();
  if (redisUrl !== undefined && new URL(redisUrl).protocol === 'redis:' && crossesNetwork(redisUrl)) {
    links.push({
      variable: 'RATE_LIMIT_REDIS_URL',
      host: new URL(redisUrl).host,
      message: 'RATE_LIMIT_REDIS_URL is a plain-text redis:// link off this machine: use rediss:// (TLS) in production',
    });
  }
  const databaseUrl = config.database?.url.reveal();
  if (databaseUrl !== undefined && crossesNetwork(databaseUrl)) {
    const sslMode = new URL(databaseUrl).searchParams.get('sslmode');
    if (sslMode === null || !ENCRYPTED_SSL_MODES.includes(sslMode)) {
      links.push({
        variable: 'DATABASE_URL',
        host: new URL(databaseUrl).host,
        message:
          'DATABASE_URL reaches PostgreSQL off this machine without sslmode=require (or verify-ca, verify-full): the journal and the password may cross the network in plain text',
      });
    }
  }
  const otelEndpoint = config.otelEndpoint;
  if (otelEndpoint !== undefined && new URL(otelEndpoint).protocol === 'http:' && crossesNetwork(otelEndpoint)) {
    links.push({
      variable: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      host: new URL(otelEndpoint).host,
      message: 'OTEL_EXPORTER_OTLP_ENDPOINT is a plain-http endpoint off this machine: use https:// in production',
    });
  }
  return links;
}

function crossesNetwork(url: string): boolean {
  // An empty host is a Unix socket (postgres:///orders?host=/var/run/postgresql).
  return new URL(url).hostname !== '' && !isLoopbackUrl(url);
}
