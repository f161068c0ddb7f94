import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from './timing.js';

const SOURCE = fileURLToPath(new URL('../fixtures/sync-fault.c', import.meta.url));

/**
 * A disk whose fdatasync the test holds back or fails, for one gateway process: the
 * LD_PRELOAD shim of test/fixtures/sync-fault.c, steered by flag files in a folder of its own.
 */
export interface SyncFault {
  /** The environment that puts a process under this fault. */
  env: Record<string, string>;
  /** From now on, syncs wait until `release`. */
  hold(): Promise<void>;
  /** Resolves once a sync is waiting on the hold. */
  holding(): Promise<void>;
  release(): Promise<void>;
  /** From now on, syncs fail with EIO. */
  fail(): Promise<void>;
}

let built: Promise<string> | undefined;

/** Compiles the shim once per test file (the machine's C compiler) and returns its path. */
function buildShim(): Promise<string> {
  built ??= (async () => {
    const library = join(await mkdtemp(join(tmpdir(), 'csss-sync-fault-')), 'sync-fault.so');
    await promisify(execFile)('cc', ['-shared', '-fPIC', '-O2', '-o', library, SOURCE, '-ldl']);
    return library;
  })();
  return built;
}

export async function startSyncFault(): Promise<SyncFault> {
  const library = await buildShim();
  const dir = await mkdtemp(join(tmpdir(), 'csss-sync-fault-flags-'));
  return {
    env: { LD_PRELOAD: library, SYNC_FAULT_DIR: dir },
    hold: () => writeFile(join(dir, 'hold'), ''),
    holding: () => waitFor(() => existsSync(join(dir, 'holding'))),
    release: async () => {
      await rm(join(dir, 'hold'), { force: true });
      await rm(join(dir, 'holding'), { force: true });
    },
    fail: () => writeFile(join(dir, 'fail'), ''),
  };
}
