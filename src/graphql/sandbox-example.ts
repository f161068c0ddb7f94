import { randomUUID } from 'node:crypto';
import { EXAMPLE_ICCID } from '../simulator/simulator.scenarios.js';

/**
 * The operation Apollo Sandbox opens with. Codegen validates it against the schema
 * (see codegen.yml), so a schema change that breaks it fails the drift check.
 */
export const SANDBOX_EXAMPLE_OPERATION = /* GraphQL */ `
  mutation OrderOtaPlanExample($input: CreateOtaOrderInput!) {
    createOtaOrder(input: $input) {
      simId
      orderId
      orderTime
      replayed
    }
  }
`;

/**
 * The key is new each time the server starts: the first run in Sandbox places an order and
 * running it again shows a replay (`replayed: true`), which is the contract to learn.
 */
export const SANDBOX_EXAMPLE_VARIABLES = {
  input: {
    idempotencyKey: randomUUID(),
    deviceId: EXAMPLE_ICCID,
    packageCode: 'DP20201218003915',
    packageName: 'T_T_T_0_P_S_中国100G/365天套餐',
    packageType: 'DAILY',
    orderPeriod: 1,
    days: 364,
    timingType: '1',
    payAmount: '0',
    payRst: 'UNPAID',
    payType: 'ALIPAY',
  },
};
