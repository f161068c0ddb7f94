import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Copies the journal's WAL back into its database file on a worker thread, so the
 * checkpoint's writes and its two fsyncs never stall the event loop. The journal's own
 * connection turns SQLite's automatic checkpoint off (it would run inside a commit, on the
 * event loop); this worker's connection runs a PASSIVE checkpoint at an interval instead,
 * which never waits for readers or writers. Several processes on one file each run one; SQLite
 * lets one checkpoint run at a time.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  #lastError: string | undefined;

  constructor(options: { databasePath: string; intervalMs: number }) {
    this.#worker = new Worker(CHECKPOINT_WORKER_SOURCE, {
      eval: true,
      workerData: {
        // The worker's code is evaluated, not loaded from a file, so it gets the driver's resolved path.
        driverPath: createRequire(import.meta.url).resolve('better-sqlite3'),
        databasePath: options.databasePath,
        intervalMs: options.intervalMs,
      },
    });
    this.#worker.on('message', (message: { error?: string }) => {
      this.#lastError = message.error;
    });
    // A failed checkpoint only lets the WAL grow; the journal keeps working, so it must not crash the process.
    this.#worker.on('error', (error) => {
      this.#lastError = String(error);
    });
    // It must not keep the process alive on its own.
    this.#worker.unref();
  }

  /** The last checkpoint's failure, if it failed (for diagnostics; the next interval tries again). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Stops the interval and closes the worker's connection (before the journal closes its own). */
  async close(): Promise<void> {
    this.#worker.postMessage('close');
    await new Promise<void>((resolve) => {
      this.#worker.once('exit', () => resolve());
    });
  }
}

/**
 * The worker's program, CommonJS evaluated by Node as is (no build step can reach it):
 * one connection, a PASSIVE checkpoint per interval, closed on request.
 */
const CHECKPOINT_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.databasePath, { fileMustExist: true });
let failing = false;
// The main thread hears only of a change: a failure, or the first success after one.
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    if (failing) parentPort.postMessage({});
    failing = false;
  } catch (error) {
    failing = true;
    parentPort.postMessage({ error: String(error && error.message) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
