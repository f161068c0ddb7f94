import { afterEach, describe, expect, it, vi } from 'vitest';
import { sign, type CsssParams } from '../../src/csss/csss.sign.js';
import { CREATE_OTA_ORDER_PATH } from '../../src/csss/csss.wire.js';
import { SIMULATOR_ERROR_CODES } from '../../src/simulator/simulator.codes.js';
import { EXAMPLE_ICCID } from '../../src/orders/ota-order.example.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { startCsssSimulator, type CsssSimulatorOptions, type RunningCsssSimulator } from '../../src/simulator/simulator.js';

/** 2026-11-26 12:13:10 UTC, which is 20:13:10 in Beijing. */
const NOW_MS = Date.UTC(2026, 10, 26, 12, 13, 10);
const NOW_SECONDS = String(NOW_MS / 1000);

type Body = Record<string, unknown>;

const running: RunningCsssSimulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((simulator) => simulator.close()));
});

async function start(options: CsssSimulatorOptions = {}): Promise<RunningCsssSimulator> {
  const simulator = await startCsssSimulator({ clock: () => NOW_MS, ...options });
  running.push(simulator);
  return simulator;
}

/** The vendor's example order, addressed to this simulator, with `sign` computed over the result. */
function signedBody(simulator: RunningCsssSimulator, overrides: Body = {}, omit: string[] = []): Body {
  const body: Body = {
    access_code: simulator.accessCode,
    device_id: EXAMPLE_ICCID,
    global_order: '0',
    is_open: '0',
    order_period: '1',
    package_code: 'DP20201218003915',
    package_name: 'T_T_T_0_P_S_中国100G/365天套餐',
    package_type: '1',
    pay_amount: '0',
    pay_rst: '1',
    pay_type: '2',
    test_flow: '0',
    test_flow_flag: '0',
    mcc: '',
    days: 364,
    timing_type: '1',
    timestamp: NOW_SECONDS,
    version: '2.0',
    ...overrides,
  };
  for (const key of omit) delete body[key];
  return { ...body, sign: sign(body as CsssParams, simulator.secret) };
}

function post(
  simulator: RunningCsssSimulator,
  body: Body | string,
  init: { headers?: Record<string, string>; signal?: AbortSignal; path?: string } = {},
): Promise<Response> {
  return fetch(`${simulator.url}${init.path ?? CREATE_OTA_ORDER_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

async function envelope(response: Response): Promise<Body> {
  expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  return (await response.json()) as Body;
}

describe('the CSSS simulator', () => {
  it('creates an order for a correctly signed request and answers with the success envelope', async () => {
    const simulator = await start();
    const body = signedBody(simulator);

    const response = await post(simulator, body);

    expect(response.status).toBe(200);
    const result = await envelope(response);
    expect(result).toEqual({
      code: '0000',
      success: true,
      message: '成功',
      data: {
        sim_id: expect.stringMatching(/^SIM[0-9]{12}$/),
        order_id: expect.stringMatching(/^ORDER_[0-9]{17}$/),
        order_time: '2026-11-26 20:13:10',
      },
    });
    const data = result.data as Record<string, string>;
    expect(simulator.orders).toEqual([{ orderId: data.order_id, simId: data.sim_id, orderTime: '2026-11-26 20:13:10', request: body }]);
  });

  it('gives every order a new id and the same SIM the same sim_id', async () => {
    const simulator = await start();

    const first = await envelope(await post(simulator, signedBody(simulator)));
    const second = await envelope(await post(simulator, signedBody(simulator)));
    const other = await envelope(await post(simulator, signedBody(simulator, { device_id: '8985220210113000167' })));

    const [a, b, c] = [first.data, second.data, other.data] as Record<string, string>[];
    expect(a?.order_id).not.toBe(b?.order_id);
    expect(a?.sim_id).toBe(b?.sim_id);
    expect(c?.sim_id).not.toBe(a?.sim_id);
    expect(simulator.orders).toHaveLength(3);
  });

  it('answers in Chinese by default and in English when Accept-Language is en-US in any case', async () => {
    const simulator = await start();

    const byDefault = await envelope(await post(simulator, signedBody(simulator)));
    const english = await envelope(await post(simulator, signedBody(simulator), { headers: { 'accept-language': 'en-US' } }));
    const shouting = await envelope(await post(simulator, signedBody(simulator), { headers: { 'accept-language': 'EN-US' } }));
    const other = await envelope(await post(simulator, signedBody(simulator), { headers: { 'accept-language': 'fr-FR' } }));

    expect(byDefault.message).toBe('成功');
    expect(english.message).toBe('success');
    expect(shouting.message).toBe('success');
    expect(other.message).toBe('成功');
  });

  it('accepts mcc as an empty string, as three digits, or left out', async () => {
    const simulator = await start();

    for (const body of [signedBody(simulator, { mcc: '' }), signedBody(simulator, { mcc: '460' }), signedBody(simulator, {}, ['mcc'])]) {
      expect(await envelope(await post(simulator, body))).toMatchObject({ code: '0000', success: true });
    }
    expect(simulator.orders).toHaveLength(3);
  });

  it('accepts a timestamp within the allowed clock skew', async () => {
    const simulator = await start({ maxClockSkewSeconds: 300 });

    const early = signedBody(simulator, { timestamp: String(NOW_MS / 1000 - 300) });
    const late = signedBody(simulator, { timestamp: String(NOW_MS / 1000 + 300) });

    expect(await envelope(await post(simulator, early))).toMatchObject({ code: '0000' });
    expect(await envelope(await post(simulator, late))).toMatchObject({ code: '0000' });
  });

  describe('rejects with success:false, its own code and no data', () => {
    async function rejection(simulator: RunningCsssSimulator, body: Body | string, headers: Record<string, string> = {}): Promise<Body> {
      const response = await post(simulator, body, { headers });
      expect(response.status).toBe(200);
      const result = await envelope(response);
      expect(result).toMatchObject({ success: false, data: null });
      expect(simulator.orders).toEqual([]);
      return result;
    }

    it('a sign that does not match the body', async () => {
      const simulator = await start();
      const body = { ...signedBody(simulator), package_code: 'DP20201218003916' };

      expect(await rejection(simulator, body)).toMatchObject({ code: '1005', message: '签名错误' });
    });

    it('a sign of the wrong length, without failing', async () => {
      const simulator = await start();

      expect(await rejection(simulator, { ...signedBody(simulator), sign: 'short' })).toMatchObject({ code: '1005' });
    });

    it('a body signed with another secret', async () => {
      const simulator = await start();
      const body = signedBody(simulator);
      // canonicalize() leaves the old sign out, so re-signing the whole body is enough.
      body.sign = sign(body as CsssParams, 'not-the-secret');

      expect(await rejection(simulator, body)).toMatchObject({ code: '1005' });
    });

    it('an access_code that is not the simulator’s', async () => {
      const simulator = await start();

      const result = await rejection(simulator, signedBody(simulator, { access_code: 'QY-000001' }), {
        'accept-language': 'en-US',
      });

      expect(result).toMatchObject({ code: '1002', message: 'Invalid access_code' });
    });

    it('a version other than 2.0', async () => {
      const simulator = await start();

      expect(await rejection(simulator, signedBody(simulator, { version: '1.0' }))).toMatchObject({ code: '1003' });
    });

    it('a timestamp older than the allowed clock skew', async () => {
      const simulator = await start({ maxClockSkewSeconds: 300 });

      const stale = signedBody(simulator, { timestamp: String(NOW_MS / 1000 - 301) });

      expect(await rejection(simulator, stale)).toMatchObject({ code: '1004' });
    });

    it('a timestamp in milliseconds', async () => {
      const simulator = await start();

      expect(await rejection(simulator, signedBody(simulator, { timestamp: String(NOW_MS) }))).toMatchObject({
        code: '1004',
      });
    });

    it('a missing required field, naming it', async () => {
      const simulator = await start();

      const result = await rejection(simulator, signedBody(simulator, {}, ['package_code']), { 'accept-language': 'en-US' });

      expect(result).toMatchObject({ code: '1001', message: 'Missing parameter: package_code' });
    });

    it('days sent as a string, naming it', async () => {
      const simulator = await start();

      const result = await rejection(simulator, signedBody(simulator, { days: '364' }));

      expect(result).toMatchObject({ code: '1001', message: '参数格式错误：days' });
    });

    it.each([
      ['device_id', '12345'],
      ['device_id', '8985220210113000167X'],
      ['package_type', '6'],
      ['pay_rst', '0'],
      ['pay_type', '3'],
      ['is_open', 'yes'],
      ['global_order', '2'],
      ['test_flow_flag', '1 '],
      ['pay_amount', '12.345'],
      ['pay_amount', '-1'],
      ['order_period', 'one'],
      ['mcc', '46'],
      ['days', 364.5],
      ['package_type', 1],
    ])('%s with the badly formed value %j', async (field, value) => {
      const simulator = await start();

      const result = await rejection(simulator, signedBody(simulator, { [field]: value }), { 'accept-language': 'en-US' });

      expect(result).toMatchObject({ code: '1001', message: `Invalid parameter: ${field}` });
    });

    it('a Content-Type other than application/json', async () => {
      const simulator = await start();

      const result = await rejection(simulator, JSON.stringify(signedBody(simulator)), { 'content-type': 'text/plain' });

      expect(result).toMatchObject({ code: '1000' });
    });

    it('malformed JSON, or JSON that is not an object', async () => {
      const simulator = await start();

      expect(await rejection(simulator, '{"access_code":')).toMatchObject({ code: '1000' });
      expect(await rejection(simulator, '[1,2]')).toMatchObject({ code: '1000' });
    });

    it('a body larger than maxBodyBytes', async () => {
      const simulator = await start({ maxBodyBytes: 1024 });

      const result = await rejection(simulator, signedBody(simulator, { package_name: 'x'.repeat(2000) }));

      expect(result).toMatchObject({ code: '1000' });
    });

    it('the rejected scenario ICCID, in the caller’s language', async () => {
      const simulator = await start();
      const body = signedBody(simulator, { device_id: SIMULATOR_ICCIDS.rejected });

      expect(await rejection(simulator, body)).toMatchObject({ code: '2001', message: 'SIM卡不存在' });
      expect(await rejection(simulator, body, { 'accept-language': 'en-US' })).toMatchObject({
        code: '2001',
        message: 'SIM card not found',
      });
    });
  });

  it('accepts a Content-Type with a charset parameter', async () => {
    const simulator = await start();

    const response = await post(simulator, signedBody(simulator), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });

    expect(await envelope(response)).toMatchObject({ code: '0000' });
  });

  it('answers 404 with an envelope for any other path or method', async () => {
    const simulator = await start();

    const otherPath = await post(simulator, signedBody(simulator), { path: '/package/createOrder' });
    const otherMethod = await fetch(`${simulator.url}${CREATE_OTA_ORDER_PATH}`);

    for (const response of [otherPath, otherMethod]) {
      expect(response.status).toBe(404);
      expect(await envelope(response)).toMatchObject({ code: '404', success: false, data: null });
    }
  });

  it('exports the codes it answers with', () => {
    expect(SIMULATOR_ERROR_CODES).toEqual({
      badRequest: '1000',
      invalidParameter: '1001',
      invalidAccessCode: '1002',
      unsupportedVersion: '1003',
      timestampExpired: '1004',
      invalidSign: '1005',
      simNotFound: '2001',
      notFound: '404',
    });
  });

  describe('scenario ICCIDs', () => {
    it('answers HTTP 500 with a small JSON body for the server-error ICCID', async () => {
      const simulator = await start();

      const response = await post(simulator, signedBody(simulator, { device_id: SIMULATOR_ICCIDS.serverError }));

      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ status: 500, error: 'Internal Server Error' });
      expect(simulator.orders).toEqual([]);
    });

    it('answers 200 with an HTML page for the garbage ICCID', async () => {
      const simulator = await start();

      const response = await post(simulator, signedBody(simulator, { device_id: SIMULATOR_ICCIDS.garbage }));

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/^<!DOCTYPE html>/);
    });

    it('answers 200 with half a JSON envelope for the truncated ICCID', async () => {
      const simulator = await start();

      const response = await post(simulator, signedBody(simulator, { device_id: SIMULATOR_ICCIDS.truncated }));

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      const text = await response.text();
      expect(text).toMatch(/^\{"code":"0000","success":true/);
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
    });

    it('never answers for the hang ICCID', async () => {
      const simulator = await start();
      const startedAt = Date.now();

      const pending = post(simulator, signedBody(simulator, { device_id: SIMULATOR_ICCIDS.hang }), {
        signal: AbortSignal.timeout(200),
      });

      await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
      expect(simulator.requests).toHaveLength(1);
    });

    it('drops the connection of a hung request after hangMs', async () => {
      const simulator = await start({ hangMs: 100 });

      const pending = post(simulator, signedBody(simulator, { device_id: SIMULATOR_ICCIDS.hang }));

      await expect(pending).rejects.toThrow(TypeError);
    });

    it('applies a scenario only to a request that passed every check', async () => {
      const simulator = await start();
      const body = { ...signedBody(simulator, { device_id: SIMULATOR_ICCIDS.hang }), sign: 'forged' };

      const response = await post(simulator, body, { signal: AbortSignal.timeout(5_000) });

      expect(await envelope(response)).toMatchObject({ code: '1005', success: false });
    });
  });

  it('records every request as received, rejected ones included', async () => {
    const simulator = await start();
    const good = signedBody(simulator);

    await post(simulator, good, { headers: { 'Accept-Language': 'en-US', 'X-Trace': 'abc' } });
    await post(simulator, { ...good, sign: 'forged' });
    await post(simulator, 'not json', { headers: { 'content-type': 'text/plain' } });
    await fetch(`${simulator.url}/nowhere?x=1`);

    expect(simulator.requests).toHaveLength(4);
    const [first, second, third, fourth] = simulator.requests;
    expect(first).toMatchObject({ method: 'POST', path: CREATE_OTA_ORDER_PATH, rawBody: JSON.stringify(good), body: good });
    expect(first?.headers).toMatchObject({ 'accept-language': 'en-US', 'x-trace': 'abc', 'content-type': 'application/json' });
    expect(second?.body).toMatchObject({ sign: 'forged' });
    expect(third).toMatchObject({ rawBody: 'not json', body: undefined });
    expect(third?.headers['content-type']).toBe('text/plain');
    expect(fourth).toMatchObject({ method: 'GET', path: '/nowhere?x=1', rawBody: '', body: undefined });
    expect(simulator.orders).toHaveLength(1);
  });

  it('keeps only the latest maxRecorded requests and orders, and none with 0, while still answering', async () => {
    const capped = await start({ maxRecorded: 2 });
    const bodies = [signedBody(capped), { ...signedBody(capped), sign: 'forged' }, signedBody(capped)];
    for (const body of bodies) await post(capped, body);

    expect(capped.requests.map((request) => request.body)).toEqual(bodies.slice(1));
    expect(capped.orders).toHaveLength(2);
    expect(capped.orders[1]?.request).toEqual(bodies[2]);

    const none = await start({ maxRecorded: 0 });
    const response = await post(none, signedBody(none));
    expect(await envelope(response)).toMatchObject({ success: true });
    expect(none.requests).toHaveLength(0);
    expect(none.orders).toHaveLength(0);
  });

  it('generates a different access code and secret for each simulator unless given', async () => {
    const [one, two] = await Promise.all([start({ clock: undefined }), start()]);
    const given = await start({ accessCode: 'QY-000001', secret: 'demo-secret' });

    expect(one.accessCode).toMatch(/^SIM-[0-9A-F]+$/);
    expect(one.accessCode).not.toBe(two.accessCode);
    expect(one.secret).not.toBe(two.secret);
    expect(Buffer.from(one.secret, 'base64url')).toHaveLength(32);
    expect(given).toMatchObject({ accessCode: 'QY-000001', secret: 'demo-secret' });
    expect(one.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
  });

  it('closes promptly while a hung request is still open', async () => {
    const simulator = await startCsssSimulator({ clock: () => NOW_MS });
    const pending = post(simulator, signedBody(simulator, { device_id: SIMULATOR_ICCIDS.hang }));
    const outcome = pending.then(
      () => 'answered',
      () => 'dropped',
    );
    await vi.waitFor(() => expect(simulator.requests).toHaveLength(1));

    const startedAt = Date.now();
    await simulator.close();

    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(await outcome).toBe('dropped');
  });
});
