import type { EnvReader } from '../env/env-reader.js';
import { DEFAULT_RECONCILE_SETTINGS, RECONCILE_MODES, type ReconcileSettings } from './reconcile.config.js';

/** The `reconcile` group of the configuration. */
export interface ReconcileConfig {
  /** RECONCILE_*: resolving UNKNOWN attempts from CSSS's queryOrder record. */
  reconcile: ReconcileSettings;
}

/** RECONCILE_MODE and its timings (docs/configuration.md). */
export function readReconcileConfig(env: EnvReader): ReconcileConfig {
  const defaults = DEFAULT_RECONCILE_SETTINGS;
  const modeText = env.value('RECONCILE_MODE') ?? defaults.mode;
  const mode = RECONCILE_MODES.find((known) => known === modeText);
  if (!mode) env.problem(`RECONCILE_MODE must be one of ${RECONCILE_MODES.join(', ')} (got "${modeText}")`);
  return {
    reconcile: {
      mode: mode ?? defaults.mode,
      afterMs: env.integer('RECONCILE_AFTER_MS', defaults.afterMs, 0, 86_400_000),
      clockSkewMs: env.integer('RECONCILE_CLOCK_SKEW_MS', defaults.clockSkewMs, 0, 3_600_000),
      maxPerMinute: env.integer('RECONCILE_MAX_PER_MINUTE', defaults.maxPerMinute, 1, 6_000),
      intervalMs: env.integer('RECONCILE_INTERVAL_MS', defaults.intervalMs, 100, 3_600_000),
      recheckAfterMs: env.integer('RECONCILE_RECHECK_AFTER_MS', defaults.recheckAfterMs, 0, 86_400_000),
    },
  };
}
