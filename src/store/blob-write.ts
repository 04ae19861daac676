/**
 * One verified write into the blob store, without cacache's write stream.
 *
 * cacache's put stream opens its temp file asynchronously; a write that fails or is aborted in
 * the same moment (a body cut short arrives with its FIN) has its temp file removed before it is
 * opened, and the file and its descriptor then leak (DESIGN §5; the reliability suite shows one
 * descriptor per short body). So this module owns the whole write: a temp file in cacache's
 * `tmp/` opened before the first byte is accepted, every chunk hashed and written with
 * backpressure, the digest and size checked at the end, then a rename into the content path
 * cacache itself would use and an index entry (so `cacache verify` keeps the blob). An aborted or
 * failed write closes its descriptor and removes its temp file before it reports; nothing
 * unverified is ever in the content tree.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { LarderError, describeError, isLarderError } from '../errors.js';
import { createDigester } from '../domain/integrity.js';
import type { BlobWrite, StoredBlob } from './types.js';
import { cacache, contentPath } from './cacache-layout.js';

export interface CheckedExpectation {
  /** Normalised SRI string (from parseIntegrity). */
  integrity?: string;
  size?: number;
}

export function mismatchError(expected: CheckedExpectation, actual: string, actualSize: number, why: string): LarderError {
  const wanted = `${expected.integrity ?? 'any digest'}${expected.size === undefined ? '' : ` (${expected.size} bytes)`}`;
  return new LarderError(
    'E_INTEGRITY_MISMATCH',
    `Integrity mismatch (${why}): expected ${wanted}, got ${actual} (${actualSize} bytes); nothing was stored`,
    {
      operation: 'store.write',
      details: { expected: expected.integrity, expectedSize: expected.size, actual, actualSize },
    },
  );
}

function storeError(dir: string, error: unknown): LarderError {
  return new LarderError('E_STORE', `Could not write a blob into ${dir}: ${describeError(error)}`, {
    operation: 'store.write',
    cause: error,
  });
}

/** The temp file of one write: opened on first use, closed and removed unless committed. */
class TempFile {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #position = 0;

  constructor(dir: string) {
    this.path = join(dir, 'tmp', `larder-${randomUUID()}`);
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'wx', 0o644));
    return this.#handle;
  }

  async write(chunk: Buffer): Promise<void> {
    const handle = await this.#open();
    let written = 0;
    while (written < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, written, chunk.length - written, this.#position);
      written += bytesWritten;
      this.#position += bytesWritten;
    }
  }

  /** Closes the descriptor and moves the file to `destination` (same filesystem: atomic). */
  async commit(destination: string): Promise<void> {
    const handle = await this.#open();
    await handle.datasync();
    await handle.close();
    this.#handle = undefined;
    await mkdir(dirname(destination), { recursive: true });
    // Another write of the same bytes may have landed first: replacing it is harmless.
    await rename(this.path, destination);
  }

  /** Closes the descriptor if it was opened, and removes the file. Never throws. */
  async discard(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) await handle.then((opened) => opened.close()).catch(() => undefined);
    await rm(this.path, { force: true }).catch(() => undefined);
  }
}

/**
 * Starts a write. `onSettled` runs once `committed` has settled (the store uses it to forget
 * the write). `expected` must hold an integrity, a size, or both.
 */
export function startBlobWrite(dir: string, expected: CheckedExpectation, onSettled: () => void): BlobWrite {
  const digester = createDigester(expected.integrity ?? 'sha512');
  let actual: string | undefined;
  const actualDigest = (): string => (actual ??= digester.digest());
  const temp = new TempFile(dir);

  let settled = false;
  let resolveCommitted: (blob: StoredBlob) => void = () => undefined;
  let rejectCommitted: (error: unknown) => void = () => undefined;
  const committed = new Promise<StoredBlob>((resolve, reject) => {
    resolveCommitted = resolve;
    rejectCommitted = reject;
  });
  const settle = (outcome: { blob: StoredBlob } | { error: unknown }): void => {
    if (settled) return;
    settled = true;
    if ('blob' in outcome) resolveCommitted(outcome.blob);
    else rejectCommitted(outcome.error);
    onSettled();
  };
  // A caller that aborts may watch only the stream; marking `committed` handled here keeps that
  // rejection from crashing the process. Callers that await it still see it.
  committed.catch(() => undefined);

  const commit = async (): Promise<StoredBlob> => {
    const integrity = actualDigest();
    if (expected.integrity !== undefined && integrity !== expected.integrity) throw mismatchError(expected, integrity, digester.size, 'wrong digest');
    if (expected.size !== undefined && digester.size !== expected.size) throw mismatchError(expected, integrity, digester.size, 'wrong size');
    if (digester.size === 0) await temp.write(Buffer.alloc(0));
    await temp.commit(contentPath(dir, integrity));
    await (await cacache()).index.insert(dir, integrity, integrity, { size: digester.size });
    return { integrity, size: digester.size };
  };

  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (chunk.length === 0) return callback();
      digester.update(chunk);
      if (expected.size !== undefined && digester.size > expected.size) {
        // Fail as soon as the body is too long rather than storing the excess first.
        return callback(mismatchError(expected, actualDigest(), digester.size, 'body longer than expected'));
      }
      temp.write(chunk).then(
        () => callback(),
        (error: unknown) => callback(storeError(dir, error)),
      );
    },
    final(callback) {
      commit().then(
        (blob) => {
          settle({ blob });
          callback();
        },
        async (error: unknown) => {
          const reported = isLarderError(error) ? error : storeError(dir, error);
          await temp.discard();
          settle({ error: reported });
          callback(reported);
        },
      );
    },
    destroy(error, callback) {
      if (settled) return callback(error);
      const reason = isLarderError(error)
        ? error
        : new LarderError('E_STORE', `Blob write aborted before the body was complete${error ? `: ${describeError(error)}` : ''}`, {
            operation: 'store.write',
            cause: error ?? undefined,
          });
      // The descriptor is closed and the temp file gone before anyone hears of the abort.
      void temp.discard().then(() => {
        settle({ error: reason });
        callback(error);
      });
    },
  });

  return { stream, committed };
}
