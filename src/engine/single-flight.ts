/**
 * One in-flight operation per key: concurrent callers for the same key share one promise. The
 * entry is removed when the operation settles, so a later call starts afresh.
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  run(key: string, operation: () => Promise<T>): Promise<T> {
    const existing = this.#inFlight.get(key);
    if (existing !== undefined) return existing;
    const started = (async () => {
      try {
        return await operation();
      } finally {
        this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, started);
    return started;
  }

  /** Waits for everything in flight (used on shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }
}
