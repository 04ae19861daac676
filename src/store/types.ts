/** The storage interfaces the engine talks to. Implementations live beside this file. */
import type { Readable, Writable } from 'node:stream';
import type { Format, PublishedPackage, RetainedVersion } from '../domain/types.js';

export interface StoredBlob {
  integrity: string;
  size: number;
}

export interface BlobWriteExpectation {
  /** Expected SRI string (already validated). When given, the write fails on any mismatch. */
  integrity?: string;
  /** Expected byte count. When given, a short or long body fails the write. */
  size?: number;
}

export interface BlobWrite {
  /** Write the body here; `end()` commits, `destroy(err)` aborts and cleans up the temp file. */
  stream: Writable;
  /** Resolves once the blob is in place; rejects (E_INTEGRITY_MISMATCH, E_STORE) otherwise. */
  committed: Promise<StoredBlob>;
}

/** A stored blob being read. */
export interface StoredBytes {
  size: number;
  stream: Readable;
  /** The whole blob, verified, when it is held in memory: a caller may send it without the stream (and destroy that). */
  bytes?: Buffer;
}

/** Content-addressed blobs, stored once for the whole domain. */
export interface BlobStore {
  has(integrity: string): Promise<StoredBlob | null>;
  write(expect: BlobWriteExpectation): BlobWrite;
  /**
   * A stream of the stored bytes, or null when absent. The stream verifies the digest and holds
   * back its last chunk until the digest checks out: a corrupt blob ends in an error
   * (E_INTEGRITY_MISMATCH), never a clean end, and is evicted.
   */
  read(integrity: string): Promise<StoredBytes | null>;
  /** Bytes start..end (inclusive) of a stored blob, unverified (for HTTP Range requests). */
  readRange(integrity: string, start: number, end: number): Promise<{ size: number; stream: Readable } | null>;
  remove(integrity: string): Promise<void>;
  close(): Promise<void>;
}

/** Small JSON records (keyv + sqlite). */
export interface RecordStore {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Read-modify-write, serialised per key within this process. Returning undefined deletes. */
  update<T>(key: string, change: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  /** Every record whose key starts with `prefix`, in key order. */
  entries<T>(prefix: string): AsyncIterable<[string, T]>;
  close(): Promise<void>;
}

/** Versions of one package retained in one repository. */
export interface PackageRecord {
  repository: string;
  format: Format;
  package: string;
  versions: Record<string, RetainedVersion>;
  /** Present once a version of the package was published in this repository (issue 9). */
  published?: PublishedPackage;
}


/** A cached metadata document fetched from one external connection. */
export interface MetadataEntry {
  body: string;
  contentType: string;
  etag?: string;
  lastModified?: string;
  /** Epoch ms of the last successful fetch or revalidation. */
  fetchedAt: number;
  /** Format-specific modification stamp (npm: `time.modified`), to refuse older answers. */
  modifiedAt?: number;
  /** sha256 of the body, to compare answers from upstreams that send no validators. */
  bodyDigest: string;
  /** The upstream said the package does not exist (404/410): a remembered "not found", no body. */
  absent?: boolean;
}
