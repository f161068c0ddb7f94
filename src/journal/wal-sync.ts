import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Flushes a file's written data to the disk; resolves when it is there. */
export type SyncFile = (fd: number) => Promise<void>;

/** fdatasync(2) on libuv's thread pool: the event loop goes on while the disk works. */
export const fdatasyncOffLoop: SyncFile = (fd) =>
  new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

/**
 * Makes what SQLite committed to its WAL file durable, with one fdatasync at a time off the
 * event loop, shared by every commit made before it started (group commit).
 *
 * The journal commits with synchronous=NORMAL, so a commit only writes the WAL (the OS's
 * page cache) and SQLite syncs it at checkpoints. Syncing the WAL file after the commit is
 * what synchronous=FULL does at the end of each commit, on the event loop: fdatasync acts on
 * the file, not the descriptor, so this process's own descriptor of the WAL covers the
 * frames SQLite wrote through its own. SQLite never deletes the WAL while a connection (the
 * journal's) is open, and a WAL reset after a checkpoint rewrites the same file.
 */
export class WalSync {
  readonly #fd: number;
  readonly #syncFile: SyncFile;
  /** The sync running now; it may have started before the caller's commit, so it cannot cover it. */
  #running: Promise<void> | undefined;
  /** The sync to start when the running one ends, shared by everyone who asked meanwhile. */
  #next: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;

  /** Opens the WAL of the database at `databasePath` (it must exist: the database is open in WAL mode). */
  constructor(databasePath: string, syncFile: SyncFile = fdatasyncOffLoop) {
    this.#fd = openSync(`${databasePath}-wal`, 'r+');
    this.#syncFile = syncFile;
    // The WAL's name in its folder must survive a power cut too; once, at start-up.
    syncDirectoryOf(databasePath);
  }

  /** Resolves once everything committed before this call is on the disk. */
  sync(): Promise<void> {
    if (!this.#running) return this.#start();
    if (!this.#next) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((resolvePromise, rejectPromise) => {
        resolve = resolvePromise;
        reject = rejectPromise;
      });
      this.#next = { promise, resolve, reject };
    }
    return this.#next.promise;
  }

  /** Waits for the syncs asked for so far, then closes the descriptor. */
  async close(): Promise<void> {
    while (this.#running) await this.#running.catch(() => undefined);
    closeSync(this.#fd);
  }

  #start(): Promise<void> {
    const running = this.#syncFile(this.#fd);
    this.#running = running;
    const startNext = (): void => {
      this.#running = undefined;
      const next = this.#next;
      if (!next) return;
      this.#next = undefined;
      this.#start().then(next.resolve, next.reject);
    };
    running.then(startNext, startNext);
    return running;
  }
}

function syncDirectoryOf(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
