import { randomUUID } from 'node:crypto';
import { EXAMPLE_ORDER_INPUT } from '../../src/orders/ota-order.example.js';
import type { CreateOtaOrderInput } from '../generated/graphql.js';

/** The vendor's example order as a frontend would send it, defaults left out, with a new idempotency key. */
export function orderInput(overrides: Partial<CreateOtaOrderInput> = {}): CreateOtaOrderInput {
  return { idempotencyKey: randomUUID(), ...EXAMPLE_ORDER_INPUT, ...overrides };
}
