/**
 * The time one synced journal commit takes on the disk the gateway's journal lives on.
 * The p50 target at one connection allows apollo-http's p50 plus one such sync, so
 * the bench measures it rather than assuming it, the way the journal commits a claim:
 * a single-row commit into a SQLite file in WAL mode with synchronous=NORMAL, then the
 * journal's own WAL sync (an fdatasync on libuv's thread pool, `WalSync`), timed from the
 * commit's start to the sync's end.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WalSync } from '../src/journal/wal-sync.js';

export interface JournalSyncTime {
  commits: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

/** About the size of a claimed attempt's row (request JSON, fingerprint, keys). */
const ROW = 'x'.repeat(600);
const WARM_UP_COMMITS = 10;

/** Runs `commits` timed commits, one after the other, in `dir` (created, then removed). */
export async function measureJournalSync(dir: string, commits: number): Promise<JournalSyncTime> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'sync-probe.sqlite');
  const db = new Database(path);
  let wal: WalSync | undefined;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    wal = new WalSync(path);
    const insert = db.prepare('INSERT INTO probe (body) VALUES (?)');
    // The first commits grow the WAL file; only its steady state is the journal's.
    for (let i = 0; i < WARM_UP_COMMITS; i += 1) {
      insert.run(ROW);
      await wal.sync();
    }
    const times: number[] = [];
    for (let i = 0; i < commits; i += 1) {
      const started = process.hrtime.bigint();
      // Outside a transaction each statement is its own commit (a WAL append), then one sync.
      insert.run(ROW);
      await wal.sync();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const at = (p: number): number => times[Math.min(times.length - 1, Math.max(0, Math.ceil(p * times.length) - 1))] ?? Number.NaN;
    return { commits, medianMs: at(0.5), p90Ms: at(0.9), maxMs: times[times.length - 1] ?? Number.NaN };
  } finally {
    await wal?.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
