/**
 * Publishing into a repository (issue 9): one object the format handlers use, so each format's
 * handler only speaks its client's protocol. admit → store → record, in that order: the guard
 * runs before any byte is stored, and a version is recorded only once all its bytes are in.
 */
import type { Readable } from 'node:stream';
import type { Format } from '../../domain/types.js';
import type { FormatProtocol } from '../../formats/protocol.js';
import type { BlobStore, BlobWriteExpectation, PackageRecord } from '../../store/types.js';
import { requireRepository, type ChainContext } from '../chain.js';
import type { MetadataCache } from '../metadata-cache.js';
import type { Retention } from '../ports.js';
import { admitPublish, type PublishTarget } from './guard.js';
import { recordPublish, updatePublished, type PublishInput, type PublishedRecords, type TagChange } from './record.js';
import { storeUpload, type UploadedBlob } from './upload.js';

export type { PublishTarget } from './guard.js';
export type { PublishInput, TagChange } from './record.js';
export type { UploadedBlob } from './upload.js';

export interface PublisherDeps {
  chain: ChainContext;
  retention: Pick<Retention, 'getPackage'> & PublishedRecords;
  cache: MetadataCache;
  blobs: Pick<BlobStore, 'write'>;
  now?: () => number;
}

export class Publisher {
  readonly #deps: PublisherDeps;

  constructor(deps: PublisherDeps) {
    this.#deps = deps;
  }

  now(): Date {
    return new Date((this.#deps.now ?? Date.now)());
  }

  /** Whether the repository takes publishes at all (so a handler can say 405 for other writes). */
  accepts(repository: string): boolean {
    return requireRepository(this.#deps.chain, repository).publish;
  }

  /** The guard (see guard.ts); returns the version when this publish adds files to one published before. */
  admit<Doc>(protocol: FormatProtocol<Doc>, target: PublishTarget): ReturnType<typeof admitPublish> {
    return admitPublish(this.#deps, protocol, target);
  }

  /** Streams one file into the store (see upload.ts). */
  store(source: Readable, expect: BlobWriteExpectation, what: string, maxBytes?: number): Promise<UploadedBlob> {
    return storeUpload(this.#deps.blobs, source, expect, what, maxBytes);
  }

  record(input: Omit<PublishInput, 'now'>, tags?: TagChange): ReturnType<typeof recordPublish> {
    return recordPublish(this.#deps.retention, { ...input, now: this.now() }, tags);
  }

  /** The package as published in `repository` (undefined when it never was). */
  async published(repository: string, format: Format, pkg: string): Promise<(PackageRecord & { published: NonNullable<PackageRecord['published']> }) | undefined> {
    const record = await this.#deps.retention.getPackage(repository, format, pkg);
    return record?.published === undefined ? undefined : { ...record, published: record.published };
  }

  update(repository: string, format: Format, pkg: string, change: Parameters<typeof updatePublished>[2]): Promise<void> {
    return updatePublished(this.#deps.retention, { repository, format, pkg, now: this.now() }, change);
  }
}
