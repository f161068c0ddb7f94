import { afterEach, describe, expect, it } from 'vitest';
import { CsssHttpClient } from '../../src/csss/csss.client.js';
import { CsssOutcomeUnknownError, CsssRejectedError } from '../../src/csss/csss.errors.js';
import { sign, type CsssParams } from '../../src/csss/csss.sign.js';
import type { CreateOtaOrderWireRequest } from '../../src/csss/csss.wire.js';
import { QUERY_ORDER_PATH } from '../../src/csss/query-order.wire.js';
import { toCreateOtaOrderWire } from '../../src/orders/ota-order.wire-mapping.js';
import { SIMULATOR_ERROR_CODES } from '../../src/simulator/simulator.codes.js';
import { SIMULATOR_ICCIDS } from '../../src/simulator/simulator.scenarios.js';
import { startCsssSimulator, type RunningCsssSimulator } from '../../src/simulator/simulator.js';
import { validOrder } from '../support/valid-order.js';

/** 2026-11-26 12:13:10 UTC, which is 20:13:10 in Beijing. */
const NOW_MS = Date.UTC(2026, 10, 26, 12, 13, 10);
const ICCID = '89852202101130001670';
const OTHER_ICCID = '89852202101130009999';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((closable) => closable.close()));
});

async function simulatorAndClient(
  options: { maxPlaced?: number } = {},
): Promise<{ simulator: RunningCsssSimulator; client: CsssHttpClient }> {
  const simulator = await startCsssSimulator({ clock: () => NOW_MS, hangMs: 60_000, ...options });
  const client = new CsssHttpClient({
    baseUrl: simulator.url,
    accessCode: simulator.accessCode,
    secret: simulator.secret,
    timeoutMs: 300,
    clock: () => NOW_MS,
  });
  running.push(simulator, client);
  return { simulator, client };
}

function wireOrder(deviceId: string): CreateOtaOrderWireRequest {
  return toCreateOtaOrderWire(validOrder({ deviceId }));
}

const language = 'en-US' as const;

describe('the simulator serves POST /package/queryOrder', () => {
  it('lists the orders it placed for a SIM, newest first, with orderCode, orderStatus and orderDate in Beijing time', async () => {
    const { client } = await simulatorAndClient();
    const first = await client.createOtaOrder(wireOrder(ICCID), { language });
    const second = await client.createOtaOrder(wireOrder(ICCID), { language });
    await client.createOtaOrder(wireOrder(OTHER_ICCID), { language });

    const data = await client.queryOrder({ device_id: ICCID, page_no: 1, page_size: 10 }, { language });

    expect(data.page).toStrictEqual({ cur_page_no: 1, page_size: 10, total_count: 2, total_pages: 1 });
    expect(data.package_order_num).toBe(2);
    expect(data.package_order.map((order) => [order.orderCode, order.orderStatus, order.orderDate])).toEqual([
      [second.order_id, '1', '2026-11-26 20:13:10'],
      [first.order_id, '1', '2026-11-26 20:13:10'],
    ]);
  });

  it('filters by order_id and pages with page_no and page_size', async () => {
    const { client } = await simulatorAndClient();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await client.createOtaOrder(wireOrder(ICCID), { language })).order_id);

    const byId = await client.queryOrder({ order_id: ids[2], page_no: 1, page_size: 10 }, { language });
    expect(byId.package_order.map((order) => order.orderCode)).toEqual([ids[2]]);

    const pages = await Promise.all(
      [1, 2, 3].map((pageNo) => client.queryOrder({ device_id: ICCID, page_no: pageNo, page_size: 2 }, { language })),
    );
    expect(pages.map((page) => page.page)).toEqual([
      { cur_page_no: 1, page_size: 2, total_count: 5, total_pages: 3 },
      { cur_page_no: 2, page_size: 2, total_count: 5, total_pages: 3 },
      { cur_page_no: 3, page_size: 2, total_count: 5, total_pages: 3 },
    ]);
    expect(pages.flatMap((page) => page.package_order.map((order) => order.orderCode))).toEqual([...ids].reverse());
  });

  it('lists only the latest maxPlaced orders once more were placed, newest first, and none with maxPlaced 0', async () => {
    const { simulator, client } = await simulatorAndClient({ maxPlaced: 3 });
    const ids: string[] = [];
    for (let index = 0; index < 7; index += 1) ids.push((await client.createOtaOrder(wireOrder(ICCID), { language })).order_id);

    const listed = await client.queryOrder({ device_id: ICCID, page_no: 1, page_size: 10 }, { language });
    expect(listed.page.total_count).toBe(3);
    expect(listed.package_order.map((order) => order.orderCode)).toEqual(ids.slice(4).reverse());
    expect(simulator.placed.map((order) => order.orderId)).toEqual(ids.slice(4));

    const none = await simulatorAndClient({ maxPlaced: 0 });
    await none.client.createOtaOrder(wireOrder(ICCID), { language });
    expect((await none.client.queryOrder({ device_id: ICCID, page_no: 1, page_size: 10 }, { language })).package_order).toEqual([]);
    expect(none.simulator.placed).toEqual([]);
  });

  it('lists an order whose answer it withheld, and none for a request it dropped before placing', async () => {
    const { simulator, client } = await simulatorAndClient();
    await expect(client.createOtaOrder(wireOrder(SIMULATOR_ICCIDS.answerWithheld), { language })).rejects.toBeInstanceOf(
      CsssOutcomeUnknownError,
    );
    await expect(client.createOtaOrder(wireOrder(SIMULATOR_ICCIDS.hang), { language })).rejects.toBeInstanceOf(CsssOutcomeUnknownError);

    const withheld = await client.queryOrder({ device_id: SIMULATOR_ICCIDS.answerWithheld, page_no: 1, page_size: 10 }, { language });
    const dropped = await client.queryOrder({ device_id: SIMULATOR_ICCIDS.hang, page_no: 1, page_size: 10 }, { language });

    expect(simulator.placed).toHaveLength(1);
    expect(simulator.placed[0]).toMatchObject({ deviceId: SIMULATOR_ICCIDS.answerWithheld, answered: false });
    expect(simulator.orders).toEqual([]);
    expect(withheld.package_order.map((order) => order.orderCode)).toEqual([simulator.placed[0]!.orderId]);
    expect(dropped.package_order).toEqual([]);
    expect(dropped.page.total_count).toBe(0);
  });

  it('checks the global parameters and the sign, and requires page_no and page_size', async () => {
    const { simulator, client } = await simulatorAndClient();
    const post = async (body: Record<string, unknown>) =>
      (await (
        await fetch(`${simulator.url}${QUERY_ORDER_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as { code: string; success: boolean; data: unknown };
    const signed = (params: Record<string, unknown>) => ({ ...params, sign: sign(params as CsssParams, simulator.secret) });
    const globals = { access_code: simulator.accessCode, timestamp: String(NOW_MS / 1000), version: '2.0' };

    expect(await post(signed({ ...globals, page_no: 1, page_size: 10 }))).toMatchObject({ code: '0000', success: true });
    expect(await post({ ...signed({ ...globals, page_no: 1, page_size: 10 }), device_id: ICCID })).toMatchObject({
      code: SIMULATOR_ERROR_CODES.invalidSign,
      success: false,
    });
    expect(await post(signed({ ...globals, page_size: 10 }))).toMatchObject({ code: SIMULATOR_ERROR_CODES.invalidParameter });
    expect(await post(signed({ ...globals, page_no: '1', page_size: 10 }))).toMatchObject({
      code: SIMULATOR_ERROR_CODES.invalidParameter,
    });
    expect(await post(signed({ ...globals, access_code: 'SOMEONE-ELSE', page_no: 1, page_size: 10 }))).toMatchObject({
      code: SIMULATOR_ERROR_CODES.invalidAccessCode,
    });

    const wrongSecret = new CsssHttpClient({
      baseUrl: simulator.url,
      accessCode: simulator.accessCode,
      secret: 'not-the-secret',
      timeoutMs: 1_000,
      clock: () => NOW_MS,
    });
    running.push(wrongSecret);
    await expect(wrongSecret.queryOrder({ page_no: 1, page_size: 10 }, { language })).rejects.toBeInstanceOf(CsssRejectedError);
    expect(await client.queryOrder({ page_no: 1, page_size: 10 }, { language })).toMatchObject({ package_order: [] });
  });
});
