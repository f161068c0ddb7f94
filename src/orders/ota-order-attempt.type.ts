// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { ATTEMPT_STATUSES, type AttemptStatus } from '../journal/order-journal.js';
import { OtaOrder } from './ota-order.type.js';

/** The journal's statuses as a GraphQL enum: derived, so the two can never drift apart. */
export const OtaOrderAttemptStatus = Object.fromEntries(ATTEMPT_STATUSES.map((status) => [status, status])) as {
  [S in AttemptStatus]: S;
};

registerEnumType(OtaOrderAttemptStatus, {
  name: 'OtaOrderAttemptStatus',
  description: 'What became of an order attempt.',
  valuesConfig: {
    PENDING: { description: 'Being sent to CSSS now; ask again shortly.' },
    SUCCEEDED: { description: 'CSSS accepted the order; `order` holds it.' },
    REJECTED: { description: 'CSSS refused the order; `csssCode` and `csssMessage` say why. No order exists.' },
    NOT_SENT: { description: 'CSSS could not be reached; no order exists. A retry with the same key sends it again.' },
    UNKNOWN: {
      description:
        'The order may or may not exist at CSSS. It is never sent again under this key; an operator settles it with CSSS.',
    },
  },
});

@ObjectType({ description: 'The latest attempt to place the order of one idempotencyKey, as the order journal records it.' })
export class OtaOrderAttempt {
  @Field(() => String, { description: 'The idempotencyKey the order was sent with.' })
  idempotencyKey!: string;

  @Field(() => OtaOrderAttemptStatus, { description: 'What became of the attempt.' })
  status!: AttemptStatus;

  @Field(() => OtaOrder, { nullable: true, description: 'The order, when CSSS accepted it (`status: SUCCEEDED`).' })
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
