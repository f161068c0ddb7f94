import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalUnavailableError } from '../../src/journal/order-journal.js';
import { PostgresOrderJournal } from '../../src/journal/postgres-order-journal.js';
import { describeOrderJournalContract } from '../support/order-journal-contract.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

// One database for this file's run, with a unique name, dropped afterwards; each test
// starts from an empty journal.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describeOrderJournalContract('PostgreSQL', async () => {
  await database.query(
    "DO $$ BEGIN IF to_regclass('ota_order_attempts') IS NOT NULL THEN TRUNCATE ota_order_attempts RESTART IDENTITY; END IF; END $$",
  );
  return {
    open: ({ pendingStaleAfterMs }) =>
      PostgresOrderJournal.open({ url: database.url, poolSize: 4, statementTimeoutMs: 500, pendingStaleAfterMs, create: true }),
    async blockWrites() {
      // Another session holding a lock that writes wait for: the journal's lock wait runs out.
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE ota_order_attempts IN EXCLUSIVE MODE');
      return async () => {
        await holder.query('ROLLBACK');
        await holder.end();
      };
    },
    close: async () => {},
  };
});

describe('opening the PostgreSQL journal', () => {
  const openJournal = (url: string, create = true): Promise<PostgresOrderJournal> =>
    PostgresOrderJournal.open({ url, poolSize: 2, statementTimeoutMs: 2_000, pendingStaleAfterMs: 60_000, create });

  it('migrates a new database once when several replicas start together', async () => {
    const fresh = await createTestDatabase();
    try {
      const journals = await Promise.all(Array.from({ length: 4 }, () => openJournal(fresh.url)));
      await Promise.all(journals.map((journal) => journal.close()));
      expect(await fresh.query('SELECT version, name FROM schema_migrations ORDER BY version')).toStrictEqual([
        { version: 1, name: 'create ota_order_attempts' },
        { version: 2, name: 'add ota_order_attempts reconciliation columns' },
      ]);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a schema newer than the code knows, with a message that says so', async () => {
    const fresh = await createTestDatabase();
    try {
      await (await openJournal(fresh.url)).close();
      await fresh.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from a later release')");
      await expect(openJournal(fresh.url)).rejects.toThrow(
        new JournalUnavailableError(
          "the order journal's schema is at version 99, newer than this gateway knows (2); run a gateway release that knows it",
        ),
      );
    } finally {
      await fresh.drop();
    }
  });

  it('does not create a journal for a tool that expects one (create: false)', async () => {
    const fresh = await createTestDatabase();
    try {
      await expect(openJournal(fresh.url, false)).rejects.toThrow(/there is no order journal in this database/);
      expect(await fresh.query("SELECT to_regclass('schema_migrations') AS found")).toStrictEqual([{ found: null }]);
    } finally {
      await fresh.drop();
    }
  });
});

describe('a claim whose reply was lost', () => {
  it('is undone only where it is the lost INSERT’s own row, never another call’s live attempt of the same key', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const journal = await PostgresOrderJournal.open({
      url: viaProxy.toString(),
      poolSize: 4,
      statementTimeoutMs: 500,
      pendingStaleAfterMs: 60_000,
      create: true,
    });
    try {
      const request = {
        clientId: 'client-lost-reply',
        idempotencyKey: 'key-lost-reply',
        fingerprint: 'f'.repeat(64),
        request: { deviceId: '89852202101130001670' },
      };
      // Idle connections first: a new one could not finish its handshake while replies are dropped.
      await Promise.all(Array.from({ length: 4 }, () => journal.findLatest(request.clientId, request.idempotencyKey)));
      const live = await journal.claim(request);
      expect(live.kind).toBe('claimed');

      // A second call with the same key in this process: its INSERT's reply is lost.
      proxy.dropReplies(true);
      const lost = journal.claim(request).catch((error: unknown) => error);
      await sleep(100);
      await proxy.stop();
      proxy.dropReplies(false);
      await proxy.start();
      expect(await lost).toBeInstanceOf(Error);

      // Past every try of the undo: the live attempt, this owner's and PENDING, is untouched.
      await sleep(1_500);
      const id = live.kind === 'claimed' ? live.attempt.id : 0;
      expect(await database.query('SELECT status FROM ota_order_attempts WHERE id = $1', [id])).toEqual([{ status: 'PENDING' }]);
      expect(await journal.record(id, { status: 'SUCCEEDED', simId: 'SIM1', orderId: 'ORDER_1', orderTime: '2026-11-26 12:00:00' })).toBe(
        true,
      );
    } finally {
      await journal.close();
      await proxy.stop();
    }
  });
});

describe('how the PostgreSQL journal commits', () => {
  it('commits a claim synchronously and its outcome without waiting for the WAL flush, on the same connection', async () => {
    const fresh = await createTestDatabase();
    // One connection, so the outcome write and the claim after it share a session.
    const journal = await PostgresOrderJournal.open({
      url: fresh.url,
      poolSize: 1,
      statementTimeoutMs: 2_000,
      pendingStaleAfterMs: 60_000,
      create: true,
    });
    try {
      // Each write of a row notes the synchronous_commit its transaction commits with.
      await fresh.query(`
        CREATE TABLE commit_modes (seq SERIAL PRIMARY KEY, operation TEXT NOT NULL, mode TEXT NOT NULL);
        CREATE FUNCTION note_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO commit_modes (operation, mode) VALUES (TG_OP, current_setting('synchronous_commit')); RETURN NULL; END $$;
        CREATE TRIGGER note_commit_mode AFTER INSERT OR UPDATE ON ota_order_attempts FOR EACH ROW EXECUTE FUNCTION note_commit_mode();
      `);
      const order = { clientId: 'client-a', fingerprint: 'f1', request: { iccid: '8988' } };
      const first = await journal.claim({ ...order, idempotencyKey: 'key-1' });
      if (first.kind !== 'claimed') throw new Error(`expected a claim, got ${first.kind}`);
      expect(await journal.record(first.attempt.id, { status: 'SUCCEEDED', simId: 's', orderId: 'o', orderTime: 't' })).toBe(true);
      expect(await journal.claim({ ...order, idempotencyKey: 'key-2' })).toMatchObject({ kind: 'claimed' });

      expect(await fresh.query('SELECT operation, mode FROM commit_modes ORDER BY seq')).toStrictEqual([
        { operation: 'INSERT', mode: 'on' },
        { operation: 'UPDATE', mode: 'off' },
        { operation: 'INSERT', mode: 'on' },
      ]);
      expect(await journal.findById(first.attempt.id)).toMatchObject({ status: 'SUCCEEDED', orderId: 'o' });
    } finally {
      await journal.close();
      await fresh.drop();
    }
  });
});
