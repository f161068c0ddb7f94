import type { Server, ServerOptions, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpTimeoutsAndCaps } from './http-timeouts-and-caps.js';

/**
 * node:http's own slow-client guards, which it answers with 408 and a closed connection:
 * the headers timeout and the whole-request timeout. Node checks them every
 * `connectionsCheckingInterval` (30 s by default, far coarser than these limits).
 */
export function serverOptionsFor(limits: HttpTimeoutsAndCaps): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * On every response: no browser may guess a content type other than the declared one,
 * and nothing (answers carry orders and per-client state) may be cached on the way.
 */
export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('cache-control', 'no-store');
}

/** Stops taking connections and resolves once the server has closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The URL of `path` on a listening server, to print and hand to tests: a wildcard address is reached as localhost. */
export function urlOf(address: AddressInfo, path: string): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}${path}`;
}

export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
