import type { CreateOtaOrderWireData, CreateOtaOrderWireRequest } from '../csss/csss.wire.js';
import { PackageType, PayResult, PayType, type OtaOrderRequest, type PlacedOtaOrder } from './ota-order.model.js';

/** The one place where the gateway's names meet CSSS wire names and codes. */

const PACKAGE_TYPE_CODES: Record<PackageType, CreateOtaOrderWireRequest['package_type']> = {
  [PackageType.UNLIMITED_DAILY]: '0',
  [PackageType.DAILY]: '1',
  [PackageType.MONTHLY]: '2',
  [PackageType.QUARTERLY]: '3',
  [PackageType.HALF_YEARLY]: '4',
  [PackageType.YEARLY]: '5',
};

const PAY_RESULT_CODES: Record<PayResult, CreateOtaOrderWireRequest['pay_rst']> = {
  [PayResult.UNPAID]: '1',
  [PayResult.PAID]: '2',
};

const PAY_TYPE_CODES: Record<PayType, CreateOtaOrderWireRequest['pay_type']> = {
  [PayType.IPAY88]: '0',
  [PayType.WECHAT_PAY]: '1',
  [PayType.ALIPAY]: '2',
};

const flag = (value: boolean): '0' | '1' => (value ? '1' : '0');

export function toCreateOtaOrderWire(order: OtaOrderRequest): CreateOtaOrderWireRequest {
  const wire: CreateOtaOrderWireRequest = {
    device_id: order.deviceId,
    package_code: order.packageCode,
    package_name: order.packageName,
    package_type: PACKAGE_TYPE_CODES[order.packageType],
    order_period: String(order.orderPeriod),
    days: order.days,
    timing_type: order.timingType,
    is_open: flag(order.isOpen),
    global_order: flag(order.globalOrder),
    pay_amount: order.payAmount,
    pay_rst: PAY_RESULT_CODES[order.payRst],
    pay_type: PAY_TYPE_CODES[order.payType],
    test_flow: order.testFlow,
    test_flow_flag: flag(order.testFlowFlag),
  };
  if (order.mcc !== null && order.mcc !== undefined) wire.mcc = order.mcc;
  return wire;
}

export function fromCreateOtaOrderWire(data: CreateOtaOrderWireData): PlacedOtaOrder {
  return { simId: data.sim_id, orderId: data.order_id, orderTime: data.order_time };
}
