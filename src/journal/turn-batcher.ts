interface QueuedItem<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface TurnBatcherOptions<Item, Result> {
  /**
   * Runs one batch; answers one result per item, in the items' order. When it rejects,
   * every item of the batch is rejected with its error.
   */
  run: (items: Item[]) => Promise<Result[]>;
  /** The most items one batch holds; the rest go in the next batch. */
  maxSize: number;
  /** How many batches may run at once; items queued meanwhile wait for one to end. */
  maxInFlight: number;
  /**
   * A batch still running after this many milliseconds stops counting against
   * `maxInFlight`, so one slow batch (a lock wait, a lost connection) holds the next back
   * for this long at most, not until it times out.
   */
  overtakeAfterMs: number;
}

/**
 * Collects the items queued in one turn of the event loop and runs them as one batch at
 * setImmediate, as the SQLite journal's group commit does with its writes: each call
 * waits for its own result, but one statement carries them all. Items queued while
 * `maxInFlight` batches run wait for one to end (or to pass `overtakeAfterMs`), then go
 * together.
 */
export class TurnBatcher<Item, Result> {
  readonly #run: (items: Item[]) => Promise<Result[]>;
  readonly #maxSize: number;
  readonly #maxInFlight: number;
  readonly #overtakeAfterMs: number;
  readonly #queue: Array<QueuedItem<Item, Result>> = [];
  #scheduled = false;
  #inFlight = 0;

  constructor(options: TurnBatcherOptions<Item, Result>) {
    this.#run = options.run;
    this.#maxSize = options.maxSize;
    this.#maxInFlight = options.maxInFlight;
    this.#overtakeAfterMs = options.overtakeAfterMs;
  }

  /** Queues `item` for the next batch; resolves with its own result. */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0 || this.#inFlight >= this.#maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#queue.splice(0, this.#maxSize);
      this.#inFlight += 1;
      let counted = true;
      const stopCounting = (): void => {
        if (!counted) return;
        counted = false;
        this.#inFlight -= 1;
        this.#schedule();
      };
      const overtake = setTimeout(stopCounting, this.#overtakeAfterMs);
      overtake.unref();
      void this.#runBatch(batch).finally(() => {
        clearTimeout(overtake);
        stopCounting();
      });
    }
  }

  async #runBatch(batch: Array<QueuedItem<Item, Result>>): Promise<void> {
    let results: Result[];
    try {
      results = await this.#run(batch.map((queued) => queued.item));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, index) => queued.resolve(results[index]!));
  }
}
