import type { Logger } from '../logger.js';
import type { OrderReconciler } from './order-reconciler.js';
import type { ReconcileMode } from './reconcile.config.js';

export interface ReconcileLoop {
  /** Stops looking, aborts the round in progress between queries, and waits for it. */
  stop(): Promise<void>;
}

/**
 * Runs a reconciliation round every `intervalMs` (the first one at once), and refreshes
 * the UNKNOWN attempts gauges after each. A failing round is logged and the next one
 * tries again; rounds never overlap.
 */
export function startReconcileLoop(
  reconciler: OrderReconciler,
  options: { mode: Exclude<ReconcileMode, 'off'>; intervalMs: number; logger: Logger },
): ReconcileLoop {
  const { logger } = options;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const runRound = async (): Promise<void> => {
    try {
      await reconciler.runRound({ settle: options.mode === 'settle', signal: abort.signal });
      await reconciler.refreshMetrics();
    } catch (error) {
      if (!abort.signal.aborted) logger.error({ err: error }, 'reconciliation round failed; the next one tries again');
    }
  };
  const schedule = (delayMs: number): void => {
    timer = setTimeout(() => {
      round = runRound().finally(() => {
        if (!abort.signal.aborted) schedule(options.intervalMs);
      });
    }, delayMs);
    // The loop alone must not keep the process alive.
    timer.unref();
  };
  schedule(0);
  logger.info({ reconcileMode: options.mode }, 'reconciling UNKNOWN attempts with CSSS queryOrder');

  return {
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await round;
    },
  };
}
