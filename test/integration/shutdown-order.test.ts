import { describe, expect, it } from 'vitest';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { CreateOtaOrderDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { startHarness } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { waitFor } from '../support/timing.js';

const stagesClosed = (lines: Array<Record<string, unknown>>): unknown[] =>
  lines.filter((line) => line.msg === 'shutdown stage').map((line) => line.stage);

describe('the gateway shuts down in an explicit order', () => {
  it('stops taking GraphQL, lets the order in flight finish and journal its outcome, then closes the journal and CSSS client', async () => {
    const h = await startHarness({ timeoutMs: 1_000 });
    const input = orderInput({ deviceId: SIMULATOR_ICCIDS.hang });
    const inFlight = h.execute(CreateOtaOrderDocument, { input });
    await waitFor(() => h.simulator.requests.length === 1);

    await h.gateway.close();
    expect((await inFlight).body.errors?.[0]?.extensions?.code).toBe('CSSS_OUTCOME_UNKNOWN');
    expect(stagesClosed(h.logs.entries())).toEqual([
      'shutdown delay',
      'graphql drained',
      'orders finished',
      'in-flight attempts marked unknown',
      'rate limiter',
      'reconciler',
      'journal',
      'csss client',
      'http server',
      'metrics listener',
      'tracing',
    ]);
    await h.simulator.close();

    // The outcome was journaled before the journal closed: a gateway on the same journal sees it.
    const next = await startHarness({ dataDir: h.dataDir });
    try {
      const attempt = await next.execute(OtaOrderAttemptDocument, { idempotencyKey: input.idempotencyKey });
      expect(attempt.body.data?.otaOrderAttempt?.status).toBe('UNKNOWN');
    } finally {
      await next.close();
    }
  });

  it('closes the embedded simulator after the CSSS client that talks to it', async () => {
    const h = await startHarness({ embeddedSimulator: true });
    await h.close();
    const stages = stagesClosed(h.logs.entries());
    expect(stages.slice(stages.indexOf('journal'))).toEqual([
      'journal',
      'csss client',
      'embedded simulator',
      'http server',
      'metrics listener',
      'tracing',
    ]);
  });
});
