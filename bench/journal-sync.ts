/**
 * The time one synced journal commit takes on the disk the gateway's journal lives on.
 * The p50 target at one connection allows apollo-http's p50 plus one such sync, so
 * the bench measures it rather than assuming it: single-row commits into a SQLite file in
 * WAL mode with synchronous=FULL, as the journal opens its file (each commit fsyncs the WAL).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface JournalSyncTime {
  commits: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

/** About the size of a claimed attempt's row (request JSON, fingerprint, keys). */
const ROW = 'x'.repeat(600);
const WARM_UP_COMMITS = 10;

/** Runs `commits` timed commits in `dir` (created, then removed); blocks the caller while it runs. */
export function measureJournalSync(dir: string, commits: number): JournalSyncTime {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'sync-probe.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO probe (body) VALUES (?)');
    // The first commits grow the WAL file; only its steady state is the journal's.
    for (let i = 0; i < WARM_UP_COMMITS; i += 1) insert.run(ROW);
    const times: number[] = [];
    for (let i = 0; i < commits; i += 1) {
      const started = process.hrtime.bigint();
      // Outside a transaction each statement is its own commit: one WAL append and one fsync.
      insert.run(ROW);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const at = (p: number): number => times[Math.min(times.length - 1, Math.max(0, Math.ceil(p * times.length) - 1))] ?? Number.NaN;
    return { commits, medianMs: at(0.5), p90Ms: at(0.9), maxMs: times[times.length - 1] ?? Number.NaN };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
