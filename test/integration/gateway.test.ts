import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { sign } from '../../src/csss/csss.sign.js';
import { SANDBOX_EXAMPLE_OPERATION } from '../../src/graphql/sandbox-example.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { CreateOtaOrderDocument, OrdersSimulatedDocument, OtaOrderAttemptDocument } from '../generated/graphql.js';
import { harnessPerTest, startHarness, type Harness } from '../support/gateway-harness.js';
import { orderInput } from '../support/order-input.js';
import { openSandboxPage, runSandboxPage } from '../support/sandbox-page.js';

const FIXED_NOW_MS = Date.UTC(2026, 10, 26, 12, 0, 0);

const start = harnessPerTest();

/** Everything the tests saw, to check that no secret or sign ever leaves the gateway. */
function expectNoSecretsLeaked(h: Harness): void {
  const seen = `${h.responses.join('\n')}\n${h.logs.text}`;
  expect(seen).not.toContain(h.simulator.secret);
  for (const request of h.simulator.requests) {
    const sent = (request.body as { sign?: string } | undefined)?.sign;
    if (sent) expect(seen).not.toContain(sent);
  }
}

describe('createOtaOrder over HTTP against the CSSS simulator', () => {
  it('places the order and returns what CSSS answered', async () => {
    const h = await start({ clock: () => FIXED_NOW_MS });
    const { status, body } = await h.execute(CreateOtaOrderDocument, { input: orderInput() });

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(h.simulator.orders).toHaveLength(1);
    const placed = h.simulator.orders[0]!;
    expect(body.data?.createOtaOrder).toStrictEqual({
      simId: placed.simId,
      orderId: placed.orderId,
      orderTime: placed.orderTime,
      replayed: false,
    });
    expect(body.data?.createOtaOrder.orderId).toMatch(/^ORDER_\d+$/);
    expectNoSecretsLeaked(h);
  });

  it('sends CSSS exactly the documented fields, types, headers and a valid sign', async () => {
    const h = await start({ clock: () => FIXED_NOW_MS });
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ mcc: '460', payAmount: '12.50', isOpen: true }) });

    expect(h.simulator.requests).toHaveLength(1);
    const request = h.simulator.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/package/createOtaOrder');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers['accept-language']).toBe('zh-CN');

    const { sign: sentSign, ...signed } = request.body as Record<string, string | number>;
    expect(signed).toStrictEqual({
      device_id: '89852202101130001670',
      package_code: 'DP20201218003915',
      package_name: 'T_T_T_0_P_S_中国100G/365天套餐',
      package_type: '1',
      order_period: '1',
      days: 364,
      timing_type: '1',
      is_open: '1',
      global_order: '0',
      pay_amount: '12.50',
      pay_rst: '1',
      pay_type: '2',
      test_flow: '0',
      test_flow_flag: '0',
      mcc: '460',
      access_code: h.simulator.accessCode,
      timestamp: String(FIXED_NOW_MS / 1000),
      version: '2.0',
    });
    expect(sentSign).toBe(sign(signed, h.simulator.secret));
  });

  it('leaves mcc out of the CSSS request when the caller sends null', async () => {
    const h = await start();
    await h.execute(CreateOtaOrderDocument, { input: orderInput({ mcc: null }) });
    expect(h.simulator.requests).toHaveLength(1);
    expect(h.simulator.requests[0]!.body).not.toHaveProperty('mcc');
  });

  it('forwards the negotiated language and gets CSSS messages in it', async () => {
    const h = await start();
    await h.execute(CreateOtaOrderDocument, { input: orderInput() }, { 'accept-language': 'fr-FR, en;q=0.8, zh-CN;q=0.5' });
    const rejected = await h.execute(
      CreateOtaOrderDocument,
      { input: orderInput({ deviceId: SIMULATOR_ICCIDS.rejected }) },
      { 'accept-language': 'en-US' },
    );
    const defaulted = await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId: SIMULATOR_ICCIDS.rejected }) });

    expect(h.simulator.requests.map((request) => request.headers['accept-language'])).toEqual(['en-US', 'en-US', 'zh-CN']);
    const english = rejected.body.errors?.[0]?.extensions?.csss as { message: string };
    const chinese = defaulted.body.errors?.[0]?.extensions?.csss as { message: string };
    expect(english.message).toMatch(/[A-Za-z]/);
    expect(chinese.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('sends the configured default language when the caller names none CSSS supports', async () => {
    const h = await start({ defaultLanguage: 'en-US' });
    await h.execute(CreateOtaOrderDocument, { input: orderInput() }, { 'accept-language': 'de-DE' });
    expect(h.simulator.requests[0]!.headers['accept-language']).toBe('en-US');
  });
});

describe('errors, each with its code and the number of CSSS calls it made', () => {
  it('answers BAD_USER_INPUT naming the field, and never calls CSSS, for a rule the input breaks', async () => {
    const h = await start();
    const { status, body } = await h.execute(CreateOtaOrderDocument, {
      input: orderInput({ deviceId: '８９８５２２０２１０１１３０００１６７０', mcc: '46' }),
    });

    // The whole operation was refused, as GraphQL's own input errors are: 400, not 200.
    expect(status).toBe(400);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toStrictEqual({
      code: 'BAD_USER_INPUT',
      field: 'deviceId',
      violations: [
        { field: 'deviceId', message: expect.stringContaining('ICCID') },
        { field: 'mcc', message: expect.stringContaining('3 ASCII digits') },
      ],
      requestId: expect.any(String),
    });
    expect(h.simulator.requests).toHaveLength(0);
  });

  it('answers BAD_USER_INPUT, without calling CSSS, for a value GraphQL itself refuses', async () => {
    const h = await start();
    const input = { ...orderInput(), packageType: 'WEEKLY' } as unknown as ReturnType<typeof orderInput>;
    const { status, body } = await h.execute(CreateOtaOrderDocument, { input });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('packageType');
    expect(h.simulator.requests).toHaveLength(0);
    // Told like a rule break: the field, and a message that does not repeat the whole order.
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toStrictEqual({
      code: 'BAD_USER_INPUT',
      field: 'packageType',
      violations: [{ field: 'packageType', message: body.errors?.[0]?.message }],
      requestId: expect.any(String),
    });
    expect(body.errors?.[0]?.message).toBe(
      'Variable "$input" got an invalid value at "input.packageType": Value "WEEKLY" does not exist in "PackageType" enum. Did you mean the enum value "YEARLY"?',
    );
  });

  it.each([
    ['an unknown field', { accessCode: 'QY-000001' }, 'accessCode'],
    ['a missing field', { deviceId: undefined }, 'deviceId'],
    ['a wrong type', { days: 'many' }, 'days'],
  ])('names the field, without repeating the order, for %s in the variables', async (_case, change, field) => {
    const h = await start();
    const input = { ...orderInput(), ...change } as unknown as ReturnType<typeof orderInput>;
    const { status, body } = await h.execute(CreateOtaOrderDocument, { input });

    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, violations: [{ field }] });
    expect(body.errors?.[0]?.message).toContain(field);
    expect(body.errors?.[0]?.message).not.toContain(input.idempotencyKey);
    expect(h.simulator.requests).toHaveLength(0);
  });

  it('answers BAD_USER_INPUT naming packageName, and journals nothing, for a lone UTF-16 surrogate', async () => {
    const h = await start();
    const input = orderInput({ packageName: 'Plan \ud800' });
    // JSON.stringify writes the lone half as the escape "\ud800", as a buggy client would.
    const { body } = await h.execute(CreateOtaOrderDocument, { input });

    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'packageName' });
    expect(h.simulator.requests).toHaveLength(0);
    const attempt = await h.execute(OtaOrderAttemptDocument, { idempotencyKey: input.idempotencyKey });
    expect(attempt.body.data?.otaOrderAttempt).toBeNull();
  });

  it('refuses a body that is not valid UTF-8 with HTTP 400, and journals nothing', async () => {
    const h = await start();
    const input = orderInput({ packageName: 'Plan PLACEHOLDER' });
    const json = Buffer.from(JSON.stringify({ query: print(CreateOtaOrderDocument), variables: { input } }));
    // 0xC3 0x28 is an invalid two-byte sequence; a lenient decoder turns it into U+FFFD.
    const at = json.indexOf('PLACEHOLDER');
    const body = Buffer.concat([json.subarray(0, at), Buffer.from([0xc3, 0x28]), json.subarray(at + 'PLACEHOLDER'.length)]);

    const response = await fetch(h.gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ message: 'Request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST', requestId: expect.any(String) } }],
    });
    expect(h.simulator.requests).toHaveLength(0);
    const attempt = await h.execute(OtaOrderAttemptDocument, { idempotencyKey: input.idempotencyKey });
    expect(attempt.body.data?.otaOrderAttempt).toBeNull();
  });

  it('answers CSSS_REJECTED with the code and message CSSS sent, after one CSSS call', async () => {
    const h = await start();
    const { body } = await h.execute(
      CreateOtaOrderDocument,
      { input: orderInput({ deviceId: SIMULATOR_ICCIDS.rejected }) },
      { 'accept-language': 'en-US' },
    );
    const error = body.errors?.[0];
    expect(error?.extensions?.code).toBe('CSSS_REJECTED');
    expect(error?.extensions?.csss).toStrictEqual({ code: '2001', message: expect.any(String) });
    expect(error?.path).toEqual(['createOtaOrder']);
    expect(h.simulator.requests).toHaveLength(1);
    expect(h.simulator.orders).toHaveLength(0);
    expectNoSecretsLeaked(h);
  });

  it('answers CSSS_UNAVAILABLE when CSSS cannot be reached', async () => {
    const closed = await startHarness();
    const unreachable = new URL(closed.simulator.url);
    await closed.close();
    const h = await start({ csssBaseUrl: unreachable.origin });

    const { body } = await h.execute(CreateOtaOrderDocument, { input: orderInput() });
    expect(body.errors?.[0]?.extensions).toStrictEqual({ code: 'CSSS_UNAVAILABLE', requestId: expect.any(String) });
    expect(body.errors?.[0]?.message).toMatch(/safe to retry/);
    expect(h.simulator.requests).toHaveLength(0);
  });

  it.each([
    ['HTTP 500', SIMULATOR_ICCIDS.serverError],
    ['an HTML page', SIMULATOR_ICCIDS.garbage],
    ['truncated JSON', SIMULATOR_ICCIDS.truncated],
    ['no answer before the deadline', SIMULATOR_ICCIDS.hang],
  ])('answers CSSS_OUTCOME_UNKNOWN when CSSS sends %s, after exactly one CSSS call', async (_case, deviceId) => {
    const h = await start({ timeoutMs: 500 });
    const { body } = await h.execute(CreateOtaOrderDocument, { input: orderInput({ deviceId }) });
    expect(body.errors?.[0]?.extensions).toStrictEqual({ code: 'CSSS_OUTCOME_UNKNOWN', requestId: expect.any(String) });
    expect(body.errors?.[0]?.message).toMatch(/unknown whether the order was placed/);
    expect(h.simulator.requests).toHaveLength(1);
    expectNoSecretsLeaked(h);
  });
});

describe('the HTTP surface', () => {
  it('answers /healthz without calling CSSS', async () => {
    const h = await start();
    const response = await fetch(new URL('/healthz', h.gateway.graphqlUrl));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(h.simulator.requests).toHaveLength(0);
  });

  it('shows Apollo Sandbox, pre-filled with the example order, to a browser', async () => {
    const h = await start();
    const response = await fetch(h.gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('embeddable-sandbox');
    expect(html).toContain('OrderOtaPlanExample');
    expect(html).toContain('89852202101130001670');
  });

  it('runs the Sandbox example operation successfully as it is shown', async () => {
    const h = await start();
    const page = await openSandboxPage(h.gateway.graphqlUrl);
    expect(page.document).toContain(SANDBOX_EXAMPLE_OPERATION.trim());
    expect(page.headers).toEqual({});
    const { status, json } = await runSandboxPage(h.gateway.graphqlUrl, page);
    expect(status).toBe(200);
    expect(json.errors).toBeUndefined();
    expect(json.data?.createOtaOrder?.replayed).toBe(false);
    expect(h.simulator.orders).toHaveLength(1);
  });

  it('gives every Sandbox page load a new idempotency key, so two loads place two orders', async () => {
    const h = await start();
    const first = await openSandboxPage(h.gateway.graphqlUrl);
    const second = await openSandboxPage(h.gateway.graphqlUrl);
    expect(second.variables.input.idempotencyKey).not.toBe(first.variables.input.idempotencyKey);

    const firstRun = await runSandboxPage(h.gateway.graphqlUrl, first);
    const secondRun = await runSandboxPage(h.gateway.graphqlUrl, second);
    expect(firstRun.json.data?.createOtaOrder?.replayed).toBe(false);
    expect(secondRun.json.data?.createOtaOrder?.replayed).toBe(false);
    expect(secondRun.json.data?.createOtaOrder?.orderId).not.toBe(firstRun.json.data?.createOtaOrder?.orderId);
    expect(h.simulator.orders).toHaveLength(2);

    // Run again on the same page: the replay the page's comment promises, and no new order.
    const again = await runSandboxPage(h.gateway.graphqlUrl, first);
    expect(again.json.data?.createOtaOrder).toEqual({ ...firstRun.json.data?.createOtaOrder, replayed: true });
    expect(h.simulator.orders).toHaveLength(2);
  });

  it('keeps Sandbox from sending Apollo telemetry unless SANDBOX_TELEMETRY is set', async () => {
    expect((await openSandboxPage((await start()).gateway.graphqlUrl)).runTelemetry).toBe(false);
    expect((await openSandboxPage((await start({ sandboxTelemetry: true })).gateway.graphqlUrl)).runTelemetry).toBe(true);
  });

  it("shows, where Sandbox cannot load from Apollo's CDN, the example with its key and a curl that orders as pasted", async () => {
    const h = await start();
    const page = await openSandboxPage(h.gateway.graphqlUrl);
    expect(page.fallback.text).toContain("Apollo's CDN");
    expect(page.fallback.text).toContain('schema/schema.graphql');
    expect(page.fallback.operation).toContain(SANDBOX_EXAMPLE_OPERATION.trim());
    expect(JSON.parse(page.fallback.variables)).toEqual(page.variables);
    // The page's script writes its own address into the command; before it runs, npm start's.
    expect(page.fallback.curl).toMatch(/^curl -s http:\/\/localhost:4000\/graphql \\\n/);
    const pasted = page.fallback.curl.replace('http://localhost:4000/graphql', h.gateway.graphqlUrl);
    const run = () =>
      promisify(execFile)('sh', ['-c', pasted]).then(
        ({ stdout }) => JSON.parse(stdout) as { data: { createOtaOrder: { orderId: string; replayed: boolean } } },
      );
    const first = await run();
    expect(first.data.createOtaOrder.replayed).toBe(false);
    expect(h.simulator.orders).toHaveLength(1);
    const again = await run();
    expect(again.data.createOtaOrder).toEqual({ ...first.data.createOtaOrder, replayed: true });
    expect(h.simulator.orders).toHaveLength(1);
  });

  it('lets a Sandbox example edited to a rejecting ICCID show the rejection, not a reused key', async () => {
    const h = await start();
    await runSandboxPage(h.gateway.graphqlUrl, await openSandboxPage(h.gateway.graphqlUrl));
    const page = await openSandboxPage(h.gateway.graphqlUrl);
    page.variables.input.deviceId = SIMULATOR_ICCIDS.rejected;
    const { json } = await runSandboxPage(h.gateway.graphqlUrl, page);
    expect(json.errors?.[0]?.extensions.code).toBe('CSSS_REJECTED');
  });

  it('refuses a request body over 64 KiB with HTTP 413 before CSSS is called', async () => {
    const h = await start();
    const response = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { ordersSimulated }', padding: 'x'.repeat(70 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(h.simulator.requests).toHaveLength(0);
  });

  it('says that orders are not simulated when it talks to a CSSS of its own', async () => {
    const h = await start();
    const { body } = await h.execute(OrdersSimulatedDocument, {});
    expect(body.data).toEqual({ ordersSimulated: false });
  });
});

describe('the embedded simulator, as `npm start` uses it', () => {
  it('places orders with no CSSS configured, says they are simulated and warns loudly', async () => {
    const h = await start({ embeddedSimulator: true });
    expect(h.gateway.simulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const simulated = await h.execute(OrdersSimulatedDocument, {});
    const placed = await h.execute(CreateOtaOrderDocument, { input: orderInput() });

    expect(simulated.body.data).toEqual({ ordersSimulated: true });
    expect(placed.body.errors).toBeUndefined();
    expect(placed.body.data?.createOtaOrder.orderId).toMatch(/^ORDER_\d+$/);
    const warning = h.logs.entries().find((entry) => entry.level === 40);
    expect(String(warning?.msg)).toContain('ORDERS ARE SIMULATED');
  });
});

describe('request bodies sent without a length', () => {
  it('refuses a chunked body over 64 KiB with HTTP 413', async () => {
    const h = await start();
    const oversized = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i += 1) controller.enqueue(new TextEncoder().encode('x'.repeat(10 * 1024)));
        controller.close();
      },
    });
    const response = await fetch(h.gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: oversized,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(h.simulator.requests).toHaveLength(0);
  });
});
