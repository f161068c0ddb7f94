import type { Logger } from '../logger.js';
import type { CsssOrderQuery } from '../csss/csss.client.js';
import type { CsssLanguage } from '../csss/csss.wire.js';
import type { OrderJournal } from '../journal/order-journal.js';
import type { ReconciliationStore } from '../journal/order-reconciliation.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { OrderReconciler } from './order-reconciler.js';
import { startReconcileLoop, type ReconcileLoop } from './reconcile-loop.js';
import { createReconcileMetrics } from './reconcile.metrics.js';
import type { ReconcileSettings } from './reconcile.config.js';

/**
 * The gateway's reconciler: under RECONCILE_MODE `report` or `settle`, a loop that asks
 * CSSS about UNKNOWN attempts; under `off`, nothing (stop is then a no-op).
 */
export function startReconciler(
  config: { reconcile: ReconcileSettings; csssDefaultLanguage: CsssLanguage },
  deps: {
    orderQuery: CsssOrderQuery;
    journal: OrderJournal & { readonly reconciliation: ReconciliationStore };
    logger: Logger;
    metrics: GatewayMetrics;
    clock: (() => number) | undefined;
  },
): ReconcileLoop {
  const { reconcile } = config;
  if (reconcile.mode === 'off') return { stop: async () => undefined };
  const reconciler = new OrderReconciler({
    orderQuery: deps.orderQuery,
    journal: deps.journal,
    settings: reconcile,
    logger: deps.logger,
    metrics: createReconcileMetrics(deps.metrics.registry),
    clock: deps.clock,
    language: config.csssDefaultLanguage,
  });
  return startReconcileLoop(reconciler, { mode: reconcile.mode, intervalMs: reconcile.intervalMs, logger: deps.logger });
}
