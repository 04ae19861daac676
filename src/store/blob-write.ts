/**
 * One verified write into the cacache blob store.
 *
 * The caller writes into our own Writable; we hash every chunk (to name the actual digest in a
 * mismatch message) and forward it, with backpressure, to a cacache put stream that was given the
 * expected integrity and size, so cacache verifies the body before it moves the temp file into
 * place and nothing unverified is ever retained.
 *
 * Abort handling is the subtle part (DESIGN §5): destroying a cacache write stream leaks its temp
 * file and file descriptor. Instead, an aborted write *ends* the cacache stream: the body it holds
 * is incomplete, so cacache's own check fails (a size or digest mismatch; we never write without
 * an expected integrity or size), and cacache deletes its temp file and closes the descriptor on
 * that path. Only a body that was already complete can land, and then it is valid content.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { LarderError, describeError, isLarderError } from '../errors.js';
import { createDigester } from '../domain/integrity.js';
import type { BlobWrite, StoredBlob } from './types.js';
import { cacache, removeIndexEntry } from './cacache-layout.js';

export interface CheckedExpectation {
  /** Normalised SRI string (from parseIntegrity). */
  integrity?: string;
  size?: number;
}

type PutStream = ReturnType<typeof cacache.put.stream>;

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

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * Starts a write. `onSettled` runs once `committed` has settled (the store uses it to forget
 * the write). `expected` must hold an integrity, a size, or both.
 */
export function startBlobWrite(dir: string, expected: CheckedExpectation, onSettled: () => void): BlobWrite {
  const digester = createDigester(expected.integrity ?? 'sha512');
  let actual: string | undefined;
  const actualDigest = (): string => (actual ??= digester.digest());

  // Without an expected digest the key is only known at the end; the blob is filed under a
  // temporary index key and re-keyed by its digest once committed.
  const pending = expected.integrity === undefined;
  const indexKey = expected.integrity ?? `larder-pending:${randomUUID()}`;
  const putOptions = {
    // cacache files content under the strongest algorithm it computed: computing only the
    // expected one keeps a sha1 blob readable by its sha1 digest.
    algorithms: [digester.algorithm] as [string],
    integrity: expected.integrity,
    size: expected.size,
  };

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

  let sink: PutStream | undefined;
  let sinkEnded = false;
  let sinkDone: Promise<void> = Promise.resolve();
  let sinkFailure: unknown;
  const openSink = (): PutStream => {
    const stream = cacache.put.stream(dir, indexKey, putOptions);
    sinkDone = new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      // Emitted only after the content is in place and its index entry written.
      stream.on('integrity', () => resolve());
    });
    sinkDone.catch((error: unknown) => {
      sinkFailure = error;
    });
    return stream;
  };

  const failure = (error: unknown): LarderError => {
    const code = errorCode(error);
    if (code === 'EINTEGRITY') return mismatchError(expected, actualDigest(), digester.size, 'wrong digest');
    if (code === 'EBADSIZE') return mismatchError(expected, actualDigest(), digester.size, 'wrong size');
    return storeError(dir, error);
  };

  const commitEmpty = async (): Promise<void> => {
    // cacache refuses an empty put *stream*; its buffer form stores empty files fine.
    const integrity = actualDigest();
    if ((expected.integrity !== undefined && integrity !== expected.integrity) || (expected.size ?? 0) !== 0) {
      throw mismatchError(expected, integrity, 0, expected.size ? 'wrong size' : 'wrong digest');
    }
    await cacache.put(dir, integrity, Buffer.alloc(0), { ...putOptions, integrity });
  };

  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (chunk.length === 0) return callback();
      if (sinkFailure !== undefined) return callback(failure(sinkFailure));
      if (expected.size !== undefined && digester.size + chunk.length > expected.size) {
        // Fail as soon as the body is too long rather than storing the excess first.
        digester.update(chunk);
        return callback(mismatchError(expected, actualDigest(), digester.size, 'body longer than expected'));
      }
      digester.update(chunk);
      sink ??= openSink();
      if (sink.write(chunk)) return callback();
      const drained = new Promise<void>((resolve) => sink?.once('drain', resolve));
      Promise.race([drained, sinkDone]).then(
        () => callback(),
        (error: unknown) => callback(failure(error)),
      );
    },
    final(callback) {
      const commit = async (): Promise<StoredBlob> => {
        if (sink === undefined) {
          await commitEmpty();
        } else {
          sinkEnded = true;
          sink.end();
          await sinkDone.catch((error: unknown) => {
            throw failure(error);
          });
        }
        const blob = { integrity: actualDigest(), size: digester.size };
        if (pending && sink !== undefined) {
          await cacache.index.insert(dir, blob.integrity, blob.integrity, { size: blob.size });
          await removeIndexEntry(dir, indexKey);
        }
        return blob;
      };
      commit().then(
        (blob) => {
          settle({ blob });
          callback();
        },
        (error: unknown) => {
          const reported = isLarderError(error) ? error : storeError(dir, error);
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
      if (sink !== undefined && !sinkEnded) {
        sinkEnded = true;
        sink.end();
      }
      // Wait for cacache to finish its cleanup, whatever the outcome, before reporting.
      sinkDone.then(
        () => {
          settle({ error: reason });
          callback(error);
        },
        () => {
          settle({ error: reason });
          callback(error);
        },
      );
    },
  });

  return { stream, committed };
}
