/**
 * The most recently served small blobs, kept in memory: serving a hot tarball from memory skips
 * the open, read and close that make up most of its cost in Node (nginx gets the same from the
 * page cache and sendfile). Only bytes already verified against their digest get here, each with
 * the stamp (inode, size, times) of the file they came from: the caller checks the file still has
 * that stamp, so a damaged or replaced file is read and verified again, never papered over.
 * Bounded by bytes, least recently used out first.
 */
export interface HotBlob {
  bytes: Buffer;
  stamp: string;
}

export class HotBlobs {
  readonly #entries = new Map<string, HotBlob>();
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  #bytes = 0;

  constructor(options: { maxBytes: number; maxEntryBytes: number }) {
    this.#maxBytes = options.maxBytes;
    this.#maxEntryBytes = options.maxEntryBytes;
  }

  /** Whether a blob of this size may be kept at all. */
  fits(size: number): boolean {
    return size <= this.#maxEntryBytes && size <= this.#maxBytes;
  }

  get(integrity: string): HotBlob | undefined {
    const blob = this.#entries.get(integrity);
    if (blob === undefined) return undefined;
    // Map order is insertion order: re-inserting makes it the most recently used.
    this.#entries.delete(integrity);
    this.#entries.set(integrity, blob);
    return blob;
  }

  /** Keeps verified bytes and the stamp of the file they were read from. */
  keep(integrity: string, blob: HotBlob): void {
    if (!this.fits(blob.bytes.length)) return;
    this.forget(integrity);
    this.#entries.set(integrity, blob);
    this.#bytes += blob.bytes.length;
    for (const [key, value] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(key);
      this.#bytes -= value.bytes.length;
    }
  }

  forget(integrity: string): void {
    const blob = this.#entries.get(integrity);
    if (blob === undefined) return;
    this.#entries.delete(integrity);
    this.#bytes -= blob.bytes.length;
  }
}
