import { readFileSync } from 'node:fs';

/** The process environment, or a test's copy of it. */
export type Env = Record<string, string | undefined>;

const DURATION_UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Reads variables of one environment and collects what is wrong with them, so that start-up
 * can name every bad variable at once instead of stopping at the first. Each group's reader
 * takes one and never throws. Values are quoted back in problems to help the operator,
 * except credentials, which are only ever said to be missing or malformed.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  problem(text: string): void {
    this.problems.push(text);
  }

  /** The trimmed value; an empty one counts as unset. */
  value(name: string): string | undefined {
    const raw = this.env[name]?.trim();
    return raw === '' ? undefined : raw;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.value(name);
    if (raw === undefined) return fallback;
    const parsed = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problem(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return parsed;
  }

  /** `true` or `false`, nothing else: a typo such as "yes" must not silently mean either. */
  boolean(name: string, fallback: boolean): boolean {
    const raw = this.value(name);
    if (raw === undefined) return fallback;
    if (raw !== 'true' && raw !== 'false') {
      this.problem(`${name} must be true or false (got "${raw}")`);
      return fallback;
    }
    return raw === 'true';
  }

  /** Seconds, or a number with a unit: 90s, 15m, 24h, 7d. */
  durationSeconds(name: string, fallback: number, min: number, max: number): number {
    const raw = this.value(name);
    if (raw === undefined) return fallback;
    const match = /^([0-9]+)([smhd]?)$/.exec(raw);
    const seconds = match ? Number(match[1]) * (DURATION_UNIT_SECONDS[match[2] || 's'] ?? Number.NaN) : Number.NaN;
    if (!Number.isSafeInteger(seconds) || seconds < min || seconds > max) {
      this.problem(
        `${name} must be a duration from ${durationText(min)} to ${durationText(max)}, in seconds or with a unit such as 15m, 24h, 7d (got "${raw}")`,
      );
      return fallback;
    }
    return seconds;
  }

  /** A comma-separated list, each entry trimmed, empty entries dropped. */
  list(name: string): string[] {
    return (this.value(name) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  }

  /**
   * A credential from `NAME`, or from the file `NAME_FILE` names (a container's secret
   * mount; one trailing newline is dropped). The value variable is removed from the
   * environment once read, so that nothing that later reads or inherits it sees the
   * secret (the `_FILE` path, not a secret, stays). A problem names the variable or the
   * file, never the content.
   */
  secret(name: string): string | undefined {
    const inline = this.env[name];
    const file = this.env[`${name}_FILE`]?.trim() || undefined;
    delete this.env[name];
    if (file !== undefined && inline !== undefined && inline !== '') {
      this.problem(`set either ${name} or ${name}_FILE, not both`);
      return undefined;
    }
    if (file === undefined) return inline === '' ? undefined : inline;
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      this.problem(`${name}_FILE (${file}) cannot be read (${String((error as NodeJS.ErrnoException).code ?? 'error')})`);
      return undefined;
    }
  }

  /**
   * The content of a file a variable names, handed to `parse`; a file that cannot be read
   * or parsed becomes a problem that starts with `label`.
   */
  parseFile<T>(label: string, file: string, parse: (text: string) => T): T | undefined {
    try {
      return parse(readFileSync(file, 'utf8'));
    } catch (error) {
      this.problem(`${label} ${unreadableReason(error)}`);
      return undefined;
    }
  }
}

/** Why a file or a value could not be used: the system's error code, or the parser's message. */
export function unreadableReason(error: unknown): string {
  return error instanceof Error && 'code' in error ? `cannot be read (${String(error.code)})` : (error as Error).message;
}

function durationText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${seconds}s`;
}
