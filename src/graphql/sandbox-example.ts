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
 * The vendor's example order (a success ICCID, a Chinese plan name), defaults left out and
 * without an idempotency key. One copy for Sandbox, the README's example, the tests' orders
 * and the benchmark's request.
 */
export const EXAMPLE_ORDER_INPUT = {
  deviceId: EXAMPLE_ICCID,
  packageCode: 'DP20201218003915',
  packageName: 'T_T_T_0_P_S_中国100G/365天套餐',
  packageType: 'DAILY',
  days: 364,
  timingType: '1',
  payAmount: '0',
  payRst: 'UNPAID',
  payType: 'ALIPAY',
} as const;

/**
 * The key is new each time the server starts: the first run in Sandbox places an order and
 * running it again shows a replay (`replayed: true`), which is the contract to learn.
 * `orderPeriod` is spelled out so Sandbox shows a defaulted field too.
 */
export const SANDBOX_EXAMPLE_VARIABLES = {
  input: { idempotencyKey: randomUUID(), ...EXAMPLE_ORDER_INPUT, orderPeriod: 1 },
};
