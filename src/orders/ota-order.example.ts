/** A well-formed ICCID with no special behaviour: the simulator orders it successfully. */
export const EXAMPLE_ICCID = '89852202101130001670';

/**
 * The vendor's example order (a success ICCID, a Chinese plan name), defaults left out and
 * without an idempotency key. One copy for Sandbox, the README's example, the tests' orders
 * and the benchmark's request.
 */
export const EXAMPLE_ORDER_INPUT = {
  deviceId: EXAMPLE_ICCID,
  packageCode: 'DP20201218003915',
  packageName: 'T_T_T_0_P_S_中国100G/365天套餐',
  packageType: 'DAILY',
  days: 364,
  timingType: '1',
  payAmount: '0',
  payRst: 'UNPAID',
  payType: 'ALIPAY',
} as const;
