import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from './metrics.js';

/** What the PostgreSQL journal reports about its connection pool and its statements. */
export interface JournalStoreMetrics {
  /** Reads the pool's counts whenever /metrics is scraped. */
  observePool(read: () => { total: number; idle: number; waiting: number }): void;
  /** Starts timing one statement; call the result once with whether it succeeded. */
  startQuery(operation: JournalOperation): (result: 'ok' | 'error') => void;
}

/** What the shared rate limiter reports: whether it is falling back to this replica's own limit. */
export interface RateLimitStoreMetrics {
  setRateLimitFallback(active: boolean): void;
  countFallbackDecision(): void;
}

export const JOURNAL_OPERATIONS = ['claim', 'record', 'read', 'sweep', 'settle', 'ready', 'migrate', 'reconcile'] as const;
export type JournalOperation = (typeof JOURNAL_OPERATIONS)[number];

// Journal statements take about a millisecond on a healthy primary; the top buckets
// reach the statement timeout's range, where a struggling database shows.
const QUERY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The metrics of the shared stores (the PostgreSQL journal and the Redis rate limit), in
 * the gateway's registry. Kept apart from metrics.ts because only replicated deployments
 * have these stores; their series exist from the start either way, so dashboards and
 * alerts need no special case.
 */
export function createStoreMetrics(registry: Registry): JournalStoreMetrics & RateLimitStoreMetrics {
  const registers = [registry];
  const pools: Array<() => { total: number; idle: number; waiting: number }> = [];
  const poolCounts = (): { total: number; idle: number; waiting: number } =>
    pools.reduce(
      (sum, read) => {
        const counts = read();
        return { total: sum.total + counts.total, idle: sum.idle + counts.idle, waiting: sum.waiting + counts.waiting };
      },
      { total: 0, idle: 0, waiting: 0 },
    );

  new Gauge({
    name: `${METRIC_PREFIX}journal_pool_connections`,
    help: 'PostgreSQL journal connections by state: in_use (running a statement) or idle.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const { total, idle } = poolCounts();
      this.set({ state: 'in_use' }, total - idle);
      this.set({ state: 'idle' }, idle);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}journal_pool_waiting`,
    help: 'Journal statements waiting for a free PostgreSQL connection.',
    registers,
    collect() {
      this.set(poolCounts().waiting);
    },
  });
  const queryDuration = new Histogram({
    name: `${METRIC_PREFIX}journal_query_duration_seconds`,
    help: 'Duration of PostgreSQL journal statements by operation and result (ok or error).',
    labelNames: ['operation', 'result'] as const,
    buckets: QUERY_BUCKETS_SECONDS,
    registers,
  });
  const fallback = new Gauge({
    name: `${METRIC_PREFIX}rate_limit_fallback`,
    help: '1 while Redis cannot be reached and this replica applies its own in-memory rate limit; 0 otherwise.',
    registers,
  });
  const fallbackDecisions = new Counter({
    name: `${METRIC_PREFIX}rate_limit_fallback_decisions_total`,
    help: 'Rate-limit decisions made by the in-memory fallback because Redis could not be reached.',
    registers,
  });
  fallback.set(0);
  fallbackDecisions.inc(0);

  return {
    observePool(read) {
      pools.push(read);
    },
    startQuery(operation) {
      const startedAt = performance.now();
      return (result) => queryDuration.observe({ operation, result }, (performance.now() - startedAt) / 1000);
    },
    setRateLimitFallback(active) {
      fallback.set(active ? 1 : 0);
    },
    countFallbackDecision() {
      fallbackDecisions.inc();
    },
  };
}
