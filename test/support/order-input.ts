import { randomUUID } from 'node:crypto';
import type { CreateOtaOrderInput } from '../generated/graphql.js';

/** The vendor's example order as a frontend would send it, defaults left out, with a new idempotency key. */
export function orderInput(overrides: Partial<CreateOtaOrderInput> = {}): CreateOtaOrderInput {
  return {
    idempotencyKey: randomUUID(),
    deviceId: '89852202101130001670',
    packageCode: 'DP20201218003915',
    packageName: 'T_T_T_0_P_S_中国100G/365天套餐',
    packageType: 'DAILY',
    days: 364,
    timingType: '1',
    payAmount: '0',
    payRst: 'UNPAID',
    payType: 'ALIPAY',
    ...overrides,
  };
}
