import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { startGateway, type RunningGateway } from '../../src/app.js';
import type { AuthConfig } from '../../src/auth/auth.config.js';
import { DEFAULT_CSSS_MAX_IN_FLIGHT, type GatewayConfig } from '../../src/config.js';
import type { CsssTarget } from '../../src/csss/csss.config-reader.js';
import { DEFAULT_HTTP_TIMEOUTS_AND_CAPS, type HttpTimeoutsAndCaps } from '../../src/http/http-timeouts-and-caps.js';
import type { DatabaseConfig } from '../../src/journal/journal.config.js';
import type { CsssLanguage } from '../../src/csss/csss.wire.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_RECONCILE_SETTINGS, type ReconcileSettings } from '../../src/reconcile/reconcile.config.js';
import { Secret } from '../../src/secret.js';
import { startCsssSimulator, type RunningCsssSimulator } from '../../src/simulator/simulator.js';
import { executeGraphQL, type GraphQLResponseBody } from './graphql-client.js';
import { LogCapture } from './log-capture.js';

export interface HarnessOptions {
  timeoutMs?: number;
  defaultLanguage?: CsssLanguage;
  /** Point the gateway somewhere other than the harness's simulator (e.g. a closed port). */
  csssBaseUrl?: string;
  /** Use the gateway's own embedded simulator, as `npm start` does. */
  embeddedSimulator?: boolean;
  clock?: () => number;
  /** Share a journal folder between gateways; a fresh temporary one otherwise. */
  dataDir?: string;
  /** The journal on PostgreSQL instead of a SQLite file in dataDir. */
  database?: DatabaseConfig;
  maxInFlight?: number;
  breakerFailureThreshold?: number;
  breakerCooldownMs?: number;
  otelEndpoint?: string;
  shutdownDelayMs?: number;
  /** Include process metrics in /metrics (off by default: they add per-gateway observers). */
  processMetrics?: boolean;
  auth?: AuthConfig;
  /** Generous by default so that only rate-limit tests meet the limit. */
  rateLimit?: GatewayConfig['rateLimit'];
  /** The per-client limit on requests of any kind; generous by default, as rateLimit. */
  requestRateLimit?: { perSecond: number; burst: number };
  /** Timeouts and the connection limit of the HTTP listeners; the shipped defaults unless given. */
  httpLimits?: Partial<HttpTimeoutsAndCaps>;
  corsOrigins?: string[];
  /** Trusted-document manifests' contents (hash → document), and whether only they may run. */
  trustedDocuments?: GatewayConfig['trustedDocuments'];
  production?: boolean;
  sandboxEnabled?: boolean;
  sandboxTelemetry?: boolean;
  /** The reconciler's settings; off unless a test asks for it, so no other test sees its queries. */
  reconcile?: Partial<ReconcileSettings>;
}

export interface Harness {
  gateway: RunningGateway;
  /** The simulator the gateway talks to (not set with `embeddedSimulator`). */
  simulator: RunningCsssSimulator;
  logs: LogCapture;
  dataDir: string;
  /** Every raw HTTP response body the tests received, to scan for secrets. */
  responses: string[];
  execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GraphQLResponseBody<TData> }>;
  close(): Promise<void>;
}

/** Starts a CSSS simulator and the real gateway over HTTP on port 0, wired together. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const simulator = await startCsssSimulator({ hangMs: 30_000, clock: options.clock });
  const logs = new LogCapture();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'csss-gateway-test-')));
  const csss: CsssTarget = options.embeddedSimulator
    ? { kind: 'simulator' }
    : {
        kind: 'remote',
        baseUrl: options.csssBaseUrl ?? simulator.url,
        accessCode: simulator.accessCode,
        secret: new Secret(simulator.secret),
      };
  const config: GatewayConfig = {
    port: 0,
    host: '127.0.0.1',
    metrics: { port: 0, host: '127.0.0.1' },
    http: { ...DEFAULT_HTTP_TIMEOUTS_AND_CAPS, ...options.httpLimits },
    csss,
    csssTimeoutMs: options.timeoutMs ?? 2_000,
    orderSendBudgetMs: 2_000,
    csssDefaultLanguage: options.defaultLanguage ?? 'zh-CN',
    csssMaxInFlight: options.maxInFlight ?? DEFAULT_CSSS_MAX_IN_FLIGHT,
    csssBreakerFailureThreshold: options.breakerFailureThreshold ?? 5,
    csssBreakerCooldownMs: options.breakerCooldownMs ?? 10_000,
    dataDir,
    database: options.database,
    otelEndpoint: options.otelEndpoint,
    shutdownDelayMs: options.shutdownDelayMs ?? 0,
    logLevel: 'debug',
    logPretty: false,
    auth: options.auth ?? { mode: 'none', orderScope: 'ota:order' },
    rateLimit: options.rateLimit ?? { perSecond: 1000, burst: 1000 },
    trustedDocuments: options.trustedDocuments ?? { documents: new Map(), only: false },
    requestRateLimit: options.requestRateLimit ?? { perSecond: 1000, burst: 1000 },
    corsOrigins: options.corsOrigins ?? [],
    production: options.production ?? false,
    sandboxEnabled: options.sandboxEnabled ?? !(options.production ?? false),
    sandboxTelemetry: options.sandboxTelemetry ?? false,
    reconcile: { ...DEFAULT_RECONCILE_SETTINGS, mode: 'off', ...options.reconcile },
  };
  const gateway = await startGateway(config, {
    logger: createLogger({ level: 'debug', destination: logs }),
    clock: options.clock,
    processMetrics: options.processMetrics ?? false,
  });
  const responses: string[] = [];

  return {
    gateway,
    simulator,
    logs,
    dataDir,
    responses,
    async execute(document, variables, headers = {}) {
      const { status, body, text } = await executeGraphQL(gateway.graphqlUrl, document, variables, headers);
      responses.push(text);
      return { status, body };
    },
    async close() {
      await gateway.close();
      await simulator.close();
    },
  };
}

/**
 * `startHarness` for tests that start their own gateway: call it once at a test file's
 * top level; every harness started through the function it returns is closed after each test.
 */
export function harnessPerTest(): (options?: HarnessOptions) => Promise<Harness> {
  const started: Harness[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((harness) => harness.close()));
  });
  return async (options = {}) => {
    const harness = await startHarness(options);
    started.push(harness);
    return harness;
  };
}
