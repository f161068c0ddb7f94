// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';
import type { OtaOrderResult } from './ota-order.model.js';

// simpleResolvers: plain fields read as graphql-js's default resolver reads them, without
// a type-graphql wrapper per field per request (no middlewares or auth checker use them).
@ObjectType({ description: 'An OTA data plan order that CSSS accepted.', simpleResolvers: true })
export class OtaOrder implements OtaOrderResult {
  @Field(() => String, { description: "The platform's id of the SIM card. CSSS field `sim_id`." })
  simId!: string;

  @Field(() => String, {
    description: 'The new order\'s id, e.g. "ORDER_47452122261749760". Keep it to look the order up later. CSSS field `order_id`.',
  })
  orderId!: string;

  @Field(() => String, {
    description:
      'When CSSS placed the order, passed on exactly as CSSS sent it, never parsed or converted. The vendor documents it only ' +
      'as a string: neither its format nor its clock (time zone) is specified. The embedded simulator sends Beijing time ' +
      '(UTC+8, where CSSS runs) as `yyyy-MM-dd HH:mm:ss`, e.g. "2026-11-26 20:13:10"; that form is an assumption, not a ' +
      'promise, so show it as text and parse it only once your CSSS account confirms the form. It is not the `timestamp` ' +
      'the gateway signs requests with (Unix seconds). CSSS field `order_time`.',
  })
  orderTime!: string;

  @Field(() => Boolean, {
    description:
      'False on the call that placed the order. True when this is the stored outcome of an earlier call with the same idempotencyKey: no new order was placed.',
  })
  replayed!: boolean;
}
