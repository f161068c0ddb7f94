/**
 * The createOtaOrder domain in the gateway's own vocabulary. GraphQL types and the CSSS
 * wire mapping are both built from these; neither GraphQL nor CSSS names appear here.
 */

export enum PackageType {
  UNLIMITED_DAILY = 'UNLIMITED_DAILY',
  DAILY = 'DAILY',
  MONTHLY = 'MONTHLY',
  QUARTERLY = 'QUARTERLY',
  HALF_YEARLY = 'HALF_YEARLY',
  YEARLY = 'YEARLY',
}

export enum PayResult {
  UNPAID = 'UNPAID',
  PAID = 'PAID',
}

export enum PayType {
  IPAY88 = 'IPAY88',
  WECHAT_PAY = 'WECHAT_PAY',
  ALIPAY = 'ALIPAY',
}

/** One order as a caller describes it, after GraphQL defaults are applied. */
export interface OtaOrderRequest {
  deviceId: string;
  packageCode: string;
  packageName: string;
  packageType: PackageType;
  orderPeriod: number;
  days: number;
  timingType: string;
  isOpen: boolean;
  globalOrder: boolean;
  payAmount: string;
  payRst: PayResult;
  payType: PayType;
  testFlow: string;
  testFlowFlag: boolean;
  mcc?: string | null;
}

/** What CSSS reports about an order it accepted. */
export interface PlacedOtaOrder {
  simId: string;
  orderId: string;
  orderTime: string;
}

/** An accepted order as a caller gets it back. */
export interface OtaOrderResult extends PlacedOtaOrder {
  /** False on the call that placed the order; true when a retry got the stored outcome. */
  replayed: boolean;
}
