import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../src/auth/auth.config.js';
import { RESPONSE_ERROR_CODES } from '../../src/errors/error-codes.js';
import { documentHash } from '../../src/graphql/trusted-documents.js';
import { journalPathIn } from '../../src/journal/sqlite-order-journal.js';
import { Secret } from '../../src/secret.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { CreateOtaOrderDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { testApiKey } from '../support/api-keys.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/timing.js';

// The README's error table is the contract frontend teams read: one row per code with its
// HTTP status. Each row is checked here against a running gateway, so the table cannot
// drift from what the gateway does.

interface ContractRow {
  code: string;
  statuses: number[];
}

function readmeErrorTable(): ContractRow[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
  return [...section.matchAll(/^\| `([A-Z_]+)` \| ([0-9, ]+) \|/gm)].map(([, code, statuses]) => ({
    code: code!,
    statuses: statuses!.split(',').map((status) => Number(status.trim())),
  }));
}

const client = testApiKey('contract-client');
const readOnly = testApiKey('contract-read-only', ['ota:read']);
const AUTH: AuthConfig = { mode: 'apikey', orderScope: 'ota:order', apiKeys: [client.record, readOnly.record] };

interface Answer {
  status: number;
  code: unknown;
  requestId: unknown;
}

const ORDERS_SIMULATED = '{ ordersSimulated }';

let h: Harness;
let limited: Harness;
let requestLimited: Harness;
let trustedOnly: Harness;
beforeAll(async () => {
  h = await startHarness({ auth: AUTH, timeoutMs: 1_500 });
  limited = await startHarness({ auth: AUTH, rateLimit: { perSecond: 0.001, burst: 1 } });
  requestLimited = await startHarness({ auth: AUTH, requestRateLimit: { perSecond: 0.001, burst: 1 } });
  trustedOnly = await startHarness({
    auth: AUTH,
    trustedDocuments: { documents: new Map([[documentHash(ORDERS_SIMULATED), ORDERS_SIMULATED]]), only: true },
  });
});
afterAll(async () => {
  await Promise.all([h.close(), limited.close(), requestLimited.close(), trustedOnly.close()]);
});

async function send(
  target: Harness,
  init: RequestInit & { query?: string },
  headers: Record<string, string> = client.headers,
): Promise<Answer> {
  const url = target.gateway.graphqlUrl + (init.query ?? '');
  const response = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
  const body = (await response.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code, requestId: body.errors?.[0]?.extensions?.requestId };
}

/**
 * Speaks HTTP/1.1 by hand on the API port, for what fetch cannot send: a request target
 * that is not a URL, a body that stops half way. `rest` is written after `pauseMs`.
 */
async function sendRaw(target: Harness, head: string, rest = '', pauseMs = 0): Promise<Answer> {
  const { port, hostname } = new URL(target.gateway.graphqlUrl);
  const socket = connect(Number(port), hostname);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  socket.on('error', () => undefined); // a reset after the server closed is expected
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(head);
  if (rest !== '') setTimeout(() => socket.writable && socket.write(rest), pauseMs);
  await closed;
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  return { status, code: body.errors?.[0]?.extensions?.code, requestId: body.errors?.[0]?.extensions?.requestId };
}

const rawHeaders = (headers: Record<string, string>): string =>
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');

const json = (payload: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(payload),
});
const order = (input = orderInput()): RequestInit => json({ query: print(CreateOtaOrderDocument), variables: { input } });

/** The key of an attempt written straight into the journal as a row the gateway cannot read. */
function corruptAttemptKey(): string {
  const key = `corrupt-${Date.now()}-${Math.random()}`;
  const other = new Database(journalPathIn(h.dataDir));
  try {
    other
      .prepare(
        `INSERT INTO ota_order_attempts (client_id, idempotency_key, attempt_no, fingerprint, request_json, status, owner, created_at, updated_at)
         VALUES (?, ?, 1, 'x', '{not json', 'SUCCEEDED', 'test', '', '')`,
      )
      .run('apikey:contract-client', key);
  } finally {
    other.close();
  }
  return key;
}

/** One way to meet each code at each status the table gives it. */
const SCENARIOS: Record<string, Array<[string, () => Promise<Answer>]>> = {
  BAD_USER_INPUT: [
    ['a rule break', () => send(h, order(orderInput({ days: 0 })))],
    ['a variable GraphQL refuses', () => send(h, order({ ...orderInput(), days: 'many' } as never))],
  ],
  IDEMPOTENCY_KEY_REUSED: [
    [
      'a key used for another order',
      async () => {
        const input = orderInput();
        await send(h, order(input));
        return send(h, order({ ...input, days: 30 }));
      },
    ],
  ],
  IDEMPOTENCY_KEY_IN_PROGRESS: [
    [
      'a key whose order is still being sent',
      async () => {
        const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
        const first = send(h, order(input));
        const sent = h.simulator.requests.length;
        await waitFor(() => h.simulator.requests.length > sent);
        const second = await send(h, order(input));
        await first;
        return second;
      },
    ],
  ],
  UNAUTHENTICATED: [['no credentials', () => send(h, order(), {})]],
  FORBIDDEN: [['a key without the order scope', () => send(h, order(), readOnly.headers)]],
  RATE_LIMITED: [
    [
      'a second order within the limit',
      async () => {
        await send(limited, order());
        return send(limited, order());
      },
    ],
    [
      'a second request of any kind within the request limit',
      async () => {
        await send(requestLimited, json({ query: ORDERS_SIMULATED }));
        return send(requestLimited, json({ query: ORDERS_SIMULATED }));
      },
    ],
  ],
  CSSS_REJECTED: [['an order CSSS refuses', () => send(h, order(orderInput({ deviceId: SIMULATOR_ICCIDS.rejected })))]],
  CSSS_UNAVAILABLE: [
    [
      'a new key while the bulkhead is full',
      async () => {
        const started = await startHarness({ auth: AUTH, maxInFlight: 1, timeoutMs: 1_500 });
        try {
          const hanging = send(started, order(orderInput({ deviceId: SIMULATOR_ICCIDS.hang })));
          await waitFor(() => started.simulator.requests.length === 1);
          const refused = await send(started, order());
          await hanging;
          return refused;
        } finally {
          await started.close();
        }
      },
    ],
  ],
  CSSS_OUTCOME_UNKNOWN: [['CSSS answering HTTP 500', () => send(h, order(orderInput({ deviceId: SIMULATOR_ICCIDS.serverError })))]],
  SERVICE_UNAVAILABLE: [
    [
      'an order the journal cannot record (another process holds its lock)',
      async () => {
        const other = new Database(journalPathIn(h.dataDir));
        other.exec('BEGIN IMMEDIATE');
        try {
          return await send(h, order());
        } finally {
          other.exec('ROLLBACK');
          other.close();
        }
      },
    ],
  ],
  INTERNAL_SERVER_ERROR: [
    [
      'a journal row the gateway cannot read',
      () => send(h, json({ query: print(OtaOrderAttemptDocument), variables: { idempotencyKey: corruptAttemptKey() } })),
    ],
  ],
  BAD_REQUEST: [
    ['a batch', () => send(h, json([{ query: '{ ordersSimulated }' }, { query: '{ ordersSimulated }' }]))],
    [
      'a form-encoded POST (CSRF)',
      () =>
        send(h, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'query=%7B%20ordersSimulated%20%7D',
        }),
    ],
    [
      'a body that is not valid UTF-8',
      () => send(h, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }),
    ],
    [
      'a mutation over GET with a preflight header',
      () =>
        send(h, {
          query: `?query=${encodeURIComponent(print(CreateOtaOrderDocument))}&variables=${encodeURIComponent(JSON.stringify({ input: orderInput() }))}`,
          headers: { 'apollo-require-preflight': 'true' },
        }),
    ],
    ['a body over 64 KiB', () => send(h, json({ query: '{ ordersSimulated }', padding: 'x'.repeat(70 * 1024) }))],
    ['a request target that is not a URL', () => sendRaw(h, 'GET http://a:b@[ HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n')],
    ['a GET that carries a body', () => sendRaw(h, 'GET /graphql HTTP/1.1\r\nHost: gateway\r\ncontent-length: 2\r\n\r\n{}')],
    ['a header byte HTTP does not allow', () => sendRaw(h, 'GET /graphql HTTP/1.1\r\nHost: gateway\r\nx-bad: a\u0001b\r\n\r\n')],
    ['headers over 16 KiB', () => sendRaw(h, `GET /graphql HTTP/1.1\r\nHost: gateway\r\nx-big: ${'a'.repeat(17 * 1024)}\r\n\r\n`)],
    [
      'a body that pauses longer than the body idle timeout',
      async () => {
        const impatient = await startHarness({ auth: AUTH, httpLimits: { bodyIdleTimeoutMs: 200 } });
        try {
          const body = JSON.stringify({ query: ORDERS_SIMULATED });
          const head = `POST /graphql HTTP/1.1\r\nHost: gateway\r\n${rawHeaders(client.headers)}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
          // The rest of the body comes long after the idle timeout, if the connection is still open.
          return await sendRaw(impatient, head + body.slice(0, 5), body.slice(5), 2_000);
        } finally {
          await impatient.close();
        }
      },
    ],
  ],
  GRAPHQL_PARSE_FAILED: [['a document that is not GraphQL', () => send(h, json({ query: '{' }))]],
  GRAPHQL_VALIDATION_FAILED: [
    [
      'a bad enum value written inline',
      () => send(h, json({ query: 'mutation { createOtaOrder(input: { packageType: WEEKLY }) { orderId } }' })),
    ],
  ],
  OPERATION_RESOLUTION_FAILURE: [
    ['two operations and no operationName', () => send(h, json({ query: 'query A { ordersSimulated } query B { ordersSimulated }' }))],
  ],
  OPERATION_NOT_TRUSTED: [['an operation in no manifest', () => send(trustedOnly, json({ query: '{ ordersSimulated __typename }' }))]],
  PERSISTED_QUERY_NOT_FOUND: [
    [
      'a hash in no manifest, with other operations allowed too',
      async () => {
        const trusted = await startHarness({
          auth: AUTH,
          trustedDocuments: { documents: new Map([[documentHash(ORDERS_SIMULATED), ORDERS_SIMULATED]]), only: false },
        });
        try {
          return await send(trusted, json({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }));
        } finally {
          await trusted.close();
        }
      },
    ],
  ],
  PERSISTED_QUERY_NOT_SUPPORTED: [
    [
      'a hash alone, without trusted documents',
      () => send(h, json({ extensions: { persistedQuery: { version: 1, sha256Hash: documentHash(ORDERS_SIMULATED) } } })),
    ],
  ],
};

describe("the README's error table", () => {
  const rows = readmeErrorTable();

  it('has one row for every code a response can carry', () => {
    expect(rows.map((row) => row.code).sort()).toEqual([...RESPONSE_ERROR_CODES].sort());
    expect(new Set(rows.map((row) => row.code)).size).toBe(rows.length);
  });

  it.each(rows.map((row) => [row.code, row] as const))(
    '%s is answered with the status its row gives, and the request id',
    async (code, row) => {
      const scenarios = SCENARIOS[code] ?? [];
      const answers = [];
      for (const [, scenario] of scenarios) answers.push(await scenario());

      for (const answer of answers)
        expect({ code: answer.code, requestId: typeof answer.requestId }).toEqual({ code, requestId: 'string' });
      expect([...new Set(answers.map((answer) => answer.status))].sort()).toEqual([...row.statuses].sort());
    },
  );
});

interface ErrorBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

async function post(target: Harness, payload: unknown): Promise<{ status: number; body: ErrorBody }> {
  const response = await fetch(target.gateway.graphqlUrl, {
    ...json(payload),
    headers: { 'content-type': 'application/json', ...client.headers },
  });
  return { status: response.status, body: (await response.json()) as ErrorBody };
}

describe('one error for one bad input', () => {
  it('lists two missing fields and a broken rule as three violations of one BAD_USER_INPUT error, in field order', async () => {
    const sent = h.simulator.requests.length;
    const { packageCode: _packageCode, days: _days, ...rest } = orderInput({ deviceId: '1234' });
    const { status, body } = await post(h, { query: print(CreateOtaOrderDocument), variables: { input: rest } });

    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toStrictEqual({
      code: 'BAD_USER_INPUT',
      field: 'deviceId',
      violations: [
        { field: 'deviceId', message: 'deviceId must be the ICCID: 18 to 22 ASCII digits (0-9).' },
        {
          field: 'packageCode',
          message: 'Variable "$input" got an invalid value: Field "packageCode" of required type "String!" was not provided.',
        },
        { field: 'days', message: 'Variable "$input" got an invalid value: Field "days" of required type "Int!" was not provided.' },
      ],
      requestId: expect.any(String),
    });
    expect(body.errors?.[0]?.message).toBe(
      (body.errors?.[0]?.extensions?.violations as Array<{ message: string }>).map((violation) => violation.message).join(' '),
    );
    expect(h.simulator.requests.length).toBe(sent);
  });

  it('lists an unknown field, a mistyped one, an unknown enum value and a broken rule together', async () => {
    const sent = h.simulator.requests.length;
    const input = { ...orderInput({ mcc: '46' }), days: 'many', packageType: 'WEEKLY', accessCode: 'QY-1' };
    const { status, body } = await post(h, { query: print(CreateOtaOrderDocument), variables: { input } });

    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'packageType',
      violations: [
        { field: 'packageType', message: expect.stringContaining('"WEEKLY"') },
        { field: 'days', message: expect.stringContaining('"many"') },
        { field: 'mcc', message: expect.stringContaining('3 ASCII digits') },
        { field: 'accessCode', message: expect.stringContaining('not defined') },
      ],
    });
    expect(h.simulator.requests.length).toBe(sent);
  });

  it('answers an unused variable as a validation error, even when GraphQL would refuse its value', async () => {
    // Validation reports an unused variable at its definition, as graphql-js reports a
    // refused one: only an execution's refusals become the one BAD_USER_INPUT error.
    const sent = h.simulator.requests.length;
    const query = print(CreateOtaOrderDocument).replace('($input: CreateOtaOrderInput!)', '($input: CreateOtaOrderInput!, $unused: Int!)');
    const { status, body } = await post(h, { query, variables: { input: orderInput(), unused: 'many' } });

    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(h.simulator.requests.length).toBe(sent);
  });

  it('lists the refusals of two variables in one BAD_USER_INPUT error, in the order of their definitions', async () => {
    const sent = h.simulator.requests.length;
    const query = print(CreateOtaOrderDocument)
      .replace('($input: CreateOtaOrderInput!)', '($input: CreateOtaOrderInput!, $place: Boolean!)')
      .replace('createOtaOrder(input: $input)', 'createOtaOrder(input: $input) @include(if: $place)');
    const { status, body } = await post(h, { query, variables: { input: { ...orderInput(), days: 'many' }, place: 'yes' } });

    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'days',
      violations: [
        { field: 'days', message: expect.stringContaining('"many"') },
        { field: 'place', message: expect.stringContaining('"yes"') },
      ],
    });
    expect(h.simulator.requests.length).toBe(sent);
  });

  it.each([
    ['SQLite', undefined],
    ['PostgreSQL', 'postgres'],
  ] as const)('answers a key no order can have in otaOrderAttempt as BAD_USER_INPUT on %s, like an order with it', async (_name, store) => {
    const database = store === 'postgres' ? await createTestDatabase() : undefined;
    const target = database
      ? await startHarness({ auth: AUTH, database: { url: new Secret(database.url), poolSize: 2, statementTimeoutMs: 2_000 } })
      : h;
    try {
      const { status, body } = await post(target, {
        query: print(OtaOrderAttemptDocument),
        variables: { idempotencyKey: 'key\u0000with-nul' },
      });
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions).toStrictEqual({
        code: 'BAD_USER_INPUT',
        field: 'idempotencyKey',
        violations: [
          { field: 'idempotencyKey', message: 'idempotencyKey must be 1 to 255 printable ASCII characters; a UUID is suggested.' },
        ],
        requestId: expect.any(String),
      });
    } finally {
      if (database) {
        await target.close();
        await database.drop();
      }
    }
  });

  it('logs the cause of a masked INTERNAL_SERVER_ERROR at error level with the request id the caller got', async () => {
    const { body } = await post(h, { query: print(OtaOrderAttemptDocument), variables: { idempotencyKey: corruptAttemptKey() } });
    const { code, requestId } = body.errors?.[0]?.extensions ?? {};
    expect(code).toBe('INTERNAL_SERVER_ERROR');
    const logged = h.logs.entries().filter((entry) => entry.requestId === requestId && entry.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ msg: 'internal error, answered as INTERNAL_SERVER_ERROR', err: { type: 'SyntaxError' } });
  });
});
