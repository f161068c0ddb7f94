/**
 * The gateway's shutdown order, kept as named stages: each part registers how it closes
 * right after it has started, and `close` runs the stages in reverse (last started, first
 * closed), as AsyncDisposableStack would; that is not in Node 22's V8. Names make the
 * order visible in logs and tests.
 */
export class ShutdownStages {
  readonly #stages: Array<{ name: string; close: () => Promise<void> | void }> = [];
  #closing: Promise<void> | undefined;

  constructor(private readonly onStage: (name: string) => void = () => {}) {}

  /** Registers the stage that undoes what has just been started. */
  add(name: string, close: () => Promise<void> | void): void {
    if (this.#closing) throw new Error(`shutdown has begun; "${name}" cannot be added`);
    this.#stages.push({ name, close });
  }

  /** The stage names in the order `close` runs them. */
  get closingOrder(): string[] {
    return this.#stages.map((stage) => stage.name).reverse();
  }

  /**
   * Runs every stage once, in reverse order of registration, each after the previous one
   * has finished. A failing stage does not keep the later ones (the journal, the CSSS
   * client) from closing; at the end one failure is rethrown, several together as an
   * AggregateError. Calling it again
   * returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const failures: unknown[] = [];
      for (const stage of [...this.#stages].reverse()) {
        this.onStage(stage.name);
        try {
          await stage.close();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, 'several shutdown stages failed');
    })();
    return this.#closing;
  }
}
