import { ApolloServer } from '@apollo/server';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CsssApi } from '../../src/csss/csss.client.js';
import type { GatewayContext } from '../../src/request/gateway-context.js';
import { createRequestInfo } from '../../src/request/request-id.js';
import { formatGatewayError } from '../../src/graphql/format-error.js';
import { GatewayInfo } from '../../src/graphql/gateway.resolver.js';
import { buildGatewaySchema } from '../../src/graphql/schema.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { OrderAccessPolicy } from '../../src/auth/order-access-policy.js';
import { SqliteOrderJournal } from '../../src/journal/sqlite-order-journal.js';
import { OtaOrderService } from '../../src/orders/ota-order.service.js';
import { CreateOtaOrderDocument } from '../generated/graphql.js';
import { startHarness, type Harness } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';

interface ErrorBody {
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

// A real CSSS client cannot fail with a defect on demand, so this one case uses a fake.
const brokenCsss: CsssApi = {
  createOtaOrder: () => Promise.reject(new TypeError('cannot read secret "s3cr3t-Key_01" of undefined')),
};

describe('an unexpected failure', () => {
  it('is answered as INTERNAL_SERVER_ERROR with a masked message and no stack trace', async () => {
    const journal = new SqliteOrderJournal({
      path: join(await mkdtemp(join(tmpdir(), 'csss-journal-')), 'orders.sqlite'),
      pendingStaleAfterMs: 60_000,
    });
    const orders = new OtaOrderService(brokenCsss, journal, pino({ level: 'silent' }), { sendBudgetMs: 2_000 });
    const orderAccess = new OrderAccessPolicy('ota:order', { take: () => ({ allowed: true }) });
    const schema = await buildGatewaySchema({ orders, orderAccess, info: new GatewayInfo(false) });
    const apollo = new ApolloServer<GatewayContext>({ schema, formatError: formatGatewayError });
    await apollo.start();
    try {
      const response = await apollo.executeOperation(
        { query: print(CreateOtaOrderDocument), variables: { input: orderInput() } },
        {
          contextValue: {
            language: 'zh-CN',
            clientId: 'anonymous',
            principal: { subject: 'anonymous', scopes: new Set(['ota:order']), method: 'anonymous' },
            requestInfo: createRequestInfo('test', pino({ level: 'silent' })),
          },
        },
      );
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      const { errors } = response.body.singleResult;
      expect(errors).toStrictEqual([
        {
          message: 'Internal server error',
          locations: expect.any(Array),
          path: ['createOtaOrder'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(JSON.stringify(response.body)).not.toContain('s3cr3t');
      // It may have been sent, so the journal keeps it from ever being sent again.
      expect((await journal.listByStatus('UNKNOWN')).map((attempt) => attempt.detail)).toEqual(['internal error while sending']);
    } finally {
      await apollo.stop();
      await journal.close();
    }
  });
});

describe('a production gateway', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ production: true });
  });
  afterAll(async () => {
    await h.close();
  });

  async function post(payload: unknown): Promise<{ status: number; text: string; body: ErrorBody }> {
    const response = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as ErrorBody };
  }
  const order = (input: Record<string, unknown>): unknown => ({ query: print(CreateOtaOrderDocument), variables: { input } });

  it('suggests no names in any message, the violations included', async () => {
    const { status, body } = await post(order({ ...orderInput(), packageType: 'DAIL', packageNme: 'x' }));
    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      violations: [{ field: 'packageType' }, { field: 'packageNme' }],
    });
    expect(JSON.stringify(body)).not.toMatch(/Did you mean|DAILY|"packageName"/);
  });

  it('answers 64 KiB values with about 100 characters of each, and keeps /healthz prompt meanwhile', async () => {
    // graphql-js repeats each of these in its message: a mistyped value, an unknown enum
    // value and an unknown field's name, each of 60,000 spaces (the body limit is 64 KiB).
    const spaces = ' '.repeat(60_000);
    const inputs = [
      { ...orderInput(), days: spaces },
      { ...orderInput(), packageType: spaces },
      { ...orderInput(), [spaces]: 1 },
    ];
    const startedAt = performance.now();
    const answers = Promise.all(inputs.map((input) => post(order(input))));
    const health = await fetch(new URL('/healthz', h.gateway.graphqlUrl));
    const healthMs = performance.now() - startedAt;
    for (const { status, text, body } of await answers) {
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(text.length).toBeLessThan(2_000);
      expect(text).toContain('…');
    }
    expect(health.status).toBe(200);
    // Before the fix each of these took 3.5 s of one CPU and /healthz waited behind them.
    expect(healthMs).toBeLessThan(2_000);
  });

  it('does not invite the reader of its start-up line to open Sandbox, which it does not serve', async () => {
    const development = await startHarness();
    try {
      const listening = (logs: Harness['logs']): unknown =>
        logs.entries().find((entry) => String(entry.msg).startsWith('gateway listening'))?.msg;
      expect(listening(h.logs)).toBe('gateway listening');
      expect(listening(development.logs)).toBe('gateway listening; open the URL in a browser for Apollo Sandbox');
    } finally {
      await development.close();
    }
  });

  it('tells a caller who asks for the schema that SANDBOX_ENABLED turns introspection on', async () => {
    const { status, body } = await post({ query: '{ __schema { queryType { name } } }' });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toContain('SANDBOX_ENABLED=true');
    expect(JSON.stringify(body)).not.toContain('ApolloServer');
  });
});
