/**
 * What the benchmark measures, one entry per target, and the one place that says how each
 * is started, what headers it gets and how it is judged. A new target (another journal,
 * another front) is one more entry in `TARGETS`; the runner, the tables and the checks of
 * the targets loop over this list. Later production features of the gateway (API
 * keys, journal, metrics, tracing) change `gatewayEnv` and the gateway's `headers` only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey } from '../src/auth/api-key-store.js';
import { createBenchDatabase } from './postgres-database.js';

/** Where the upstream that stands in for CSSS listens, and the credentials it accepts. */
export interface CsssEndpoint {
  baseUrl: string;
  accessCode: string;
  secret: string;
}

/** What a target's process is started with: `node [nodeArgs] script` in `env`. */
export interface TargetLaunch {
  port: number;
  csss: CsssEndpoint;
  /** A fresh, empty directory this instance may keep data in (the gateway's DATA_DIR). */
  dataDir: string;
}

export interface BenchTarget {
  name: string;
  /**
   * `contender`: held to the targets (ratios against the peer and apollo-http, p99,
   * RSS, the slow-upstream limits). `reference`: what contenders are judged against.
   * `baseline`: an earlier build of a contender (BENCH_BASELINE), the "before" it is set
   * against; not judged.
   */
  role: 'contender' | 'reference' | 'baseline';
  /** For a `baseline`: the name of the target it is the earlier build of. */
  baselineOf?: string;
  /** The checkout whose build and package.json it runs (also its working directory); the bench's own when unset. */
  root?: string;
  description: string;
  /** Also run in the slow-upstream scenario (the simulator answering after a delay). */
  slowUpstream: boolean;
  command(root: string): { nodeArgs: string[]; script: string };
  env(launch: TargetLaunch): NodeJS.ProcessEnv;
  /** Headers on every request (the load generators add Host, Connection and Content-Length). */
  headers: Record<string, string>;
  /**
   * Paths polled until the target is up (see `waitForHttp`): the first that exists (not
   * 404) must answer below 500.
   */
  readinessPaths: string[];
  /** Prepares a store the instance needs before it starts; its env is added to `env`'s, and it is torn down at the end. */
  setUp?: () => Promise<{ env: NodeJS.ProcessEnv; tearDown(): Promise<void> }>;
}

/** The one service key the bench's load generators order with, made fresh per run. */
const BENCH_API_KEY = generateApiKey('bench-load', ['ota:order']);

const COMMON_HEADERS = { 'content-type': 'application/json', 'accept-language': 'en-US' } as const;

/**
 * The gateway's environment, exactly what a production deployment sets and nothing
 * inherited from the shell running the bench (only PATH). Add new production settings
 * here, e.g. the API keys the gateway accepts (send the matching `x-api-key` in the
 * gateway's `headers`). Settings left out keep the gateway's shipped defaults (CSSS
 * timeout, bulkhead, circuit breaker, ...).
 */
export function gatewayEnv(launch: TargetLaunch): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(launch.port),
    // Metrics have their own listener; any free port, so the bench never clashes over 9464.
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    CSSS_BASE_URL: launch.csss.baseUrl,
    CSSS_ACCESS_CODE: launch.csss.accessCode,
    CSSS_SECRET: launch.csss.secret,
    // The order journal (SQLite): a fresh, empty one per run, on the repo's disk (not tmpfs),
    // so every run starts alike and the bench never writes into the repo's own ./data.
    DATA_DIR: launch.dataDir,
    // Authentication as production runs it: every request verifies a service API key.
    AUTH_MODE: 'apikey',
    AUTH_API_KEYS: JSON.stringify([BENCH_API_KEY.record]),
    // All load comes from one client; the limiter still runs on every order, but its
    // limit is raised so the bench measures the gateway rather than the configured rate.
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    REQUEST_RATE_LIMIT_PER_SECOND: '1000000',
    REQUEST_RATE_LIMIT_BURST: '1000000',
  };
}

/** The bench's own servers' environment: the same CSSS variables and the same NODE_ENV. */
export function benchServerEnv(launch: TargetLaunch): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(launch.port),
    CSSS_BASE_URL: launch.csss.baseUrl,
    CSSS_ACCESS_CODE: launch.csss.accessCode,
    CSSS_SECRET: launch.csss.secret,
  };
}

/** A server of bench/ (compiled to dist/bench/), without node arguments. */
const benchServer =
  (file: string) =>
  (root: string): { nodeArgs: string[]; script: string } => ({ nodeArgs: [], script: join(root, 'dist/bench', file) });

/** The gateway's entry point in a built checkout (what `npm start` runs). */
const GATEWAY_SCRIPT = 'dist/src/main.js';

/**
 * The gateway as shipped. A variant (another journal, another setting) is a spread of this
 * with its own name, description and `env`, e.g. `env: (launch) => ({ ...gatewayEnv(launch), ... })`.
 */
export const GATEWAY_TARGET: BenchTarget = {
  name: 'gateway',
  role: 'contender',
  description:
    'this repo as shipped: `npm run build`, then `node dist/src/main.js` with the node arguments of `npm start` (listed above) and `gatewayEnv` (bench/targets.ts): NODE_ENV=production, LOG_LEVEL=info, AUTH_MODE=apikey (one key, rate limit raised), a fresh DATA_DIR, shipped defaults otherwise',
  slowUpstream: true,
  command: (root) => ({ nodeArgs: shippedNodeArgs(root), script: join(root, GATEWAY_SCRIPT) }),
  env: gatewayEnv,
  headers: { ...COMMON_HEADERS, 'x-api-key': BENCH_API_KEY.key },
  // The gateway opens its port before it can serve GraphQL, so its /readyz decides.
  readinessPaths: ['/readyz', '/healthz'],
};

/**
 * A gateway target (`gateway` or `gateway-postgres`) built from another commit
 * (BENCH_BASELINE, checked out and built at `baseline.root` by baseline.ts), started exactly
 * as the target starts this checkout's: its own package.json's `npm start` node arguments,
 * the same env, headers and store set-up (a fresh DATA_DIR, its own PostgreSQL database). It
 * runs wherever that target does, and the report sets the target against it.
 */
export function baselineGatewayTarget(of: BenchTarget, baseline: { root: string; shortCommit: string }): BenchTarget {
  return {
    ...of,
    name: `${of.name}@${baseline.shortCommit}`,
    role: 'baseline',
    baselineOf: of.name,
    root: baseline.root,
    description: `**${of.name}** as shipped at commit ${baseline.shortCommit} (BENCH_BASELINE, named above), built by its own \`npm run build\` in a temporary git worktree and started like **${of.name}** (its own \`npm start\` node arguments, the same env and store set-up): the "before" ${of.name} is set against, not judged against issue 10's targets`,
  };
}

/** The gateway on the PostgreSQL journal, as replicas run it: what the shared journal costs against SQLite. */
export const GATEWAY_POSTGRES_TARGET: BenchTarget = {
  ...GATEWAY_TARGET,
  name: 'gateway-postgres',
  description:
    "the gateway as shipped with `DATABASE_URL` set: the order journal on PostgreSQL (the machine's server on 127.0.0.1, a fresh database per run, dropped afterwards, pool and timeout at their defaults) instead of the SQLite file",
  slowUpstream: false,
  async setUp() {
    const database = await createBenchDatabase();
    return { env: { DATABASE_URL: database.url }, tearDown: () => database.drop() };
  },
};

export const TARGETS: readonly BenchTarget[] = [
  GATEWAY_TARGET,
  GATEWAY_POSTGRES_TARGET,
  {
    name: 'floor',
    role: 'reference',
    description:
      '`bench/floor-server.ts`: bare `node:http` handler, same body, same wire mapping and `sign()`, undici Pool of the same size; no GraphQL',
    slowUpstream: false,
    command: benchServer('floor-server.js'),
    env: benchServerEnv,
    headers: { ...COMMON_HEADERS },
    readinessPaths: ['/healthz'],
  },
  {
    name: 'peer',
    role: 'reference',
    description:
      '`bench/peer-server.ts`: Apollo Server 5 `startStandaloneServer`, plain SDL, `RESTDataSource` (default fetch) signing in `willSendRequest`',
    slowUpstream: true,
    command: benchServer('peer-server.js'),
    env: benchServerEnv,
    headers: { ...COMMON_HEADERS },
    // No health route: any answer from /graphql will do.
    readinessPaths: ['/graphql'],
  },
  {
    name: 'bare-apollo',
    role: 'reference',
    description:
      "`bench/bare-apollo-server.ts`: the peer's Apollo Server (Express standalone) and SDL with the floor's undici call and nothing else",
    slowUpstream: false,
    command: benchServer('bare-apollo-server.js'),
    env: benchServerEnv,
    headers: { ...COMMON_HEADERS },
    readinessPaths: ['/graphql'],
  },
  {
    name: 'apollo-http',
    role: 'reference',
    description:
      "`bench/apollo-http-server.ts`, the limit the gateway is judged against: Apollo Server behind a bare `node:http` front as the gateway has it, cache control off, the floor's undici call, nothing else",
    slowUpstream: false,
    command: benchServer('apollo-http-server.js'),
    env: benchServerEnv,
    headers: { ...COMMON_HEADERS },
    readinessPaths: ['/healthz'],
  },
];

/** The references the targets name. */
export const PEER = 'peer';
/** The gateway targets BENCH_BASELINE builds a "before" of. */
export const GATEWAY_TARGETS: readonly BenchTarget[] = [GATEWAY_TARGET, GATEWAY_POSTGRES_TARGET];
export const APOLLO_HTTP = 'apollo-http';
export const FLOOR = 'floor';

/**
 * Every bench target's script under `root`, and the gateway's under each baseline checkout,
 * so a run can clean up after a SIGKILLed one.
 */
export function targetScripts(root: string, baselineRoots: readonly string[] = []): string[] {
  return [
    ...TARGETS.map((target) => target.command(root).script),
    ...baselineRoots.map((baselineRoot) => join(baselineRoot, GATEWAY_SCRIPT)),
  ];
}

/**
 * The node arguments `npm start` runs the gateway with (package.json is their one
 * source), so the bench measures the process production runs.
 */
export function shippedNodeArgs(root: string): string[] {
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const match = /\bexec node((?: --?[\w-]+(?:=\S+)?)*) dist\/src\/main\.js\b/.exec(packageJson.scripts?.start ?? '');
  if (!match) throw new Error('package.json scripts.start no longer reads `exec node [flags] dist/src/main.js`; update shippedNodeArgs');
  return match[1]!
    .trim()
    .split(' ')
    .filter((arg) => arg !== '');
}
