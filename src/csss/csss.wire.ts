/**
 * CSSS wire vocabulary for `POST /package/createOtaOrder`, exactly as the vendor names
 * and types it. Only `csss/` and the one mapping function in `orders/` use these names.
 */

export const CSSS_API_VERSION = '2.0';
export const CSSS_SUCCESS_CODE = '0000';
export const CREATE_OTA_ORDER_PATH = '/package/createOtaOrder';

/** Languages CSSS localizes `message` into; the first is the vendor's default. */
export const CSSS_LANGUAGES = ['zh-CN', 'en-US'] as const;
export type CsssLanguage = (typeof CSSS_LANGUAGES)[number];

/** The business fields of a createOtaOrder request; every one is a string except `days`. */
export interface CreateOtaOrderWireRequest {
  device_id: string;
  package_code: string;
  package_name: string;
  package_type: '0' | '1' | '2' | '3' | '4' | '5';
  order_period: string;
  days: number;
  timing_type: string;
  is_open: '0' | '1';
  global_order: '0' | '1';
  pay_amount: string;
  pay_rst: '1' | '2';
  pay_type: '0' | '1' | '2';
  test_flow: string;
  test_flow_flag: '0' | '1';
  /** Three digits, or left out of the request altogether. */
  mcc?: string;
}

/** The global parameters the client adds to every request. */
export interface CsssGlobalParams {
  access_code: string;
  timestamp: string;
  version: string;
  sign: string;
}

export interface CreateOtaOrderWireData {
  sim_id: string;
  order_id: string;
  order_time: string;
}
