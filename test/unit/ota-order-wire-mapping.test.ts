import { describe, expect, it } from 'vitest';
import { PackageType, PayResult, PayType } from '../../src/orders/ota-order.model.js';
import { fromCreateOtaOrderWire, toCreateOtaOrderWire } from '../../src/orders/ota-order.wire-mapping.js';
import { validOrder } from '../support/valid-order.js';

describe('mapping orders to the CSSS wire format', () => {
  it('maps the vendor example to exactly the vendor example fields and types', () => {
    expect(toCreateOtaOrderWire(validOrder())).toStrictEqual({
      device_id: '89852202101130001670',
      package_code: 'DP20201218003915',
      package_name: 'T_T_T_0_P_S_中国100G/365天套餐',
      package_type: '1',
      order_period: '1',
      days: 364,
      timing_type: '1',
      is_open: '0',
      global_order: '0',
      pay_amount: '0',
      pay_rst: '1',
      pay_type: '2',
      test_flow: '0',
      test_flow_flag: '0',
    });
  });

  it.each([
    [PackageType.UNLIMITED_DAILY, '0'],
    [PackageType.DAILY, '1'],
    [PackageType.MONTHLY, '2'],
    [PackageType.QUARTERLY, '3'],
    [PackageType.HALF_YEARLY, '4'],
    [PackageType.YEARLY, '5'],
  ])('sends package type %s as "%s"', (packageType, code) => {
    expect(toCreateOtaOrderWire(validOrder({ packageType })).package_type).toBe(code);
  });

  it.each([
    [PayResult.UNPAID, '1'],
    [PayResult.PAID, '2'],
  ])('sends pay result %s as "%s"', (payRst, code) => {
    expect(toCreateOtaOrderWire(validOrder({ payRst })).pay_rst).toBe(code);
  });

  it.each([
    [PayType.IPAY88, '0'],
    [PayType.WECHAT_PAY, '1'],
    [PayType.ALIPAY, '2'],
  ])('sends pay type %s as "%s"', (payType, code) => {
    expect(toCreateOtaOrderWire(validOrder({ payType })).pay_type).toBe(code);
  });

  it('sends true flags as "1", the period as a string and the amount verbatim', () => {
    const wire = toCreateOtaOrderWire(
      validOrder({ isOpen: true, globalOrder: true, testFlowFlag: true, orderPeriod: 12, payAmount: '12.50' }),
    );
    expect(wire).toMatchObject({ is_open: '1', global_order: '1', test_flow_flag: '1', order_period: '12', pay_amount: '12.50' });
  });

  it('sends mcc only when it is given', () => {
    expect(toCreateOtaOrderWire(validOrder({ mcc: '460' })).mcc).toBe('460');
    expect('mcc' in toCreateOtaOrderWire(validOrder({ mcc: null }))).toBe(false);
    expect('mcc' in toCreateOtaOrderWire(validOrder({ mcc: undefined }))).toBe(false);
  });

  it('maps the CSSS answer back unchanged', () => {
    expect(
      fromCreateOtaOrderWire({ sim_id: 'SIM1', order_id: 'ORDER_47452122261749760', order_time: '2026-11-26 20:13:10' }),
    ).toStrictEqual({ simId: 'SIM1', orderId: 'ORDER_47452122261749760', orderTime: '2026-11-26 20:13:10' });
  });
});
