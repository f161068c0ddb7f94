import { randomUUID } from 'node:crypto';
import type { CreateOtaOrderInput } from './gql/graphql.js';

/** The vendor's example order for the Node walk-throughs; the simulator answers some ICCIDs in fixed ways. */
export function walkThroughOrder(overrides: Partial<CreateOtaOrderInput> = {}): CreateOtaOrderInput {
  return {
    idempotencyKey: randomUUID(), // one per order the user asked for; reused on every retry of it
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
