import {
  attemptFromColumns,
  newPendingAttempt,
  outcomeFields,
  type AttemptColumns,
  type AttemptOutcome,
  type ClaimRequest,
  type OrderAttempt,
} from './order-journal.js';

// The rows the PostgreSQL journal reads and the statements it runs most, named so that each
// is prepared once per connection.

/** pg returns BIGSERIAL ids as strings, JSONB parsed and TIMESTAMPTZ as Dates. */
export interface AttemptRow extends AttemptColumns {
  id: string;
  request: unknown;
  created_at: Date;
  updated_at: Date;
  stale_at: Date;
}

export function toAttempt(row: AttemptRow): OrderAttempt {
  return attemptFromColumns(row, {
    id: Number(row.id),
    request: row.request,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    staleAt: row.stale_at.toISOString(),
  });
}

/** What a claim's insert returns: what the database chose, and the slot it is for (to match it to its claim). */
export type ClaimedRow = Pick<AttemptRow, 'id' | 'client_id' | 'idempotency_key' | 'attempt_no' | 'created_at' | 'stale_at'>;

/** The attempt a claim just inserted: what was sent, with the id and times PostgreSQL chose. */
export function claimedAttempt(request: ClaimRequest, attemptNo: number, owner: string, row: ClaimedRow): OrderAttempt {
  return newPendingAttempt(request, attemptNo, owner, {
    id: Number(row.id),
    createdAt: row.created_at.toISOString(),
    staleAt: row.stale_at.toISOString(),
  });
}

/** The SET clause of every outcome write: `$1` is the attempt id, `$2` to `$8` are {@link outcomeParams}. */
export const SET_OUTCOME =
  'status = $2, csss_code = $3, csss_message = $4, sim_id = $5, order_id = $6, order_time = $7, detail = $8, updated_at = now()';

/** An outcome as the parameters `$2` to `$8` of {@link SET_OUTCOME}. */
export function outcomeParams(outcome: AttemptOutcome): Array<string | null> {
  const fields = outcomeFields(outcome);
  return [fields.status, fields.csssCode, fields.csssMessage, fields.simId, fields.orderId, fields.orderTime, fields.detail];
}

export const COLUMNS = `id, client_id, idempotency_key, attempt_no, fingerprint, request, status, csss_code, csss_message,
  sim_id, order_id, order_time, detail, owner, created_at, updated_at, stale_at`;

// What both claim statements share: the columns a claim writes, and what it answers (the
// row only when the slot was free, with what the database chose and the slot's name).
const INSERT_CLAIM =
  'INSERT INTO ota_order_attempts (client_id, idempotency_key, attempt_no, fingerprint, request, status, owner, stale_at)';
const CLAIM_CONFLICT_AND_RETURNING = `ON CONFLICT (client_id, idempotency_key, attempt_no) DO NOTHING
           RETURNING id, client_id, idempotency_key, attempt_no, created_at, stale_at`;

// Named statements are prepared once per connection. Every time comes from the database's
// clock (now()), so replicas whose host clocks differ still agree on which attempts are stale.
export const SQL = {
  // A batch of one claim (every claim at low load): the single-row form costs less to run
  // than unnest's (PostgresClaimInserts has the numbers).
  insertClaim: {
    name: 'journal-claim-insert',
    text: `${INSERT_CLAIM}
           VALUES ($1, $2, $3, $4, $5::jsonb, 'PENDING', $6, now() + $7 * interval '1 millisecond')
           ${CLAIM_CONFLICT_AND_RETURNING}`,
  },
  // The claims of one batch: one row per element of the typed arrays, so one prepared
  // statement serves every batch size. A row whose slot exists is skipped and not
  // returned; rows come back unordered, so each names its slot.
  insertClaims: {
    name: 'journal-claim-insert-batch',
    text: `${INSERT_CLAIM}
           SELECT claim.client_id, claim.idempotency_key, claim.attempt_no, claim.fingerprint, claim.request::jsonb, 'PENDING', $6,
                  now() + $7 * interval '1 millisecond'
             FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[])
                  AS claim(client_id, idempotency_key, attempt_no, fingerprint, request)
           ${CLAIM_CONFLICT_AND_RETURNING}`,
  },
  latest: {
    name: 'journal-latest',
    text: `SELECT ${COLUMNS}, stale_at < now() AS stale FROM ota_order_attempts
            WHERE client_id = $1 AND idempotency_key = $2 ORDER BY attempt_no DESC LIMIT 1`,
  },
  sweepOne: {
    name: 'journal-sweep-one',
    text: `UPDATE ota_order_attempts SET status = 'UNKNOWN', detail = $2, updated_at = now()
            WHERE id = $1 AND status = 'PENDING' AND stale_at < now()
            RETURNING ${COLUMNS}`,
  },
  // An outcome commits without waiting for the WAL flush (synchronous_commit off for this
  // statement's own transaction only, which set_config's `true` scopes it to; joining the
  // CTE makes it run before the row is written). As with SQLite's unsynced outcome writes,
  // a crash (or a failover) that loses one leaves its attempt PENDING, which ends UNKNOWN,
  // never re-sent. The session stays on, so every claim is still durable before its order leaves.
  record: {
    name: 'journal-record',
    text: `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
           UPDATE ota_order_attempts
              SET ${SET_OUTCOME}
             FROM async_commit
            WHERE id = $1 AND status IN ('PENDING', 'UNKNOWN')`,
  },
  undoLostClaim: {
    name: 'journal-undo-lost-claim',
    text: `UPDATE ota_order_attempts SET status = 'NOT_SENT', detail = $5, updated_at = now()
            WHERE client_id = $1 AND idempotency_key = $2 AND attempt_no = $3 AND owner = $4 AND status = 'PENDING'`,
  },
} as const;
