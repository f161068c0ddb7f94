import { ApolloServer } from '@apollo/server';
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { CsssApi } from '../../src/csss/csss.client.js';
import type { GatewayContext } from '../../src/auth/request-context.js';
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
import { orderInput } from '../support/order-input.js';

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
    const orders = new OtaOrderService(brokenCsss, journal, pino({ level: 'silent' }));
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
            principal: { clientId: 'anonymous', scopes: new Set(['ota:order']), method: 'anonymous' },
            requestInfo: { requestId: 'test', csssMs: 0 },
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
