import type { CreateOtaOrderInput, PackageType, PayResult, PayType } from './gql/graphql.js';

/** The form's fields as typed, before they become an order. */
export interface OrderDraft {
  deviceId: string;
  packageCode: string;
  packageName: string;
  packageType: PackageType;
  days: string;
  timingType: string;
  payAmount: string;
  payRst: PayResult;
  payType: PayType;
}

export type DraftField = keyof OrderDraft;

/** The vendor's example order; the simulator answers it with a new order. */
export const EXAMPLE_DRAFT: OrderDraft = {
  deviceId: '89852202101130001670',
  packageCode: 'DP20201218003915',
  packageName: 'T_T_T_0_P_S_中国100G/365天套餐',
  packageType: 'DAILY',
  days: '364',
  timingType: '1',
  payAmount: '0',
  payRst: 'UNPAID',
  payType: 'ALIPAY',
};

/**
 * The order the gateway checks. Rules are the gateway's (it answers every broken one at
 * once, with the field at fault), so the form does not repeat them: it only turns text
 * into the types the schema asks for. `days` that is not a whole number is sent as such and
 * comes back as a violation like any other.
 */
export function orderOf(draft: OrderDraft, idempotencyKey: string): CreateOtaOrderInput {
  const days = draft.days.trim() === '' ? Number.NaN : Number(draft.days);
  return { ...draft, idempotencyKey, days: Number.isFinite(days) ? days : (draft.days as unknown as number) };
}
