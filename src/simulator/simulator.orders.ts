import { createHash } from 'node:crypto';

const ORDER_ID_DIGITS = 17;
const ORDER_ID_MODULUS = 10n ** BigInt(ORDER_ID_DIGITS);
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Issues order ids shaped like the ones CSSS returns elsewhere (`ORDER_` + 17 digits).
 * The digits are the clock in milliseconds times 10 000, bumped past the last id issued,
 * so ids grow with time and stay unique even when a test freezes the clock.
 */
export function createOrderIdSequence(clock: () => number): () => string {
  let last = -1n;
  return () => {
    const fromClock = BigInt(Math.max(0, Math.floor(clock()))) * 10_000n;
    last = fromClock > last ? fromClock : last + 1n;
    return `ORDER_${(last % ORDER_ID_MODULUS).toString().padStart(ORDER_ID_DIGITS, '0')}`;
  };
}

/** The same ICCID always gets the same platform id, as a real SIM would. */
export function simIdFor(iccid: string): string {
  const digest = createHash('sha256').update(iccid, 'utf8').digest();
  return `SIM${(digest.readBigUInt64BE(0) % 10n ** 12n).toString().padStart(12, '0')}`;
}

/** `2026-11-26 20:13:10`: CSSS is in China, so order times are Beijing time (UTC+8, no DST). */
export function formatBeijingTime(epochMs: number): string {
  const beijing = new Date(epochMs + BEIJING_OFFSET_MS);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${beijing.getUTCFullYear()}-${pad(beijing.getUTCMonth() + 1)}-${pad(beijing.getUTCDate())} ` +
    `${pad(beijing.getUTCHours())}:${pad(beijing.getUTCMinutes())}:${pad(beijing.getUTCSeconds())}`
  );
}
