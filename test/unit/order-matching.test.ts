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
  matchOrders({ sendWindow, clockSkewMs: 120_000, orders, recordedElsewhere: new Set(), complete: true, rivals: [], ...overrides });

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

  describe('with another unresolved attempt on the same ICCID', () => {
    // Claimed 5 s later than this one, and so in flight at CSSS at the same time.
    const overlapping = {
      attemptId: 2,
      sendWindow: { from: '2026-11-26T12:00:05.000Z', to: '2026-11-26T12:00:20.000Z' },
      packageCode: 'PLAN',
    };

    it('is ambiguous, never placed, when CSSS lists one order either attempt could have placed', () => {
      const result = match([listed('ONLY', '2026-11-26 20:00:08')], { rivals: [overlapping] });
      expect(result.verdict).toBe('ambiguous');
      expect(result.order).toBeUndefined();
      expect(result.evidence.contested).toStrictEqual([{ orderCode: 'ONLY', attemptIds: [2] }]);
      // The other attempt, asked with this one as its rival, gets the same verdict, not not-found.
      const mirrored = match([listed('ONLY', '2026-11-26 20:00:08')], {
        sendWindow: overlapping.sendWindow,
        rivals: [{ attemptId: 1, sendWindow, packageCode: undefined }],
      });
      expect(mirrored.verdict).toBe('ambiguous');
    });

    it('counts a rival by its own window widened by the clock skew, whatever its status or client', () => {
      const later = {
        attemptId: 3,
        sendWindow: { from: '2026-11-26T12:04:00.000Z', to: '2026-11-26T12:04:15.000Z' },
        packageCode: undefined,
      };
      // 20:00:03 is outside the later attempt's window even widened by 2 minutes: the order is this attempt's.
      expect(match([listed('ONLY', '2026-11-26 20:00:03')], { rivals: [later] }).verdict).toBe('placed');
      // 20:02:10 is in both widened windows.
      expect(match([listed('ONLY', '2026-11-26 20:02:10')], { rivals: [later] }).verdict).toBe('ambiguous');
    });

    it('lets a listed plan code tell the attempts apart, but only when the order lists one', () => {
      const samePlan = [listed('ONLY', '2026-11-26 20:00:08', { packageCode: 'PLAN' })];
      const otherPlanRival = { ...overlapping, packageCode: 'OTHER' };
      expect(match(samePlan, { packageCode: 'PLAN', rivals: [otherPlanRival] }).verdict).toBe('placed');
      expect(match(samePlan, { packageCode: 'PLAN', rivals: [overlapping] }).verdict).toBe('ambiguous');
      // Without the field, or without the rival's plan, nothing tells them apart.
      expect(match([listed('ONLY', '2026-11-26 20:00:08')], { packageCode: 'PLAN', rivals: [otherPlanRival] }).verdict).toBe('ambiguous');
      expect(match(samePlan, { packageCode: 'PLAN', rivals: [{ ...overlapping, packageCode: undefined }] }).verdict).toBe('ambiguous');
    });

    it('is still not-found when no candidate is left, and leaves orders held elsewhere out of the contest', () => {
      expect(match([], { rivals: [overlapping] }).verdict).toBe('not-found');
      const result = match([listed('HELD', '2026-11-26 20:00:08')], { rivals: [overlapping], recordedElsewhere: new Set(['HELD']) });
      expect(result.verdict).toBe('not-found');
      expect(result.evidence.contested).toStrictEqual([]);
    });
  });
});
