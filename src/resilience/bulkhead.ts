/**
 * Caps concurrent calls. Beyond the cap a call is refused at once rather than queued, so
 * a slow upstream cannot pile up unbounded waiting requests and memory.
 */
export class Bulkhead {
  #inFlight = 0;

  constructor(private readonly maxInFlight: number) {}

  /** Whether a call made now would be refused. */
  get isFull(): boolean {
    return this.#inFlight >= this.maxInFlight;
  }

  tryEnter(): boolean {
    if (this.#inFlight >= this.maxInFlight) return false;
    this.#inFlight += 1;
    return true;
  }

  leave(): void {
    this.#inFlight -= 1;
  }
}
