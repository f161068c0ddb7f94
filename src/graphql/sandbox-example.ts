import { randomUUID } from 'node:crypto';
import { EXAMPLE_ORDER_INPUT } from '../orders/ota-order.example.js';

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
 * `orderPeriod` is spelled out so Sandbox shows a defaulted field too.
 */
export const SANDBOX_EXAMPLE_VARIABLES = {
  input: { idempotencyKey: randomUUID(), ...EXAMPLE_ORDER_INPUT, orderPeriod: 1 },
};
