import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RECONCILE_VERDICTS, type ReconcileVerdict, type UnknownAttemptSummary } from '../journal/order-reconciliation.js';
import { METRIC_PREFIX } from '../observability/metrics.js';

const RECONCILE_QUERY_RESULTS = ['ok', 'rejected', 'unavailable', 'failed'] as const;
export type ReconcileQueryResult = (typeof RECONCILE_QUERY_RESULTS)[number];

/** Age bands of UNKNOWN attempts, with the upper bound of each in seconds. */
const AGE_BANDS: ReadonlyArray<readonly [label: string, upToSeconds: number]> = [
  ['under_1m', 60],
  ['1m_to_15m', 15 * 60],
  ['15m_to_1h', 60 * 60],
  ['1h_to_1d', 24 * 60 * 60],
  ['over_1d', Number.POSITIVE_INFINITY],
];
/** The verdict label of an attempt not yet checked. */
const NO_VERDICT = 'none';

/** The reconciler's metrics, in the gateway's registry. Labels come from fixed sets only. */
export interface ReconcileMetrics {
  /** Starts one queryOrder call's clock; call the returned function once with its result. */
  startQuery(): (result: ReconcileQueryResult) => void;
  countVerdict(verdict: ReconcileVerdict, settled: boolean): void;
  /** Sets the UNKNOWN attempts gauges from the journal's current list. */
  setUnknownAttempts(attempts: readonly UnknownAttemptSummary[], nowMs: number): void;
}

export function createReconcileMetrics(registry: Registry): ReconcileMetrics {
  const registers = [registry];
  const queryDuration = new Histogram({
    name: `${METRIC_PREFIX}reconcile_query_duration_seconds`,
    help: 'Duration of CSSS queryOrder calls made to reconcile UNKNOWN attempts, by result (ok, rejected, unavailable, failed).',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25],
    registers,
  });
  const verdicts = new Counter({
    name: `${METRIC_PREFIX}reconcile_verdicts_total`,
    help: 'Verdicts reached on UNKNOWN attempts from CSSS queryOrder, and whether the attempt was settled.',
    labelNames: ['verdict', 'settled'] as const,
    registers,
  });
  const unknownAttempts = new Gauge({
    name: `${METRIC_PREFIX}unknown_attempts`,
    help: 'Order attempts whose outcome is UNKNOWN, by age band and latest reconciliation verdict (none: not checked yet).',
    labelNames: ['age', 'verdict'] as const,
    registers,
  });
  const oldestUnknown = new Gauge({
    name: `${METRIC_PREFIX}unknown_attempt_oldest_age_seconds`,
    help: 'Age of the oldest order attempt whose outcome is UNKNOWN (0 when there is none).',
    registers,
  });

  const verdictLabels = [NO_VERDICT, ...RECONCILE_VERDICTS];
  for (const result of RECONCILE_QUERY_RESULTS) queryDuration.zero({ result });
  for (const verdict of RECONCILE_VERDICTS) for (const settled of ['true', 'false']) verdicts.labels({ verdict, settled }).inc(0);
  const resetUnknown = (): void => {
    for (const [age] of AGE_BANDS) for (const verdict of verdictLabels) unknownAttempts.set({ age, verdict }, 0);
  };
  resetUnknown();
  oldestUnknown.set(0);

  return {
    startQuery() {
      const startedAt = performance.now();
      let done = false;
      return (result) => {
        if (done) return;
        done = true;
        queryDuration.observe({ result }, (performance.now() - startedAt) / 1000);
      };
    },
    countVerdict(verdict, settled) {
      verdicts.inc({ verdict, settled: String(settled) });
    },
    setUnknownAttempts(attempts, nowMs) {
      resetUnknown();
      let oldestSeconds = 0;
      for (const attempt of attempts) {
        const ageSeconds = Math.max(0, (nowMs - Date.parse(attempt.createdAt)) / 1000);
        oldestSeconds = Math.max(oldestSeconds, ageSeconds);
        const age = AGE_BANDS.find(([, upTo]) => ageSeconds < upTo)![0];
        unknownAttempts.inc({ age, verdict: attempt.verdict ?? NO_VERDICT });
      }
      oldestUnknown.set(Math.round(oldestSeconds));
    },
  };
}
