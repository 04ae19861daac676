/**
 * Which blob files this process has already read through in full and found matching their
 * digest, as they were then (inode, size, mtime, ctime). Reading such a file again skips the
 * hashing, which is most of the cost of serving a cached artifact, and is still safe against
 * every change made through the filesystem: a write, truncation or replacement changes the size,
 * the ctime (which no one can set back) or the inode, and the next read verifies again. What
 * it cannot see is decay below the filesystem; `larder verify` and a restart check everything.
 */
import type { Stats } from 'node:fs';

/** Enough for every artifact of several large projects; an entry is about 200 bytes. */
const DEFAULT_MAX_ENTRIES = 20_000;

export type Stamp = string;

export function stampOf(stats: Stats): Stamp {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

export class VerifiedFiles {
  readonly #stamps = new Map<string, Stamp>();
  readonly #maxEntries: number;

  constructor(maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** True when `path` was verified and is, by its stats, the same file with the same bytes. */
  isVerified(path: string, stats: Stats): boolean {
    return this.#stamps.get(path) === stampOf(stats);
  }

  verified(path: string, stats: Stats): void {
    this.#stamps.delete(path);
    this.#stamps.set(path, stampOf(stats));
    // Oldest first out: Map iteration follows insertion order.
    for (const oldest of this.#stamps.keys()) {
      if (this.#stamps.size <= this.#maxEntries) break;
      this.#stamps.delete(oldest);
    }
  }

  forget(path: string): void {
    this.#stamps.delete(path);
  }
}
