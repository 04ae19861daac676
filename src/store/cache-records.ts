/**
 * The records a gateway caches about its external connection, beside the retention records of
 * records.ts: metadata documents with their validators, and remembered "not found" answers.
 * Same key scheme (recordKeys), same change listener for prepared responses.
 */
import type { Format } from '../domain/types.js';
import { ignoreChange, recordKeys, type RecordChangeListener } from './record-keys.js';
import type { ReadCacheOptions } from './cached-record-store.js';
import type { MetadataEntry, RecordStore } from './types.js';

/**
 * Which records a CachedRecordStore keeps in memory: the cached metadata documents, sized by
 * their text (JavaScript keeps most of it one byte a character).
 */
export function metadataReadCache(maxBytes: number): ReadCacheOptions {
  return {
    cached: (key) => key.startsWith(recordKeys.allMetadata),
    sizeOf: (value) => {
      const body = typeof value === 'object' && value !== null ? (value as Partial<MetadataEntry>).body : undefined;
      return 256 + (typeof body === 'string' ? body.length : 0);
    },
    maxBytes,
  };
}

/** Cached metadata documents per repository (gateway), package and variant. */
export class MetadataRecords {
  readonly #records: RecordStore;
  readonly #changed: RecordChangeListener;

  constructor(records: RecordStore, onChange: RecordChangeListener = ignoreChange) {
    this.#records = records;
    this.#changed = onChange;
  }

  get(repository: string, format: Format, pkg: string, variant: string): Promise<MetadataEntry | undefined> {
    return this.#records.get<MetadataEntry>(recordKeys.metadata(repository, format, pkg, variant));
  }

  async set(repository: string, format: Format, pkg: string, variant: string, entry: MetadataEntry): Promise<void> {
    await this.#records.set(recordKeys.metadata(repository, format, pkg, variant), entry);
    this.#changed(format, pkg);
  }

  /** Records a successful revalidation (a 304): the stored document is fresh again. No-op when absent. */
  async touch(repository: string, format: Format, pkg: string, variant: string, fetchedAt: number): Promise<void> {
    await this.#records.update<MetadataEntry>(recordKeys.metadata(repository, format, pkg, variant), (current) =>
      current === undefined ? undefined : { ...current, fetchedAt },
    );
    this.#changed(format, pkg);
  }

  async remove(repository: string, format: Format, pkg: string, variant: string): Promise<boolean> {
    const removed = await this.#records.delete(recordKeys.metadata(repository, format, pkg, variant));
    this.#changed(format, pkg);
    return removed;
  }
}

/**
 * Remembered "not found" answers of a connection for single assets (Maven files located by
 * sidecar), kept across restarts so stale-if-error holds for them after one too.
 */
export class NotFoundRecords {
  readonly #records: RecordStore;

  constructor(records: RecordStore) {
    this.#records = records;
  }

  /** Epoch ms until which the "not found" is fresh, or undefined when none is remembered. */
  async until(repository: string, format: Format, pkg: string, version: string, asset: string): Promise<number | undefined> {
    return (await this.#records.get<{ until: number }>(recordKeys.notFound(repository, format, pkg, version, asset)))?.until;
  }

  async remember(repository: string, format: Format, pkg: string, version: string, asset: string, until: number): Promise<void> {
    await this.#records.set(recordKeys.notFound(repository, format, pkg, version, asset), { until });
  }

  /** Forgets every remembered file of a package (its metadata changed upstream). */
  async forgetPackage(repository: string, format: Format, pkg: string): Promise<void> {
    const keys: string[] = [];
    for await (const [key] of this.#records.entries<unknown>(recordKeys.notFoundPackage(repository, format, pkg))) keys.push(key);
    for (const key of keys) await this.#records.delete(key);
  }
}
