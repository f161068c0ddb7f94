// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Field, ObjectType } from 'type-graphql';
import type { AttemptStatus } from '../journal/order-journal.js';
import { OtaOrderAttemptStatus } from './ota-order.graphql-enums.js';
import { OtaOrder } from './ota-order.type.js';

// simpleResolvers: plain fields read as graphql-js's default resolver reads them, without
// a type-graphql wrapper per field per request (no middlewares or auth checker use them).
@ObjectType({
  description: 'The latest attempt to place the order of one idempotencyKey, as the order journal records it.',
  simpleResolvers: true,
})
export class OtaOrderAttempt {
  @Field(() => String, { description: 'The idempotencyKey the order was sent with.' })
  idempotencyKey!: string;

  @Field(() => OtaOrderAttemptStatus, { description: 'What became of the attempt.' })
  status!: AttemptStatus;

  @Field(() => OtaOrder, {
    nullable: true,
    description:
      'The order, when CSSS accepted it (`status: SUCCEEDED`); null otherwise. Its `replayed` is always true here, by ' +
      'definition: this query only reads the journal and never places an order, so what it returns is always the stored ' +
      'outcome of an earlier createOtaOrder call. Whether that call was itself a first call or a retry is not recorded.',
  })
  order!: OtaOrder | null;

  @Field(() => String, { nullable: true, description: 'CSSS `code` of a rejection (`status: REJECTED`).' })
  csssCode!: string | null;

  @Field(() => String, { nullable: true, description: 'CSSS `message` of a rejection, in the language of the original call.' })
  csssMessage!: string | null;

  @Field(() => String, { description: 'When the attempt was first recorded (ISO 8601, UTC).' })
  createdAt!: string;

  @Field(() => String, { description: 'When the attempt last changed (ISO 8601, UTC).' })
  updatedAt!: string;
}
