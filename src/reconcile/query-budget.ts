import { setTimeout as sleep } from 'node:timers/promises';

/**
 * At most `perMinute` queries a minute: a token bucket that starts full and refills
 * continuously. `take` waits for a token, so a round that needs more pages slows down
 * instead of hitting CSSS harder.
 */
export class QueryBudget {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!Number.isSafeInteger(perMinute) || perMinute <= 0) throw new RangeError('perMinute must be a positive integer');
    this.#tokens = perMinute;
    this.#updatedAt = clock();
  }

  /** Whole queries that could be made now without waiting. */
  available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  async take(signal?: AbortSignal): Promise<void> {
    this.#refill();
    while (this.#tokens < 1) {
      await sleep(Math.ceil(((1 - this.#tokens) * 60_000) / this.perMinute), undefined, { signal });
      this.#refill();
    }
    this.#tokens -= 1;
  }

  #refill(): void {
    const now = this.clock();
    this.#tokens = Math.min(this.perMinute, this.#tokens + ((now - this.#updatedAt) * this.perMinute) / 60_000);
    this.#updatedAt = now;
  }
}
