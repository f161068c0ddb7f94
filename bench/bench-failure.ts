/** A run that cannot go on for a reason the runner states itself (bad settings, a failed correctness check): printed without a stack. */
export class BenchFailure extends Error {}
