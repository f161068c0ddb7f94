import type { PlacedOrder } from './simulator.orders.js';

/**
 * The simulator's last `max` placed orders, kept in a ring: adding one costs the same
 * whether or not the ledger is full (an array trimmed from the front would move every
 * entry on each order once full, on the bench's hot path too).
 */
export class PlacedOrderLedger {
  readonly #max: number;
  readonly #entries: PlacedOrder[] = [];
  /** Where the next entry goes once the ring is full: also the oldest entry's index. */
  #next = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** Keeps an order (made only when it is kept), forgetting the oldest beyond `max`. */
  add(entry: () => PlacedOrder): void {
    if (this.#max === 0) return;
    if (this.#entries.length < this.#max) {
      this.#entries.push(entry());
      return;
    }
    this.#entries[this.#next] = entry();
    this.#next = (this.#next + 1) % this.#max;
  }

  /** The kept orders, oldest first (a copy). */
  toArray(): PlacedOrder[] {
    return [...this.#entries.slice(this.#next), ...this.#entries.slice(0, this.#next)];
  }
}
