import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { JournalUnavailableError } from './order-journal.js';
import { SQLITE_JOURNAL_MIGRATIONS } from './sqlite-journal.migrations.js';

interface SqliteJournalDatabaseOptions {
  path: string;
  /** false for tools: refuse a missing file, an empty one or an older schema instead of creating or migrating. */
  create: boolean;
  /** How long to wait for another process's write lock. */
  busyTimeoutMs: number;
  /** The time recorded with each applied migration. */
  now: () => string;
}

/**
 * Opens the journal file in WAL mode with its schema up to date: created and migrated for
 * the gateway; for tools only if it already is a journal of this schema. A schema newer
 * than this code is refused either way. The database is closed again on any refusal.
 */
export function openSqliteJournalDatabase(options: SqliteJournalDatabaseOptions): Database.Database {
  if (!options.create) {
    if (!existsSync(options.path)) {
      throw new JournalUnavailableError(`there is no order journal at ${options.path}; check DATA_DIR (or DATABASE_URL)`);
    }
  } else {
    mkdirSync(dirname(options.path), { recursive: true });
  }
  const db = new Database(options.path, { fileMustExist: !options.create });
  try {
    // A tool must not turn an empty file (a wrong path, a copy that failed) into a journal.
    if (!options.create && !hasTable(db, 'schema_migrations')) {
      throw new JournalUnavailableError(
        `${options.path} is not an order journal (it has no schema_migrations table); check DATA_DIR, or start the gateway once to create it`,
      );
    }
    // Waiting blocks the event loop, so keep it short; stale deadlines leave margin for it.
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    // Switching a new file to WAL takes an exclusive lock that SQLite does not wait for, so
    // two gateways starting together on one file must retry rather than fail.
    retryWhileBusy(() => {
      db.pragma('journal_mode = WAL');
      // Not FULL: the WAL is synced off the event loop (WalSync), only where a caller waits for it.
      db.pragma('synchronous = NORMAL');
      migrate(db, options);
    });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Applies the migrations this code knows; refuses a newer schema, and (tools) an older one. */
function migrate(db: Database.Database, options: SqliteJournalDatabaseOptions): void {
  const apply = db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at VARCHAR(32) NOT NULL)',
    );
    const applied = new Set(
      db
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
        .all()
        .map((row) => row.version),
    );
    const known = Math.max(...SQLITE_JOURNAL_MIGRATIONS.map((migration) => migration.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new JournalUnavailableError(
        `the order journal's schema is at version ${newest}, newer than this gateway knows (${known}); run a gateway release that knows it`,
      );
    }
    if (!options.create && applied.size < SQLITE_JOURNAL_MIGRATIONS.length) {
      throw new JournalUnavailableError(
        `the order journal's schema is at version ${newest}; start the gateway once to migrate it to ${known}`,
      );
    }
    for (const migration of SQLITE_JOURNAL_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        options.now(),
      );
    }
  });
  apply.immediate();
}

/** Runs start-up work again while another process holds the lock, for up to 10 s. */
function retryWhileBusy(work: () => void): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let tries = 1; ; tries += 1) {
    try {
      work();
      return;
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || tries >= 200) throw error;
      // Start-up only: blocking for 50 ms here is harmless, and opening stays synchronous.
      Atomics.wait(pause, 0, 0, 50);
    }
  }
}
