/**
 * The runner's progress lines on stderr (the report goes to stdout), and the number
 * formats they share with the report.
 */
export function say(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** `value` with `digits` decimals, or `n/a` when it was not measured. */
export const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

/** `a ÷ b` as `1.23×`, or `n/a` when either side is missing or `b` is zero. */
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;
