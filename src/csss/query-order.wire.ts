/**
 * CSSS wire vocabulary for `POST /package/queryOrder` ("Query the package order
 * information"), exactly as the vendor names and types it. The vendor's example item has
 * 22 fields; only the three below are relied on, the rest is kept as received.
 */

export const QUERY_ORDER_PATH = '/package/queryOrder';

/** The filters and page of a queryOrder request; empty filters are neither signed nor sent. */
export interface QueryOrderWireRequest {
  device_id?: string;
  order_id?: string;
  order_status?: string;
  order_type?: string;
  page_no: number;
  page_size: number;
}

export interface QueryOrderWirePage {
  cur_page_no: number;
  page_size: number;
  total_count: number;
  total_pages: number;
}

/** One order as CSSS lists it. */
export interface QueryOrderWireItem {
  /** The order's id: the `order_id` createOtaOrder returned (unverified on a live account). */
  orderCode: string;
  /** Values undocumented; the vendor's example shows "1". */
  orderStatus: string;
  /** When CSSS placed it, China Standard Time, `YYYY-MM-DD HH:MM:SS` (the example is cut before the time). */
  orderDate: string;
  /** Every other field, as received (expireDate, flow, buyType, …). */
  [field: string]: unknown;
}

export interface QueryOrderWireData {
  page: QueryOrderWirePage;
  package_order_num: number;
  package_order: QueryOrderWireItem[];
}
