import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const JOURNAL = new URL('../../dist/src/journal/sqlite-order-journal.js', import.meta.url).href;

describe('several gateways starting at once on a new journal file', () => {
  it('all open it: none fails because another holds the lock while switching it to WAL', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'csss-journal-open-')), 'orders.sqlite');
    // Every process waits for the same instant, so their first opens really collide.
    const startAt = Date.now() + 1_500;
    const open = `const { SqliteOrderJournal } = await import(${JSON.stringify(JOURNAL)});
      while (Date.now() < ${startAt}) {}
      const journal = new SqliteOrderJournal({ path: ${JSON.stringify(path)}, pendingStaleAfterMs: 1000 });
      await journal.close();`;
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => run(process.execPath, ['--input-type=module', '-e', open])));
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
  });
});
