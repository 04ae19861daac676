/**
 * Helpers for the archive tests (test/store/archive*.test.ts): a real data dir (sqlite records and
 * a cacache blob store, closed when the test ends) and exportArchive / importArchive called on it
 * with the options every test passes the same way.
 */
import { join } from 'node:path';
import type { Test } from 'tap';
import { exportArchive, type ExportOptions, type ExportReport } from '../../src/store/archive/exporter.js';
import { importArchive, type ImportOptions, type ImportReport } from '../../src/store/archive/importer.js';
import { CacacheBlobStore } from '../../src/store/blob-store.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import { MetadataRecords, NotFoundRecords, RetentionRecords } from '../../src/store/records.js';
import { drain, sri, writeBlob } from './blob-helpers.js';

export interface ArchiveStore {
  /** The data dir. */
  dir: string;
  /** `<dir>/blobs-v1`. */
  blobDir: string;
  records: SqliteRecordStore;
  blobs: CacacheBlobStore;
  retention: RetentionRecords;
  metadata: MetadataRecords;
  misses: NotFoundRecords;
  /** Writes a blob; returns its integrity. */
  put(body: Buffer): Promise<string>;
  /** Every record, key → value, for comparisons. */
  dump(): Promise<Record<string, unknown>>;
  /** Every record's key, packages first, then metadata, then misses. */
  keys(): Promise<string[]>;
  /** A blob's bytes, or undefined when absent. */
  bytes(integrity: string): Promise<Buffer | undefined>;
}

/** Opens (creating it) the data dir at `dir`; its stores close when `t` ends. */
export async function openStore(t: Test, dir: string): Promise<ArchiveStore> {
  const blobDir = join(dir, 'blobs-v1');
  const records = await SqliteRecordStore.open(join(dir, 'records-v1.sqlite'));
  const blobs = new CacacheBlobStore(blobDir);
  t.teardown(async () => {
    await blobs.close();
    await records.close();
  });
  const dump = async (): Promise<Record<string, unknown>> => {
    const all: Record<string, unknown> = {};
    for (const prefix of ['pkg/', 'meta/', 'miss/']) for await (const [key, value] of records.entries<unknown>(prefix)) all[key] = value;
    return all;
  };
  return {
    dir,
    blobDir,
    records,
    blobs,
    retention: new RetentionRecords(records),
    metadata: new MetadataRecords(records),
    misses: new NotFoundRecords(records),
    put: async (body) => (await writeBlob(blobs, { integrity: sri(body), size: body.length }, body)).integrity,
    dump,
    keys: async () => Object.keys(await dump()),
    bytes: async (integrity) => {
      const read = await blobs.read(integrity);
      if (read === null) return undefined;
      const drained = await drain(read.stream);
      if (drained.error !== undefined) throw drained.error;
      return drained.data;
    },
  };
}

/** exportArchive of `source` to `file` (larderVersion '1' unless `options` says otherwise). */
export function exportFrom(source: ArchiveStore, file: string, options: Partial<ExportOptions> = {}): Promise<ExportReport> {
  return exportArchive({ file, records: source.records, blobDir: source.blobDir, larderVersion: '1', ...options });
}

/** importArchive of `file` into `target`, staging in its data dir. */
export function importInto(target: ArchiveStore, file: string, options: Partial<ImportOptions> = {}): Promise<ImportReport> {
  return importArchive({ file, records: target.records, blobs: target.blobs, stagingDir: target.dir, ...options });
}
