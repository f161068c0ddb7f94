import { describe, expect, it } from 'vitest';
import { matchOrders, parseCsssTime } from '../../src/reconcile/order-matching.js';

// An attempt claimed at 12:00:00 UTC (20:00:00 in Beijing) whose send could last until 12:00:15.
const sendWindow = { from: '2026-11-26T12:00:00.000Z', to: '2026-11-26T12:00:15.000Z' };
const listed = (orderCode: string, orderDate: string, extra: Record<string, unknown> = {}) => ({
  orderCode,
  orderDate,
  orderStatus: '1',
  ...extra,
});
const match = (orders: ReturnType<typeof listed>[], overrides: Partial<Parameters<typeof matchOrders>[0]> = {}) =>
  matchOrders({ sendWindow, clockSkewMs: 120_000, orders, recordedElsewhere: new Set(), complete: true, ...overrides });

describe('parseCsssTime', () => {
  it('reads CSSS time as China Standard Time (UTC+8)', () => {
    expect(new Date(parseCsssTime('2026-11-26 20:13:10')!).toISOString()).toBe('2026-11-26T12:13:10.000Z');
    expect(new Date(parseCsssTime('2027-01-01 07:59:59')!).toISOString()).toBe('2026-12-31T23:59:59.000Z');
  });

  it('refuses anything else, impossible dates included', () => {
    for (const text of ['2026-11-26T20:13:10', '2026-11-26', '2026-02-30 10:00:00', '2026-11-26 24:00:00', '', '2026-11-26 20:13:10 ']) {
      expect(parseCsssTime(text), text).toBeUndefined();
    }
  });
});

describe('matchOrders', () => {
  it('is placed when exactly one listed order falls in the send window', () => {
    const result = match([listed('ORDER_2', '2026-11-26 20:00:03'), listed('ORDER_1', '2026-11-25 09:00:00')]);
    expect(result.verdict).toBe('placed');
    expect(result.order).toStrictEqual({ orderCode: 'ORDER_2', orderDate: '2026-11-26 20:00:03', orderStatus: '1' });
    expect(result.evidence.candidates).toHaveLength(1);
    expect(result.evidence.listed).toBe(2);
  });

  it('widens the window by the clock skew, on both sides', () => {
    expect(match([listed('EARLY', '2026-11-26 19:58:01')]).verdict).toBe('placed');
    expect(match([listed('LATE', '2026-11-26 20:02:14')]).verdict).toBe('placed');
    expect(match([listed('TOO_EARLY', '2026-11-26 19:57:59')]).verdict).toBe('not-found');
    expect(match([listed('TOO_LATE', '2026-11-26 20:02:16')]).verdict).toBe('not-found');
    expect(match([listed('LATE', '2026-11-26 20:00:20')], { clockSkewMs: 0 }).verdict).toBe('not-found');
  });

  it('is not-found when CSSS lists nothing in the window', () => {
    const result = match([]);
    expect(result.verdict).toBe('not-found');
    expect(result.order).toBeUndefined();
  });

  it('is ambiguous with more than one candidate', () => {
    const result = match([listed('A', '2026-11-26 20:00:01'), listed('B', '2026-11-26 20:00:02')]);
    expect(result.verdict).toBe('ambiguous');
    expect(result.order).toBeUndefined();
    expect(result.evidence.candidates.map((order) => order.orderCode)).toEqual(['A', 'B']);
  });

  it('leaves out orders the journal holds for another attempt', () => {
    const result = match([listed('A', '2026-11-26 20:00:01'), listed('B', '2026-11-26 20:00:02')], { recordedElsewhere: new Set(['A']) });
    expect(result.verdict).toBe('placed');
    expect(result.order?.orderCode).toBe('B');
    expect(result.evidence.heldByOtherAttempts).toEqual(['A']);
  });

  it('lets a listed plan code only remove a candidate', () => {
    const orders = [
      listed('A', '2026-11-26 20:00:01', { packageCode: 'OTHER' }),
      listed('B', '2026-11-26 20:00:02', { packageCode: 'PLAN' }),
    ];
    expect(match(orders, { packageCode: 'PLAN' }).order?.orderCode).toBe('B');
    expect(match(orders, { packageCode: 'PLAN' }).evidence.otherPlan).toEqual(['A']);
    // Without the field, the plan is no reason to leave an order out.
    expect(match([listed('A', '2026-11-26 20:00:01')], { packageCode: 'PLAN' }).verdict).toBe('placed');
  });

  it('is ambiguous, never placed or not-found, when a date cannot be read or the listing was cut short', () => {
    expect(match([listed('A', '2026-11-26 20:00:01'), listed('B', '26/11/2026 20:00')]).verdict).toBe('ambiguous');
    expect(match([listed('A', '2026-11-26 20:00:01')], { complete: false }).verdict).toBe('ambiguous');
    expect(match([], { complete: false }).verdict).toBe('ambiguous');
  });
});
