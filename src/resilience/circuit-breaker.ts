export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before letting one probe through. */
  cooldownMs: number;
  clock?: () => number;
  onStateChange?: (state: BreakerState) => void;
}

/**
 * A consecutive-failure circuit breaker. Closed: everything passes. After
 * `failureThreshold` failures in a row it opens and refuses everything; after
 * `cooldownMs` it half-opens and lets exactly one probe through, whose result closes or
 * re-opens it.
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probeInFlight = false;
  readonly #options: CircuitBreakerOptions;
  readonly #clock: () => number;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /**
   * Asks to pass. Returns false when the call must not be made. A true answer must be
   * followed by exactly one `onSuccess` or `onFailure` (or `onAbandon` if it was not made).
   */
  tryAcquire(): boolean {
    if (this.#state === 'open') {
      if (this.#clock() - this.#openedAt < this.#options.cooldownMs) return false;
      this.#transition('half_open');
    }
    if (this.#state === 'half_open') {
      if (this.#probeInFlight) return false;
      this.#probeInFlight = true;
    }
    return true;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#probeInFlight = false;
    if (this.#state !== 'closed') this.#transition('closed');
  }

  onFailure(): void {
    this.#probeInFlight = false;
    this.#failures += 1;
    if (this.#state === 'half_open' || this.#failures >= this.#options.failureThreshold) {
      this.#openedAt = this.#clock();
      if (this.#state !== 'open') this.#transition('open');
    }
  }

  /** The permitted call was not made after all; a half-open probe slot is freed. */
  onAbandon(): void {
    this.#probeInFlight = false;
  }

  #transition(state: BreakerState): void {
    this.#state = state;
    this.#options.onStateChange?.(state);
  }
}
