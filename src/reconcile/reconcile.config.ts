/** `off`: no reconciler; `report`: verdicts only; `settle`: an unambiguous `placed` verdict also settles the attempt. */
export const RECONCILE_MODES = ['off', 'report', 'settle'] as const;
export type ReconcileMode = (typeof RECONCILE_MODES)[number];

/** The RECONCILE_* settings (docs/configuration.md). */
export interface ReconcileSettings {
  mode: ReconcileMode;
  /** An UNKNOWN attempt is first checked once it is this old: CSSS may list an order late. */
  afterMs: number;
  /** How far CSSS's clock may be from the journal's, either way: the send window is widened by it. */
  clockSkewMs: number;
  /** queryOrder requests per minute, at most, per process (each page is one). */
  maxPerMinute: number;
  /** How often a process looks for attempts due for a verdict. */
  intervalMs: number;
  /** How long a verdict stands before the attempt, still UNKNOWN, is checked again. */
  recheckAfterMs: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  mode: 'report',
  afterMs: 60_000,
  clockSkewMs: 120_000,
  maxPerMinute: 30,
  intervalMs: 15_000,
  recheckAfterMs: 600_000,
};
