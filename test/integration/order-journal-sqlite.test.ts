import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { journalPathIn, SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { describeOrderJournalContract } from '../support/order-journal-contract.js';

describeOrderJournalContract('SQLite file', async () => {
  const path = journalPathIn(await mkdtemp(join(tmpdir(), 'csss-journal-contract-')));
  return {
    open: async ({ pendingStaleAfterMs }) => new SqliteOrderJournal({ path, pendingStaleAfterMs, busyTimeoutMs: 100 }),
    async blockWrites() {
      // Another process holding the write lock: the journal's batch cannot begin.
      const holder = new Database(path);
      holder.exec('BEGIN IMMEDIATE');
      return async () => {
        holder.exec('ROLLBACK');
        holder.close();
      };
    },
    close: async () => {},
  };
});
