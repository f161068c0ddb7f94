import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RESPONSE_ERROR_CODES } from '../errors/error-codes.js';
import type { BreakerState } from '../resilience/circuit-breaker.js';

export const METRIC_PREFIX = 'csss_gateway_';

/**
 * An outcome label is `ok`, one of the codes a response can carry, or `other`, so a new
 * or misspelt code cannot create new series. `replayed`: an idempotent retry answered
 * from the stored result, without calling CSSS.
 */
const ORDER_OUTCOMES = ['ok', 'replayed', ...RESPONSE_ERROR_CODES] as const;

export const CSSS_CALL_RESULTS = ['ok', 'rejected', 'unavailable', 'unknown'] as const;
export type CsssCallResult = (typeof CSSS_CALL_RESULTS)[number];

const BREAKER_STATE_VALUES: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

/** The label for a request without an operation name. */
const ANONYMOUS_OPERATION = 'anonymous';
/** The label that stands in for any value outside a label's fixed or capped set. */
export const OTHER_LABEL = 'other';
/** Distinct operation names kept as labels; later new names count as `other`. */
export const MAX_OPERATION_NAMES = 100;
// A GraphQL name of sane length; anything else (or anything past the cap) is `other`.
const OPERATION_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The gateway's Prometheus metrics, in a registry of their own so that several gateways
 * (as in tests) never share or clash over prom-client's global registry. Labels only
 * ever carry values from fixed sets or a capped operation name: never an ICCID, a key
 * or anything else the caller sent.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /**
   * Counts one GraphQL request in `csss_gateway_graphql_requests_total`.
   * `operationName` is the resolved operation's (absent → `anonymous`); `outcome` is `ok` or the
   * response's error code (unknown codes → `other`).
   */
  countGraphqlRequest(operationName: string | null | undefined, outcome: string): void;
  /** Counts one createOtaOrder outcome in `csss_gateway_order_outcomes_total`; unknown → `other`. */
  countOrderOutcome(outcome: string): void;
  /**
   * Marks one CSSS call as in flight and starts its clock. Call the returned function
   * once when the call settles; later calls are ignored, so a `finally` is safe.
   */
  startCsssCall(): (result: CsssCallResult) => void;
  setBreakerState(state: BreakerState): void;
  /** The text exposition for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

interface GatewayMetricsOptions {
  /** The CSSS deadline; the duration buckets reach past it so timeouts stand apart. */
  csssTimeoutMs: number;
  /** Process metrics (event loop lag, memory, GC, CPU). Default true. */
  collectDefaultMetrics?: boolean;
}

export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];

  const graphqlRequests = new Counter({
    name: `${METRIC_PREFIX}graphql_requests_total`,
    help: 'GraphQL requests by operation name and outcome (ok or the error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const orderOutcomes = new Counter({
    name: `${METRIC_PREFIX}order_outcomes_total`,
    help: 'createOtaOrder outcomes: ok, replayed, or the error code.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const csssCallDuration = new Histogram({
    name: `${METRIC_PREFIX}csss_call_duration_seconds`,
    help: 'Duration of CSSS calls by result (ok, rejected, unavailable, unknown).',
    labelNames: ['result'] as const,
    buckets: csssCallDurationBuckets(options.csssTimeoutMs),
    registers,
  });
  const csssInFlight = new Gauge({
    name: `${METRIC_PREFIX}csss_calls_in_flight`,
    help: 'CSSS calls sent and not yet settled.',
    registers,
  });
  const breakerState = new Gauge({
    name: `${METRIC_PREFIX}csss_breaker_state`,
    help: 'State of the CSSS circuit breaker: 0 closed, 1 half-open, 2 open.',
    registers,
  });

  // Series for every known value exist from the start, so rates and ratios work before
  // the first failure of a kind.
  for (const outcome of ORDER_OUTCOMES) orderOutcomes.labels({ outcome }).inc(0);
  for (const result of CSSS_CALL_RESULTS) csssCallDuration.zero({ result });
  breakerState.set(BREAKER_STATE_VALUES.closed);

  if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  const operationNames = new Set<string>();
  const operationLabel = (operationName: string | null | undefined): string => {
    if (operationName === undefined || operationName === null || operationName === '') return ANONYMOUS_OPERATION;
    if (operationName === OTHER_LABEL || !OPERATION_NAME_PATTERN.test(operationName)) return OTHER_LABEL;
    if (operationNames.has(operationName)) return operationName;
    if (operationNames.size >= MAX_OPERATION_NAMES) return OTHER_LABEL;
    operationNames.add(operationName);
    return operationName;
  };

  return {
    registry,
    countGraphqlRequest(operationName, outcome) {
      graphqlRequests.inc({ operation: operationLabel(operationName), outcome: requestOutcomeLabel(outcome) });
    },
    countOrderOutcome(outcome) {
      orderOutcomes.inc({ outcome: oneOf(ORDER_OUTCOMES, outcome) });
    },
    startCsssCall() {
      const startedAt = performance.now();
      csssInFlight.inc();
      let settled = false;
      return (result) => {
        if (settled) return;
        settled = true;
        csssInFlight.dec();
        csssCallDuration.observe({ result: oneOf(CSSS_CALL_RESULTS, result) }, (performance.now() - startedAt) / 1000);
      };
    },
    setBreakerState(state) {
      breakerState.set(BREAKER_STATE_VALUES[state]);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

// A 1–2.5–5 ladder from 5 ms; it covers the largest allowed CSSS deadline (600 s).
const DURATION_LADDER_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500];

/**
 * Histogram buckets for CSSS calls: the ladder below the deadline, the deadline itself,
 * and 1.5× the deadline. A call cut off by the deadline settles a little after it, so
 * `le=deadline` versus the bucket above tells deadline hits from slow successes.
 */
export function csssCallDurationBuckets(timeoutMs: number): number[] {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('csssTimeoutMs must be a positive number');
  const timeoutSeconds = timeoutMs / 1000;
  // Rounded in milliseconds so that labels read `le="0.15"`, not `le="0.15000000000000002"`.
  const beyondTimeoutSeconds = Math.ceil(timeoutMs * 1.5) / 1000;
  return [...DURATION_LADDER_SECONDS.filter((bucket) => bucket < timeoutSeconds), timeoutSeconds, beyondTimeoutSeconds];
}

function requestOutcomeLabel(outcome: string): string {
  return outcome === 'ok' ? 'ok' : oneOf(RESPONSE_ERROR_CODES, outcome);
}

function oneOf(known: readonly string[], value: string): string {
  return known.includes(value) ? value : OTHER_LABEL;
}
