import { PackageType, PayResult, PayType, type OtaOrderRequest } from '../../src/orders/ota-order.model.js';

/** A complete, valid order in the gateway's vocabulary; tests override one field at a time. */
export function validOrder(overrides: Partial<OtaOrderRequest> = {}): OtaOrderRequest {
  return {
    deviceId: '89852202101130001670',
    packageCode: 'DP20201218003915',
    packageName: 'T_T_T_0_P_S_中国100G/365天套餐',
    packageType: PackageType.DAILY,
    orderPeriod: 1,
    days: 364,
    timingType: '1',
    isOpen: false,
    globalOrder: false,
    payAmount: '0',
    payRst: PayResult.UNPAID,
    payType: PayType.ALIPAY,
    testFlow: '0',
    testFlowFlag: false,
    mcc: null,
    ...overrides,
  };
}
