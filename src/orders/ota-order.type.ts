// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';
import type { OtaOrderResult } from './ota-order.model.js';

@ObjectType({ description: 'An OTA data plan order that CSSS accepted.' })
export class OtaOrder implements OtaOrderResult {
  @Field(() => String, { description: 'The platform\'s id of the SIM card. CSSS field `sim_id`.' })
  simId!: string;

  @Field(() => String, {
    description: 'The new order\'s id, e.g. "ORDER_47452122261749760". Keep it to look the order up later. CSSS field `order_id`.',
  })
  orderId!: string;

  @Field(() => String, {
    description: 'When CSSS placed the order, exactly as CSSS sent it (the format is not documented by the vendor). CSSS field `order_time`.',
  })
  orderTime!: string;

  @Field(() => Boolean, {
    description:
      'False on the call that placed the order. True when this is the stored outcome of an earlier call with the same idempotencyKey: no new order was placed.',
  })
  replayed!: boolean;
}
