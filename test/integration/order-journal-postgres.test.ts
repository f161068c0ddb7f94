import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalUnavailableError, type ClaimRequest } from '../../src/journal/order-journal.js';
import { CLAIM_REPLY_LOST_DETAIL, PostgresOrderJournal } from '../../src/journal/postgres-order-journal.js';
import type { JournalOperation, JournalStoreMetrics } from '../../src/observability/store-metrics.js';
import { describeOrderJournalContract } from '../support/order-journal-contract.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

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

/** A journal whose connections go through a TCP proxy that the test can make drop replies. */
async function openJournalThroughProxy(url: string): Promise<{ proxy: TcpProxy; journal: PostgresOrderJournal }> {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(url).port || 5432) });
  const viaProxy = new URL(url);
  viaProxy.port = String(proxy.port);
  const journal = await PostgresOrderJournal.open({
    url: viaProxy.toString(),
    poolSize: 4,
    statementTimeoutMs: 500,
    pendingStaleAfterMs: 60_000,
    create: true,
  });
  return { proxy, journal };
}

describe('a claim whose reply was lost', () => {
  it('is undone only where it is the lost INSERT’s own row, never another call’s live attempt of the same key', async () => {
    const { proxy, journal } = await openJournalThroughProxy(database.url);
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

describe('claims made in one turn of the event loop', () => {
  /** The journal's own statement hook, counting the statements it starts by operation. */
  function countingMetrics(): JournalStoreMetrics & { started: (operation: JournalOperation) => number; reset: () => void } {
    let counts = new Map<JournalOperation, number>();
    return {
      observePool: () => {},
      startQuery(operation) {
        counts.set(operation, (counts.get(operation) ?? 0) + 1);
        return () => {};
      },
      started: (operation) => counts.get(operation) ?? 0,
      reset: () => (counts = new Map()),
    };
  }
  /** A journal on a fresh database of its own, its statements counted. */
  async function openCountedJournal(): Promise<{
    fresh: TestDatabase;
    journal: PostgresOrderJournal;
    metrics: ReturnType<typeof countingMetrics>;
  }> {
    const fresh = await createTestDatabase();
    const metrics = countingMetrics();
    const journal = await PostgresOrderJournal.open({
      url: fresh.url,
      poolSize: 4,
      statementTimeoutMs: 2_000,
      pendingStaleAfterMs: 60_000,
      create: true,
      metrics,
    });
    return { fresh, journal, metrics };
  }
  const order = (idempotencyKey: string, fingerprint = 'f'.repeat(64)): ClaimRequest => ({
    clientId: 'client-batch',
    idempotencyKey,
    fingerprint,
    request: { deviceId: '89852202101130001670', packageCode: 'DP1', days: 364 },
  });

  it('claims every key and writes them all with one statement, one commit, each caller getting its own attempt', async () => {
    const { fresh, journal, metrics } = await openCountedJournal();
    try {
      metrics.reset();
      const requests = Array.from({ length: 25 }, (_, index) => order(`turn-key-${index}`));
      const claims = await Promise.all(requests.map((request) => journal.claim(request)));

      expect(metrics.started('claim')).toBe(1);
      claims.forEach((claim, index) =>
        expect(claim).toMatchObject({ kind: 'claimed', attempt: { ...requests[index], attemptNo: 1, status: 'PENDING' } }),
      );
      const ids = claims.map((claim) => (claim.kind === 'claimed' ? claim.attempt.id : 0));
      expect(new Set(ids).size).toBe(requests.length);
      for (const claim of claims)
        if (claim.kind === 'claimed') expect(await journal.findById(claim.attempt.id)).toStrictEqual(claim.attempt);
      // One transaction wrote every row (xmin is the id of the transaction that wrote a row).
      expect(
        await fresh.query(
          "SELECT count(*)::int AS rows, count(DISTINCT xmin::text)::int AS transactions FROM ota_order_attempts WHERE status = 'PENDING'",
        ),
      ).toStrictEqual([{ rows: requests.length, transactions: 1 }]);
    } finally {
      await journal.close();
      await fresh.drop();
    }
  });

  it('claims a key once when two calls claim it in the same turn: the other is in progress, or reused for another order', async () => {
    const { fresh, journal, metrics } = await openCountedJournal();
    try {
      metrics.reset();
      const [first, second] = await Promise.all([journal.claim(order('same-key')), journal.claim(order('same-key'))]);
      if (first.kind !== 'claimed') throw new Error(`expected the first call to claim, got ${first.kind}`);
      expect(second).toStrictEqual({ kind: 'in_progress', attempt: first.attempt });
      // One INSERT for both, then the second call's read of the latest attempt.
      expect(metrics.started('claim')).toBe(2);

      const [mine, other] = await Promise.all([journal.claim(order('other-key')), journal.claim(order('other-key', 'e'.repeat(64)))]);
      if (mine.kind !== 'claimed') throw new Error(`expected the first call to claim, got ${mine.kind}`);
      expect(other).toStrictEqual({ kind: 'reused', attempt: mine.attempt });
      expect(await fresh.query('SELECT idempotency_key, attempt_no FROM ota_order_attempts ORDER BY id')).toStrictEqual([
        { idempotency_key: 'same-key', attempt_no: 1 },
        { idempotency_key: 'other-key', attempt_no: 1 },
      ]);
    } finally {
      await journal.close();
      await fresh.drop();
    }
  });

  it('does not hold other keys back while one claim statement waits for a lock another transaction holds', async () => {
    const fresh = await createTestDatabase();
    const journal = await PostgresOrderJournal.open({
      url: fresh.url,
      poolSize: 4,
      statementTimeoutMs: 3_000,
      pendingStaleAfterMs: 60_000,
      create: true,
    });
    // Another transaction (a replica's, an operator's) has inserted attempt 1 of the key and not committed yet.
    const holder = new pg.Client({ connectionString: fresh.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO ota_order_attempts (client_id, idempotency_key, attempt_no, fingerprint, request, status, owner, stale_at)
         VALUES ('client-batch', 'held-key', 1, 'held', '{}', 'PENDING', 'another', now() + interval '1 minute')`,
      );
      const held = journal.claim(order('held-key'));
      await sleep(20);
      const startedAt = performance.now();
      expect(await journal.claim(order('free-key'))).toMatchObject({ kind: 'claimed' });
      expect(performance.now() - startedAt).toBeLessThan(1_000);

      await holder.query('ROLLBACK');
      expect(await held).toMatchObject({ kind: 'claimed', attempt: { idempotencyKey: 'held-key', attemptNo: 1 } });
    } finally {
      await holder.end();
      await journal.close();
      await fresh.drop();
    }
  });

  it('rejects every claim of a batch whose reply was lost, and leaves none PENDING: their retries are claimed, not in progress', async () => {
    const fresh = await createTestDatabase();
    const { proxy, journal } = await openJournalThroughProxy(fresh.url);
    try {
      const requests = Array.from({ length: 10 }, (_, index) => order(`lost-batch-${index}`));
      // Idle connections first: a new one could not finish its handshake while replies are dropped.
      await Promise.all(Array.from({ length: 4 }, () => journal.findLatest('client-batch', 'none')));

      proxy.dropReplies(true);
      const lost = Promise.all(
        requests.map((request) =>
          journal.claim(request).then(
            () => 'answered',
            (error: unknown) => error,
          ),
        ),
      );
      await sleep(100);
      await proxy.stop();
      proxy.dropReplies(false);
      await proxy.start();
      for (const outcome of await lost) expect(outcome).toBeInstanceOf(Error);

      // The INSERT committed although its reply was lost; past every try of the undo, no attempt is left PENDING.
      await sleep(1_500);
      expect(await fresh.query('SELECT idempotency_key, status, detail FROM ota_order_attempts ORDER BY idempotency_key')).toStrictEqual(
        requests
          .map((request) => ({ idempotency_key: request.idempotencyKey, status: 'NOT_SENT', detail: CLAIM_REPLY_LOST_DETAIL }))
          .sort((a, b) => a.idempotency_key.localeCompare(b.idempotency_key)),
      );
      for (const retry of await Promise.all(requests.map((request) => journal.claim(request)))) {
        expect(retry).toMatchObject({ kind: 'claimed', attempt: { attemptNo: 2 } });
      }
    } finally {
      await journal.close();
      await proxy.stop();
      await fresh.drop();
    }
  });
});
