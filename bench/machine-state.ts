/**
 * What the report says about the machine and the checkout beside the numbers: how busy
 * the CPU was before the run, and which commit was measured.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Share of all cores busy over one second, from /proc/stat (Linux); undefined elsewhere. */
export async function cpuBusyShare(): Promise<number | undefined> {
  const sample = (): { idle: number; total: number } | undefined => {
    try {
      const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
      const total = fields.reduce((sum, value) => sum + value, 0);
      return { idle: (fields[3] ?? 0) + (fields[4] ?? 0), total };
    } catch {
      return undefined;
    }
  };
  const first = sample();
  await sleep(1000);
  const second = sample();
  if (!first || !second || second.total === first.total) return undefined;
  return 1 - (second.idle - first.idle) / (second.total - first.total);
}

/** The short commit of `root`, and whether src/ or package.json differ from it. */
export function gitDescription(root: string): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'package.json'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${commit} + uncommitted changes in src/ or package.json` : commit;
  } catch {
    return 'unknown';
  }
}
