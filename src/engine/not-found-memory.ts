/**
 * Remembered "not found" answers for assets located by sidecar (Maven), per connection: a build
 * that searches several connections does not ask each one again for every file. An expired
 * entry still counts when the connection fails (stale-if-error holds for negatives too).
 */
const MAX_ENTRIES = 50_000;

export type NotFoundState = 'fresh' | 'expired' | undefined;

export class NotFoundMemory {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  check(key: string): NotFoundState {
    const until = this.#until.get(key);
    if (until === undefined) return undefined;
    return until > this.#now() ? 'fresh' : 'expired';
  }

  remember(key: string, ttlMs: number): void {
    // Bounded: the oldest entries go first (a Map iterates in insertion order).
    if (this.#until.size >= MAX_ENTRIES) {
      const oldest = this.#until.keys().next();
      if (!oldest.done) this.#until.delete(oldest.value);
    }
    this.#until.delete(key);
    this.#until.set(key, this.#now() + ttlMs);
  }

  forget(key: string): void {
    this.#until.delete(key);
  }

  /** Forgets every key that starts with `prefix` (a package whose metadata changed). */
  forgetPrefix(prefix: string): void {
    for (const key of this.#until.keys()) if (key.startsWith(prefix)) this.#until.delete(key);
  }
}
