/**
 * Where a bench run keeps its files: the repository it measures, its results, the data
 * directories of the instances it starts and each child's log.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineCheckoutPath } from './baseline.js';

// dist/bench/bench-paths.js → the repo root.
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_DIR = join(ROOT, 'bench/results');
/** Every instance's data directory (the gateway's DATA_DIR) lives under here; git-ignored as *.tmp, removed at the end. */
export const DATA_ROOT = join(RESULTS_DIR, 'data.tmp');
/** BENCH_CPU_PROF's profiles, one folder per target instance, and their summary; git-ignored, emptied when a profiled run starts. */
export const PROFILES_DIR = join(RESULTS_DIR, 'profiles');
/** Where BENCH_BASELINE's commit is checked out and built (outside the repo; see baselineCheckoutPath). */
export const BASELINE_ROOT = baselineCheckoutPath(ROOT);

/** A child's log file; *.tmp under bench/results is git-ignored. */
export function logPath(name: string): string {
  return join(RESULTS_DIR, `${name}.log.tmp`);
}
