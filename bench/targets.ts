/**
 * The three things the benchmark measures, and the one place that says how each is
 * started and what headers it gets. Later production features of the gateway (API keys,
 * journal, metrics, tracing) change `gatewayEnv` and `requestHeaders` only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey } from '../src/auth/api-key-store.js';

export type TargetName = 'gateway' | 'floor' | 'peer' | 'bare-apollo';
export const TARGET_NAMES: readonly TargetName[] = ['gateway', 'floor', 'peer', 'bare-apollo'];

export const TARGET_DESCRIPTIONS: Record<TargetName, string> = {
  gateway:
    'this repo as shipped: `npm run build`, then `node dist/src/main.js` with the node arguments of `npm start` (listed above) and `gatewayEnv` (bench/targets.ts): NODE_ENV=production, LOG_LEVEL=info, AUTH_MODE=apikey (one key, rate limit raised), a fresh DATA_DIR, shipped defaults otherwise',
  floor:
    '`bench/floor-server.ts`: bare `node:http` handler, same body, same wire mapping and `sign()`, undici Pool of the same size; no GraphQL',
  peer: '`bench/peer-server.ts`: Apollo Server 5 `startStandaloneServer`, plain SDL, `RESTDataSource` (default fetch) signing in `willSendRequest`',
  'bare-apollo':
    '`bench/bare-apollo-server.ts`, a reference rather than a contender: the peer\'s Apollo Server and SDL with the floor\'s undici call and nothing else, i.e. the least any Apollo Server gateway costs here',
};

/** Where the upstream CSSS simulator listens and the credentials it accepts. */
export interface CsssEndpoint {
  baseUrl: string;
  accessCode: string;
  secret: string;
}

/** The one service key the bench's load generator orders with, made fresh per run. */
const BENCH_API_KEY = generateApiKey('bench-load', ['ota:order']);

/**
 * The gateway's environment, exactly what a production deployment sets and nothing
 * inherited from the shell running the bench (only PATH). Add new production settings
 * here, e.g. the API keys the gateway will accept once it requires authentication (and
 * send the matching `x-api-key` in `requestHeaders`). Settings left out keep the
 * gateway's shipped defaults (CSSS timeout, bulkhead, circuit breaker, ...).
 */
export function gatewayEnv(options: { port: number; csss: CsssEndpoint; dataDir: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    LOG_LEVEL: 'info',
    CSSS_BASE_URL: options.csss.baseUrl,
    CSSS_ACCESS_CODE: options.csss.accessCode,
    CSSS_SECRET: options.csss.secret,
    // The order journal (SQLite): a fresh, empty one per run, on the repo's disk (not tmpfs),
    // so every run starts alike and the bench never writes into the repo's own ./data.
    DATA_DIR: options.dataDir,
    // Authentication as production runs it: every request verifies a service API key.
    AUTH_MODE: 'apikey',
    AUTH_API_KEYS: JSON.stringify([BENCH_API_KEY.record]),
    // All load comes from one client; the limiter still runs on every order, but its
    // limit is raised so the bench measures the gateway rather than the configured rate.
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
  };
}

/** The floor's and the peer's environment: the same CSSS variables and the same NODE_ENV. */
export function benchServerEnv(options: { port: number; csss: CsssEndpoint }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    CSSS_BASE_URL: options.csss.baseUrl,
    CSSS_ACCESS_CODE: options.csss.accessCode,
    CSSS_SECRET: options.csss.secret,
  };
}

/**
 * Headers every request to a target carries (autocannon adds Host, Connection and
 * Content-Length). The gateway's API key header goes here once it requires one.
 */
export function requestHeaders(target: TargetName): Record<string, string> {
  const common = { 'content-type': 'application/json', 'accept-language': 'en-US' };
  switch (target) {
    case 'gateway':
      return { ...common, 'x-api-key': BENCH_API_KEY.key };
    case 'floor':
    case 'peer':
    case 'bare-apollo':
      return { ...common };
  }
}

/** The compiled entry point of each target, relative to the repo root. */
/** How a target is started: `node [nodeArgs] script`. */
export function targetCommand(root: string, target: TargetName): { nodeArgs: string[]; script: string } {
  switch (target) {
    case 'gateway':
      return { nodeArgs: shippedNodeArgs(root), script: join(root, 'dist/src/main.js') };
    case 'floor':
      return { nodeArgs: [], script: join(root, 'dist/bench/floor-server.js') };
    case 'peer':
      return { nodeArgs: [], script: join(root, 'dist/bench/peer-server.js') };
    case 'bare-apollo':
      return { nodeArgs: [], script: join(root, 'dist/bench/bare-apollo-server.js') };
  }
}

/**
 * The node arguments `npm start` runs the gateway with (package.json is their one
 * source), so the bench measures the process production runs.
 */
export function shippedNodeArgs(root: string): string[] {
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const match = /\bexec node((?: --?[\w-]+(?:=\S+)?)*) dist\/src\/main\.js\b/.exec(packageJson.scripts?.start ?? '');
  if (!match) throw new Error('package.json scripts.start no longer reads `exec node [flags] dist/src/main.js`; update shippedNodeArgs');
  return match[1]!.trim().split(' ').filter((arg) => arg !== '');
}

/**
 * Paths polled until the target is up (see `waitForHttp`). The gateway opens its port
 * before it can serve GraphQL, so its /readyz decides; a gateway without /readyz (404)
 * falls back to /healthz. The peer has no health route: any answer from /graphql will do.
 */
export function readinessPaths(target: TargetName): string[] {
  switch (target) {
    case 'gateway':
      return ['/readyz', '/healthz'];
    case 'floor':
      return ['/healthz'];
    case 'peer':
    case 'bare-apollo':
      return ['/graphql'];
  }
}
