/**
 * The content-addressed blob store: cacache under `<dataDir>/blobs-v1`, one blob per digest for
 * the whole domain. Each blob is also indexed under its own integrity string as the key, so
 * `cacache verify` (which deletes content no index entry refers to) keeps it.
 *
 * Every digest goes through parseIntegrity first (cacache stores junk unverified), every write
 * is verified before it lands (see blob-write.ts), and a read is verified while it streams with
 * the last chunk held back (see verifying-reader.ts) unless this process already verified that
 * very file unchanged (see verified-files.ts). Memory stays flat: a blob of up to 1 MiB is read in
 * one piece (most tarballs: one read instead of many), a larger one streams in 64 KiB chunks.
 */
import type { Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { LarderError, describeError } from '../errors.js';
import { parseIntegrity } from '../domain/integrity.js';
import type { BlobStore, BlobWrite, BlobWriteExpectation, StoredBlob, StoredBytes } from './types.js';
import { cacache, contentPath, removeIndexEntry } from './cacache-layout.js';
import { startBlobWrite } from './blob-write.js';
import { HotBlobs } from './hot-blobs.js';
import { VerifiedFiles, stampOf } from './verified-files.js';
import { VerifyingReader } from './verifying-reader.js';

const READ_CHUNK_BYTES = 64 * 1024;
/** A blob up to this size is read in one piece: one read instead of many, memory still bounded. */
const SINGLE_READ_BYTES = 1024 * 1024;

/** Room for the most recently served small blobs in memory (see hot-blobs.ts). */
const HOT_BLOB_BYTES = 16 * 1024 * 1024;

/** The read size for a blob of `size` bytes: whole when small, 64 KiB pieces when large. */
function chunkFor(size: number): number {
  return size <= SINGLE_READ_BYTES ? Math.max(size + 1, 1) : READ_CHUNK_BYTES;
}

function isAbsent(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export class CacacheBlobStore implements BlobStore {
  readonly #dir: string;
  readonly #writes = new Set<BlobWrite>();
  readonly #reads = new Set<Readable>();
  readonly #verified = new VerifiedFiles();
  readonly #hot = new HotBlobs({ maxBytes: HOT_BLOB_BYTES, maxEntryBytes: SINGLE_READ_BYTES });
  #closed = false;

  /** @param dir the cacache directory, `<dataDir>/blobs-v1` */
  constructor(dir: string) {
    this.#dir = dir;
  }

  #storeError(operation: string, error: unknown, what: string): LarderError {
    return new LarderError('E_STORE', `${what} in ${this.#dir}: ${describeError(error)}`, { operation, cause: error });
  }

  #checkOpen(operation: string): void {
    if (this.#closed) {
      throw new LarderError('E_STORE', `The blob store at ${this.#dir} is closed`, { operation });
    }
  }

  async has(integrity: string): Promise<StoredBlob | null> {
    const sri = parseIntegrity(integrity);
    try {
      const info = await stat(contentPath(this.#dir, sri));
      return info.isFile() ? { integrity: sri, size: info.size } : null;
    } catch (error) {
      if (isAbsent(error)) return null;
      throw this.#storeError('store.has', error, `Could not look up blob ${sri}`);
    }
  }

  write(expect: BlobWriteExpectation): BlobWrite {
    this.#checkOpen('store.write');
    const integrity = expect.integrity === undefined ? undefined : parseIntegrity(expect.integrity);
    const { size } = expect;
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
      throw new LarderError('E_INTERNAL', `A blob write was given an invalid expected size: ${String(size)}`, {
        operation: 'store.write',
      });
    }
    if (integrity === undefined && size === undefined) {
      // Without either, a truncated body would be stored as valid (DESIGN §5).
      throw new LarderError('E_INTERNAL', 'A blob write needs an expected integrity or size; larder never stores unverifiable bytes', {
        operation: 'store.write',
      });
    }
    const write: BlobWrite = startBlobWrite(this.#dir, { integrity, size }, () => this.#writes.delete(write));
    this.#writes.add(write);
    // The bytes were checked against their digest on the way in: the file as renamed into place
    // needs no second hashing on its first read (50 clients at once would each hash it).
    write.committed.then(
      async (blob) => {
        const file = contentPath(this.#dir, blob.integrity);
        this.#verified.verified(file, await stat(file));
      },
      () => undefined, // a failed write has nothing to remember; its caller hears why
    ).catch(() => undefined); // gone again before the stat (removed meanwhile): read verifies it then
    return write;
  }

  async read(integrity: string): Promise<StoredBytes | null> {
    this.#checkOpen('store.read');
    const sri = parseIntegrity(integrity);
    const file = contentPath(this.#dir, sri);
    const hot = this.#hot.get(sri);
    if (hot !== undefined) {
      // One stat instead of open, read and close: still the bytes the file held when verified?
      const now = await stat(file).catch(() => undefined);
      if (now !== undefined && stampOf(now) === hot.stamp) return { size: hot.bytes.length, stream: Readable.from([hot.bytes], { objectMode: false }), bytes: hot.bytes };
      this.#hot.forget(sri);
    }
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isAbsent(error)) return null;
      throw this.#storeError('store.read', error, `Could not open blob ${sri}`);
    }
    let stats: Stats;
    try {
      stats = await handle.stat();
    } catch (error) {
      await handle.close();
      throw this.#storeError('store.read', error, `Could not open blob ${sri}`);
    }
    const size = stats.size;
    const verified = this.#verified.isVerified(file, stats);
    if (verified && this.#hot.fits(size)) {
      // Verified before and unchanged since, and small: read it whole once, then serve it from memory.
      const bytes = await this.#readWhole(handle, size, sri);
      this.#hot.keep(sri, { bytes, stamp: stampOf(stats) });
      return { size, stream: Readable.from([bytes], { objectMode: false }), bytes };
    }
    // The open handle keeps the bytes readable even if the blob is removed meanwhile.
    const source = handle.createReadStream({ highWaterMark: chunkFor(size) });
    if (verified) {
      source.on('error', () => undefined);
      this.#reads.add(source);
      source.on('close', () => this.#reads.delete(source));
      return { size, stream: source };
    }
    const verifier = new VerifyingReader(
      sri,
      () => {
        this.#verified.forget(file);
        return this.remove(sri);
      },
      () => this.#verified.verified(file, stats),
    );
    source.on('error', (error) => verifier.destroy(this.#storeError('store.read', error, `Could not read blob ${sri}`)));
    // A consumer that goes away destroys the verifier; the source (and its descriptor) goes too.
    verifier.on('close', () => {
      source.destroy();
      this.#reads.delete(verifier);
    });
    source.pipe(verifier);
    // Consumers see errors through pipeline / for-await (the stream's errored state); this keeps
    // close() destroying an unread stream from becoming an uncaught exception.
    verifier.on('error', () => undefined);
    this.#reads.add(verifier);
    return { size, stream: verifier };
  }

  async #readWhole(handle: FileHandle, size: number, sri: string): Promise<Buffer> {
    try {
      const bytes = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
        if (bytesRead === 0) throw new Error(`the file ended after ${filled} of ${size} bytes`);
        filled += bytesRead;
      }
      return bytes;
    } catch (error) {
      throw this.#storeError('store.read', error, `Could not read blob ${sri}`);
    } finally {
      await handle.close();
    }
  }

  /**
   * Bytes `start`..`end` (inclusive) of a stored blob, for HTTP Range requests. A part cannot be
   * checked against the digest of the whole; the blob was verified when written and every whole
   * read verifies it again.
   */
  async readRange(integrity: string, start: number, end: number): Promise<{ size: number; stream: Readable } | null> {
    this.#checkOpen('store.read');
    const sri = parseIntegrity(integrity);
    let handle: FileHandle;
    try {
      handle = await open(contentPath(this.#dir, sri), 'r');
    } catch (error) {
      if (isAbsent(error)) return null;
      throw this.#storeError('store.read', error, `Could not open blob ${sri}`);
    }
    const size = (await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw this.#storeError('store.read', error, `Could not open blob ${sri}`);
    })).size;
    let stream: Readable;
    try {
      stream = handle.createReadStream({ start, end: Math.min(end, size - 1), highWaterMark: READ_CHUNK_BYTES });
    } catch (error) {
      await handle.close();
      throw this.#storeError('store.read', error, `Could not read bytes ${start}-${end} of blob ${sri}`);
    }
    // Errors reach the consumer through the pipeline; close() may destroy it with none attached.
    stream.on('error', () => undefined);
    this.#reads.add(stream);
    stream.on('close', () => this.#reads.delete(stream));
    return { size, stream };
  }

  async remove(integrity: string): Promise<void> {
    const sri = parseIntegrity(integrity);
    this.#verified.forget(contentPath(this.#dir, sri));
    this.#hot.forget(sri);
    try {
      await (await cacache()).rm.content(this.#dir, sri);
      await removeIndexEntry(this.#dir, sri);
    } catch (error) {
      throw this.#storeError('store.remove', error, `Could not remove blob ${sri}`);
    }
  }

  /** Aborts writes still in progress (nothing partial is kept) and ends open reads. */
  async close(): Promise<void> {
    this.#closed = true;
    const closing = new LarderError('E_STORE', `The blob store at ${this.#dir} is closing`, { operation: 'store.close' });
    const writes = [...this.#writes];
    for (const write of writes) write.stream.destroy(closing);
    for (const read of this.#reads) read.destroy(closing);
    await Promise.allSettled(writes.map((write) => write.committed));
  }
}
