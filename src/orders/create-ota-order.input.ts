// type-graphql's decorators need the Reflect metadata API before they run.
import 'reflect-metadata';
import { Field, InputType, Int } from 'type-graphql';
import './ota-order.graphql-enums.js';
import { PackageType, PayResult, PayType, type OtaOrderRequest } from './ota-order.model.js';

// Explicit type functions on every field keep the schema independent of emitted design
// metadata, so any TypeScript transformer builds the same schema.
@InputType({
  description:
    'One OTA data plan order for one SIM card. The gateway checks every rule below before anything is sent to CSSS. Every problem with the input (a broken rule, a missing, unknown or mistyped field) is answered together as one `BAD_USER_INPUT` error whose `extensions.violations` lists each `{ field, message }`.',
})
export class CreateOtaOrderInput implements OtaOrderRequest {
  @Field(() => String, {
    description:
      'Your key for this order, 1 to 255 printable ASCII characters; send a new UUID per order and reuse it for every retry of that order. ' +
      'The same key with the same order never orders twice: once the first call has finished, a retry gets its stored outcome again ' +
      '(the same OtaOrder with `replayed: true`, or the same error code), and while it is still running a retry gets ' +
      '`IDEMPOTENCY_KEY_IN_PROGRESS`. The same key with a different order gets `IDEMPOTENCY_KEY_REUSED`. Only an order that ended ' +
      '`CSSS_UNAVAILABLE` (never reached CSSS) is sent again on retry. Keys never expire and are scoped to the calling client.',
  })
  idempotencyKey!: string;

  @Field(() => String, {
    description: 'The SIM card\'s ICCID: 18 to 22 ASCII digits, e.g. "89852202101130001670". CSSS field `device_id`.',
  })
  deviceId!: string;

  @Field(() => String, {
    description:
      'Plan code from the CSSS plan catalogue, e.g. "DP20201218003915": 1 to 64 characters of A-Z, a-z, 0-9, "_" and "-". CSSS field `package_code`.',
  })
  packageCode!: string;

  @Field(() => String, {
    description:
      'Plan name as shown in the catalogue; may contain Chinese, e.g. "T_T_T_0_P_S_中国100G/365天套餐". 1 to 128 characters, no control characters, no unpaired UTF-16 surrogates. CSSS field `package_name`.',
  })
  packageName!: string;

  @Field(() => PackageType, { description: 'How the plan is counted. CSSS field `package_type`.' })
  packageType!: PackageType;

  @Field(() => Int, {
    defaultValue: 1,
    description: 'Number of periods ordered, 1 to 1000. Default 1. CSSS field `order_period` (sent as a string).',
  })
  orderPeriod!: number;

  @Field(() => Int, {
    description:
      'Plan length in days, 1 to 3660 (the vendor example orders a 365-day plan with 364). CSSS field `days` (sent as a JSON integer).',
  })
  days!: number;

  @Field(() => String, {
    description: 'How validity is counted: a CSSS numeric code of 1 to 10 ASCII digits, usually "1". CSSS field `timing_type`.',
  })
  timingType!: string;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Activate the plan immediately. OTA SIMs should leave this false. CSSS field `is_open` ("1"/"0").',
  })
  isOpen!: boolean;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Order as a primary-number plan; normally false. CSSS field `global_order` ("1"/"0").',
  })
  globalOrder!: boolean;

  @Field(() => String, {
    description:
      'Amount paid, as a decimal string with at most 2 fraction digits, e.g. "0" or "12.50"; sent to CSSS exactly as given. CSSS field `pay_amount`.',
  })
  payAmount!: string;

  @Field(() => PayResult, { description: 'Whether the customer has paid. CSSS field `pay_rst`.' })
  payRst!: PayResult;

  @Field(() => PayType, { description: 'How the customer pays. CSSS field `pay_type`.' })
  payType!: PayType;

  @Field(() => String, {
    defaultValue: '0',
    description: 'Test data volume, 1 to 10 ASCII digits. Default "0". CSSS field `test_flow`.',
  })
  testFlow!: string;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Marks the order as test data; normally false. CSSS field `test_flow_flag` ("1"/"0").',
  })
  testFlowFlag!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Mobile country code: exactly 3 ASCII digits, e.g. "460". Null or absent leaves it out of the CSSS request. CSSS field `mcc`.',
  })
  mcc?: string | null;
}
