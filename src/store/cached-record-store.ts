/**
 * A read cache in front of a RecordStore, for the records that are read far more often than
 * written: cached metadata documents, which one install reads for the packument, every tarball
 * and the prefetch of each dependant. Reading one back from sqlite (the row, keyv's JSON wrapper,
 * the escaped body inside it) cost more CPU in a cold install than fetching it (bench/, issue 6).
 *
 * Every write goes through this object, so it stays coherent within the process; a read that
 * overlapped a write is not cached (it may hold the older value). Other processes (the CLI) do
 * not write these records while a daemon runs. Values are shared: callers copy, never change.
 */
import { KeyEpochs } from './key-epochs.js';
import type { RecordStore } from './types.js';

export interface ReadCacheOptions {
  /** Which keys to cache. */
  cached(key: string): boolean;
  /** Approximate memory of a value, in bytes. */
  sizeOf(value: unknown): number;
  /** Bytes of values held at most. */
  maxBytes: number;
}

/** What is held for a key known to have no record. */
const ABSENT: unique symbol = Symbol('absent');

interface Held {
  value: unknown;
  size: number;
}

export class CachedRecordStore implements RecordStore {
  readonly #inner: RecordStore;
  readonly #options: ReadCacheOptions;
  /** Map order is recency order. */
  readonly #held = new Map<string, Held>();
  #size = 0;
  /** A read that a write to the same key overlapped does not fill the cache. */
  readonly #epochs = new KeyEpochs();

  constructor(inner: RecordStore, options: ReadCacheOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (!this.#options.cached(key)) return this.#inner.get<T>(key);
    const held = this.#held.get(key);
    if (held !== undefined) {
      this.#held.delete(key);
      this.#held.set(key, held);
      // Stored under this key by set/get with the caller's own T.
      return held.value === ABSENT ? undefined : (held.value as T);
    }
    const { value, fresh } = await this.#epochs.read(key, () => this.#inner.get<T>(key));
    // "No such record" is cached too: a tarball's lookup asks for document variants never fetched.
    if (fresh) this.#keep(key, value === undefined ? ABSENT : value);
    return value;
  }

  async set<T>(key: string, value: T): Promise<void> {
    await this.#write(key, () => this.#inner.set(key, value));
    // Writes to one key complete in the order they were made (the inner store queues them per
    // key), so after this one the stored value is `value` until the next write drops it again.
    if (this.#options.cached(key)) this.#keep(key, value);
  }

  delete(key: string): Promise<boolean> {
    return this.#write(key, () => this.#inner.delete(key));
  }

  update<T>(key: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    return this.#write(key, () => this.#inner.update(key, change));
  }

  async #write<R>(key: string, run: () => Promise<R>): Promise<R> {
    this.#forget(key);
    try {
      return await this.#epochs.write(key, run);
    } finally {
      this.#forget(key);
    }
  }

  entries<T>(prefix: string): AsyncIterable<[string, T]> {
    return this.#inner.entries<T>(prefix);
  }

  close(): Promise<void> {
    this.#held.clear();
    this.#size = 0;
    return this.#inner.close();
  }

  #forget(key: string): void {
    const held = this.#held.get(key);
    if (held === undefined) return;
    this.#held.delete(key);
    this.#size -= held.size;
  }

  #keep(key: string, value: unknown): void {
    const size = value === ABSENT ? key.length + 64 : this.#options.sizeOf(value);
    if (size > this.#options.maxBytes / 4) return; // one huge document would push out dozens
    const previous = this.#held.get(key);
    if (previous !== undefined) this.#size -= previous.size;
    this.#held.delete(key);
    this.#held.set(key, { value, size });
    this.#size += size;
    for (const [oldest, held] of this.#held) {
      if (this.#size <= this.#options.maxBytes) break;
      this.#held.delete(oldest);
      this.#size -= held.size;
    }
  }
}
