/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** One OTA data plan order for one SIM card. The gateway checks every rule below before anything is sent to CSSS. Every problem with the input (a broken rule, a missing, unknown or mistyped field) is answered together as one `BAD_USER_INPUT` error whose `extensions.violations` lists each `{ field, message }`. */
export type CreateOtaOrderInput = {
  /** Plan length in days, 1 to 3660 (the vendor example orders a 365-day plan with 364). CSSS field `days` (sent as a JSON integer). */
  days: number;
  /** The SIM card's ICCID: 18 to 22 ASCII digits, e.g. "89852202101130001670". CSSS field `device_id`. */
  deviceId: string;
  /** Order as a primary-number plan; normally false. CSSS field `global_order` ("1"/"0"). */
  globalOrder?: boolean;
  /** Your key for this order, 1 to 255 printable ASCII characters; send a new UUID per order and reuse it for every retry of that order. The same key with the same order never orders twice: once the first call has finished, a retry gets its stored outcome again (the same OtaOrder with `replayed: true`, or the same error code), and while it is still running a retry gets `IDEMPOTENCY_KEY_IN_PROGRESS`. The same key with a different order gets `IDEMPOTENCY_KEY_REUSED`. Only an order that ended `CSSS_UNAVAILABLE` (never reached CSSS) is sent again on retry. Keys never expire and are scoped to the calling client. */
  idempotencyKey: string;
  /** Activate the plan immediately. OTA SIMs should leave this false. CSSS field `is_open` ("1"/"0"). */
  isOpen?: boolean;
  /** Mobile country code: exactly 3 ASCII digits, e.g. "460". Null or absent leaves it out of the CSSS request. CSSS field `mcc`. */
  mcc?: string | null | undefined;
  /** Number of periods ordered, 1 to 1000. Default 1. CSSS field `order_period` (sent as a string). */
  orderPeriod?: number;
  /** Plan code from the CSSS plan catalogue, e.g. "DP20201218003915": 1 to 64 characters of A-Z, a-z, 0-9, "_" and "-". CSSS field `package_code`. */
  packageCode: string;
  /** Plan name as shown in the catalogue; may contain Chinese, e.g. "T_T_T_0_P_S_中国100G/365天套餐". 1 to 128 characters, no control characters, no unpaired UTF-16 surrogates. CSSS field `package_name`. */
  packageName: string;
  /** How the plan is counted. CSSS field `package_type`. */
  packageType: PackageType;
  /** Amount paid, as a decimal string with at most 2 fraction digits, e.g. "0" or "12.50"; sent to CSSS exactly as given. CSSS field `pay_amount`. */
  payAmount: string;
  /** Whether the customer has paid. CSSS field `pay_rst`. */
  payRst: PayResult;
  /** How the customer pays. CSSS field `pay_type`. */
  payType: PayType;
  /** Test data volume, 1 to 10 ASCII digits. Default "0". CSSS field `test_flow`. */
  testFlow?: string;
  /** Marks the order as test data; normally false. CSSS field `test_flow_flag` ("1"/"0"). */
  testFlowFlag?: boolean;
  /** How validity is counted: a CSSS numeric code of 1 to 10 ASCII digits, usually "1". CSSS field `timing_type`. */
  timingType: string;
};

/** What became of an order attempt. */
export type OtaOrderAttemptStatus =
  /** CSSS could not be reached; no order exists. A retry with the same key sends it again. */
  | 'NOT_SENT'
  /** Being sent to CSSS now; ask again shortly. */
  | 'PENDING'
  /** CSSS refused the order; `csssCode` and `csssMessage` say why. No order exists. */
  | 'REJECTED'
  /** CSSS accepted the order; `order` holds it. */
  | 'SUCCEEDED'
  /** The order may or may not exist at CSSS. It is never sent again under this key; an operator settles it with CSSS. */
  | 'UNKNOWN';

/** How the data plan is counted. Sent to CSSS as `package_type` "0" to "5". */
export type PackageType =
  /** Daily plan (CSSS `package_type` "1"). */
  | 'DAILY'
  /** Six-month plan (CSSS `package_type` "4"). */
  | 'HALF_YEARLY'
  /** Monthly plan (CSSS `package_type` "2"). */
  | 'MONTHLY'
  /** Three-month plan (CSSS `package_type` "3"). */
  | 'QUARTERLY'
  /** Unlimited daily plan (CSSS `package_type` "0"). */
  | 'UNLIMITED_DAILY'
  /** Yearly plan (CSSS `package_type` "5"). */
  | 'YEARLY';

/** Whether the end customer has paid for the plan. Sent to CSSS as `pay_rst`. */
export type PayResult =
  /** Paid (CSSS `pay_rst` "2"). */
  | 'PAID'
  /** Not paid yet (CSSS `pay_rst` "1"). */
  | 'UNPAID';

/** How the end customer pays. Sent to CSSS as `pay_type`. */
export type PayType =
  /** Alipay (CSSS `pay_type` "2"). */
  | 'ALIPAY'
  /** iPay88 (CSSS `pay_type` "0"). */
  | 'IPAY88'
  /** WeChat Pay (CSSS `pay_type` "1"). */
  | 'WECHAT_PAY';

export type OrderOtaPlanExampleMutationVariables = Exact<{
  input: CreateOtaOrderInput;
}>;


export type OrderOtaPlanExampleMutation = { createOtaOrder: { simId: string, orderId: string, orderTime: string, replayed: boolean } };

export type CreateOtaOrderMutationVariables = Exact<{
  input: CreateOtaOrderInput;
}>;


export type CreateOtaOrderMutation = { createOtaOrder: { simId: string, orderId: string, orderTime: string, replayed: boolean } };

export type OrdersSimulatedQueryVariables = Exact<{ [key: string]: never; }>;


export type OrdersSimulatedQuery = { ordersSimulated: boolean };

export type OtaOrderAttemptQueryVariables = Exact<{
  idempotencyKey: string;
}>;


export type OtaOrderAttemptQuery = { otaOrderAttempt: { idempotencyKey: string, status: OtaOrderAttemptStatus, csssCode: string | null, csssMessage: string | null, createdAt: string, updatedAt: string, order: { simId: string, orderId: string, orderTime: string, replayed: boolean } | null } | null };


export const OrderOtaPlanExampleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"OrderOtaPlanExample"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateOtaOrderInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createOtaOrder"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simId"}},{"kind":"Field","name":{"kind":"Name","value":"orderId"}},{"kind":"Field","name":{"kind":"Name","value":"orderTime"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}}]}}]}}]} as unknown as DocumentNode<OrderOtaPlanExampleMutation, OrderOtaPlanExampleMutationVariables>;
export const CreateOtaOrderDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateOtaOrder"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateOtaOrderInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createOtaOrder"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simId"}},{"kind":"Field","name":{"kind":"Name","value":"orderId"}},{"kind":"Field","name":{"kind":"Name","value":"orderTime"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}}]}}]}}]} as unknown as DocumentNode<CreateOtaOrderMutation, CreateOtaOrderMutationVariables>;
export const OrdersSimulatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OrdersSimulated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ordersSimulated"}}]}}]} as unknown as DocumentNode<OrdersSimulatedQuery, OrdersSimulatedQueryVariables>;
export const OtaOrderAttemptDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OtaOrderAttempt"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"otaOrderAttempt"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"idempotencyKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"idempotencyKey"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"order"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"simId"}},{"kind":"Field","name":{"kind":"Name","value":"orderId"}},{"kind":"Field","name":{"kind":"Name","value":"orderTime"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}}]}},{"kind":"Field","name":{"kind":"Name","value":"csssCode"}},{"kind":"Field","name":{"kind":"Name","value":"csssMessage"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]} as unknown as DocumentNode<OtaOrderAttemptQuery, OtaOrderAttemptQueryVariables>;