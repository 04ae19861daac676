/**
 * Storing the bytes of a publish: streamed from the request into the blob store (never held
 * whole), hashed on the way with every algorithm a client may later check (Maven's sidecars,
 * PyPI's sha256), and refused past a size limit. A body that breaks off, exceeds the limit or
 * misses its declared digest leaves nothing behind (the blob write discards its temp file).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LarderError } from '../../errors.js';
import type { BlobStore, BlobWriteExpectation } from '../../store/types.js';
import { DIGEST_ALGORITHMS, type Digests } from '../asset-digests.js';

export interface UploadedBlob {
  /** The blob store's key (the declared integrity, else sha512). */
  integrity: string;
  size: number;
  digests: Digests;
}

/** The largest file one publish may carry unless the caller says otherwise. */
export const DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;

function countingHasher(hashes: Hash[], maxBytes: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(new LarderError('E_TOO_LARGE', `${what} is larger than ${maxBytes} bytes, the most larder accepts in one publish`, { operation: 'publish.upload' }));
        return;
      }
      for (const hash of hashes) hash.update(chunk);
      callback(null, chunk);
    },
  });
}

/**
 * Streams `source` into the store. `expect` needs an integrity or a size (the store refuses to
 * commit a body it cannot check for truncation). Rejects with E_INTEGRITY_MISMATCH, E_TOO_LARGE
 * or E_STORE; a source error (the client went away) rejects with that error.
 */
export async function storeUpload(blobs: Pick<BlobStore, 'write'>, source: Readable, expect: BlobWriteExpectation, what: string, maxBytes = DEFAULT_MAX_UPLOAD_BYTES): Promise<UploadedBlob> {
  if (expect.size !== undefined && expect.size > maxBytes) {
    source.resume();
    throw new LarderError('E_TOO_LARGE', `${what} is ${expect.size} bytes, more than the ${maxBytes} larder accepts in one publish`, { operation: 'publish.upload' });
  }
  const hashes = DIGEST_ALGORITHMS.map((algorithm) => createHash(algorithm));
  const write = blobs.write(expect);
  try {
    await pipeline(source, countingHasher(hashes, maxBytes, what), write.stream);
  } catch (error) {
    write.stream.destroy(error instanceof Error ? error : undefined);
    // The store's own verdict (a digest mismatch) says more than the pipeline's.
    const verdict = await write.committed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    throw verdict instanceof LarderError && verdict.code === 'E_INTEGRITY_MISMATCH' ? withUploadWording(verdict, what) : error;
  }
  const blob = await write.committed.catch((error: unknown) => {
    throw error instanceof LarderError && error.code === 'E_INTEGRITY_MISMATCH' ? withUploadWording(error, what) : error;
  });
  const [md5, sha1, sha256, sha512] = hashes.map((hash) => hash.digest('hex'));
  return { integrity: blob.integrity, size: blob.size, digests: { md5: md5 ?? '', sha1: sha1 ?? '', sha256: sha256 ?? '', sha512: sha512 ?? '' } };
}

/** A mismatch in an upload is the client's mistake (400), not an upstream's (502). */
function withUploadWording(error: LarderError, what: string): LarderError {
  return new LarderError('E_BAD_REQUEST', `${what} does not match the digest or size the publish declared for it (${error.message}); nothing was stored`, {
    operation: 'publish.upload',
    cause: error,
  });
}
