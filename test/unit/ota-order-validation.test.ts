import { describe, expect, it } from 'vitest';
import type { OtaOrderRequest } from '../../src/orders/ota-order.model.js';
import { findOrderViolations } from '../../src/orders/ota-order.validation.js';
import { validOrder } from '../support/valid-order.js';

type Case<K extends keyof OtaOrderRequest> = [K, OtaOrderRequest[K]];

function fieldsViolated(overrides: Partial<OtaOrderRequest>): string[] {
  return findOrderViolations(validOrder(overrides)).map((violation) => violation.field);
}

describe('order validation', () => {
  it('accepts the vendor example order', () => {
    expect(findOrderViolations(validOrder())).toEqual([]);
  });

  it.each<Case<keyof OtaOrderRequest>>([
    ['deviceId', '898522021011300016'],
    ['deviceId', '8985220210113000167012'],
    ['packageCode', 'A'],
    ['packageCode', 'a'.repeat(64)],
    ['packageCode', 'DP-2020_12'],
    ['packageName', 'x'],
    ['packageName', '中'.repeat(128)],
    ['packageName', 'Global 1GB "Lite" / 30 days \\ test'],
    ['packageName', 'Plan 🛰️ 5G'],
    ['orderPeriod', 1],
    ['orderPeriod', 1000],
    ['days', 1],
    ['days', 3660],
    ['timingType', '0'],
    ['timingType', '1234567890'],
    ['payAmount', '0'],
    ['payAmount', '12.5'],
    ['payAmount', '12.50'],
    ['payAmount', '100000'],
    ['testFlow', '0'],
    ['testFlow', '1024'],
    ['mcc', '460'],
    ['mcc', null],
    ['mcc', undefined],
  ])('accepts %s = %j', (field, value) => {
    expect(fieldsViolated({ [field]: value })).toEqual([]);
  });

  it.each<Case<keyof OtaOrderRequest>>([
    ['deviceId', ''],
    ['deviceId', '89852202101130001'],
    ['deviceId', '89852202101130001670123'],
    ['deviceId', '8985220210113000167a'],
    ['deviceId', ' 89852202101130001670'],
    ['deviceId', '８９８５２２０２１０１１３０００１６７０'],
    ['deviceId', '٨٩٨٥٢٢٠٢١٠١١٣٠٠٠١٦٧٠'],
    ['packageCode', ''],
    ['packageCode', 'a'.repeat(65)],
    ['packageCode', 'DP 2020'],
    ['packageCode', 'DP/2020'],
    ['packageCode', 'ＤＰ2020'],
    ['packageName', ''],
    ['packageName', '中'.repeat(129)],
    ['packageName', 'line\nbreak'],
    ['packageName', 'Plan \ud800'],
    ['packageName', '\udc00 Plan'],
    ['packageName', 'Plan \ude80\ud83d'],
    ['packageName', 'tab\there'],
    ['packageName', 'nul\u0000'],
    ['packageName', 'del\u007f'],
    ['orderPeriod', 0],
    ['orderPeriod', 1001],
    ['orderPeriod', -1],
    ['days', 0],
    ['days', 3661],
    ['timingType', ''],
    ['timingType', '12345678901'],
    ['timingType', '１'],
    ['timingType', '٣'],
    ['timingType', '1.0'],
    ['payAmount', ''],
    ['payAmount', '-1'],
    ['payAmount', '12.345'],
    ['payAmount', '12.'],
    ['payAmount', '.5'],
    ['payAmount', '01'],
    ['payAmount', '1e3'],
    ['payAmount', '１２'],
    ['payAmount', '١٢'],
    ['payAmount', '12,50'],
    ['testFlow', ''],
    ['testFlow', '-1'],
    ['testFlow', '０'],
    ['mcc', ''],
    ['mcc', '46'],
    ['mcc', '4600'],
    ['mcc', '４６０'],
    ['mcc', '٤٦٠'],
  ])('rejects %s = %j and names the field', (field, value) => {
    expect(fieldsViolated({ [field]: value })).toEqual([field]);
  });

  it('reports every broken field at once, each with a message a developer can act on', () => {
    const violations = findOrderViolations(validOrder({ deviceId: '1', days: 0, mcc: 'abc' }));
    expect(violations.map((violation) => violation.field)).toEqual(['deviceId', 'days', 'mcc']);
    expect(violations[0]?.message).toMatch(/18 to 22 ASCII digits/);
  });
});
