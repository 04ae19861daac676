/**
 * Per-key write epochs for the in-memory read caches (records.ts, cached-record-store.ts): a
 * value read from the database may be cached only if no write to the same key began or ended
 * while the read was in flight. A single global counter made that true for almost no read
 * during a cold install, when some write is always under way; per key it is the exact rule.
 * Entries live only while someone reads or writes the key, so the map stays small.
 */
interface Epoch {
  value: number;
  users: number;
}

export class KeyEpochs {
  readonly #epochs = new Map<string, Epoch>();

  /** Runs a read; `fresh()` tells, once it is done, whether no write overlapped it. */
  async read<T>(key: string, run: () => Promise<T>): Promise<{ value: T; fresh: boolean }> {
    const epoch = this.#enter(key);
    const start = epoch.value;
    try {
      const value = await run();
      return { value, fresh: epoch.value === start };
    } finally {
      this.#leave(key, epoch);
    }
  }

  /** Runs a write; reads overlapping any part of it are not fresh. */
  async write<T>(key: string, run: () => Promise<T>): Promise<T> {
    const epoch = this.#enter(key);
    epoch.value += 1;
    try {
      return await run();
    } finally {
      epoch.value += 1;
      this.#leave(key, epoch);
    }
  }

  #enter(key: string): Epoch {
    let epoch = this.#epochs.get(key);
    if (epoch === undefined) {
      epoch = { value: 0, users: 0 };
      this.#epochs.set(key, epoch);
    }
    epoch.users += 1;
    return epoch;
  }

  #leave(key: string, epoch: Epoch): void {
    epoch.users -= 1;
    if (epoch.users === 0) this.#epochs.delete(key);
  }
}
