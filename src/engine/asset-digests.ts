/**
 * The md5, sha1, sha256 and sha512 of stored assets, for Maven's checksum sidecars and
 * X-Checksum-* headers: computed from the bytes larder serves (never taken on trust), once per
 * blob, and remembered.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../store/types.js';

export const DIGEST_ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
export type Digests = Readonly<Record<DigestAlgorithm, string>>;

const MAX_REMEMBERED = 20_000;

/** Hex digests of everything `stream` yields (it is read to the end). */
export async function digestStream(stream: Readable): Promise<Digests> {
  const hashes = DIGEST_ALGORITHMS.map((algorithm) => createHash(algorithm));
  for await (const chunk of stream as AsyncIterable<Buffer>) for (const hash of hashes) hash.update(chunk);
  const [md5, sha1, sha256, sha512] = hashes.map((hash) => hash.digest('hex'));
  return { md5: md5 ?? '', sha1: sha1 ?? '', sha256: sha256 ?? '', sha512: sha512 ?? '' };
}

/** Hex digests of a text as it is sent (maven-metadata.xml, which larder renders itself). */
export function digestText(text: string): Digests {
  const bytes = Buffer.from(text, 'utf8');
  const [md5, sha1, sha256, sha512] = DIGEST_ALGORITHMS.map((algorithm) => createHash(algorithm).update(bytes).digest('hex'));
  return { md5: md5 ?? '', sha1: sha1 ?? '', sha256: sha256 ?? '', sha512: sha512 ?? '' };
}

export class AssetDigests {
  readonly #known = new Map<string, Digests>();

  constructor(private readonly blobs: Pick<BlobStore, 'read'>) {}

  known(integrity: string): Digests | undefined {
    return this.#known.get(integrity);
  }

  /** Reads the stored blob (verified) once; undefined when it is not stored. */
  async ofStored(integrity: string): Promise<Digests | undefined> {
    const remembered = this.#known.get(integrity);
    if (remembered) return remembered;
    const blob = await this.blobs.read(integrity);
    if (blob === null) return undefined;
    return this.remember(integrity, await digestStream(blob.stream));
  }

  remember(integrity: string, digests: Digests): Digests {
    if (this.#known.size >= MAX_REMEMBERED) {
      const oldest = this.#known.keys().next();
      if (!oldest.done) this.#known.delete(oldest.value);
    }
    this.#known.set(integrity, digests);
    return digests;
  }
}
