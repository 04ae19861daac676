/**
 * Import, records: the archive's `records.jsonl` is checked line by line as it streams and the
 * chosen repositories' lines are staged in a file in the data dir (records come before blobs in
 * the archive, but which versions can be recorded depends on which blobs arrive intact). Once
 * every blob is in, the staged lines are merged into the record store (rules: merge.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseIntegrity } from '../../domain/integrity.js';
import { LarderError } from '../../errors.js';
import { recordKeys } from '../record-keys.js';
import type { BlobStore, MetadataEntry, PackageRecord, RecordStore } from '../types.js';
import { splitLines } from './lines.js';
import { laterMiss, mergePackage, newerMetadata } from './merge.js';
import { RECORDS_ENTRY } from './manifest.js';
import { RecordShapeError, parseRecordLine, repositoryOf } from './record-lines.js';

/** Far above any metadata document larder accepts from an upstream: a longer line is damage. */
export const MAX_RECORD_LINE_BYTES = 64 * 1024 * 1024;

export interface StagedRecords {
  /** Normalised integrity → the first version referencing it (for messages). */
  referenced: Map<string, string>;
  /** Repositories with at least one staged record. */
  repositories: Set<string>;
}

/**
 * Streams the records entry into `stagingFile`, keeping only the lines of `chosen` repositories
 * (all when undefined). A line that is not a valid record fails the whole import here, before
 * anything is written to the data dir.
 */
export async function stageRecords(body: AsyncIterable<Buffer>, stagingFile: string, chosen: ReadonlySet<string> | undefined): Promise<StagedRecords> {
  const staged: StagedRecords = { referenced: new Map(), repositories: new Set() };
  async function* lines(): AsyncGenerator<string> {
    try {
      for await (const line of splitLines(body, MAX_RECORD_LINE_BYTES)) {
        const record = parseRecordLine(line.text);
        const repository = repositoryOf(record);
        if (chosen !== undefined && !chosen.has(repository)) continue;
        staged.repositories.add(repository);
        if (record.kind === 'package') {
          const pkg = record.record;
          for (const version of Object.values(pkg.versions)) {
            for (const asset of version.assets) {
              const integrity = parseIntegrity(asset.integrity);
              if (!staged.referenced.has(integrity)) staged.referenced.set(integrity, `${pkg.repository} ${pkg.format} ${pkg.package}@${version.version} ${asset.name}`);
            }
          }
        }
        yield `${line.text}\n`;
      }
    } catch (error) {
      if (!(error instanceof RecordShapeError)) throw error;
      throw new LarderError('E_BAD_REQUEST', `the archive's ${RECORDS_ENTRY} is damaged: ${error.message}; nothing was imported`, { operation: 'archive.import', cause: error });
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(stagingFile, { flags: 'wx', mode: 0o600 }));
  return staged;
}

export interface MergeReport {
  packages: number;
  versionsAdded: number;
  versionsKept: number;
  versionsExtended: number;
  /** Versions left out: a blob they need is in neither the archive (intact) nor the store. */
  incomplete: Array<{ repository: string; format: string; package: string; version: string; missing: string[] }>;
  metadataWritten: number;
  metadataKept: number;
  missesWritten: number;
  missesKept: number;
}

/** Merges every staged line into the record store. `available` answers from what the blob phase saw, asking the store otherwise. */
export async function mergeStaged(stagingFile: string, records: RecordStore, blobs: Pick<BlobStore, 'has'>, known: ReadonlySet<string>): Promise<MergeReport> {
  const report: MergeReport = { packages: 0, versionsAdded: 0, versionsKept: 0, versionsExtended: 0, incomplete: [], metadataWritten: 0, metadataKept: 0, missesWritten: 0, missesKept: 0 };
  const present = new Map<string, boolean>();
  for (const integrity of known) present.set(integrity, true);
  for await (const line of splitLines(createReadStream(stagingFile), MAX_RECORD_LINE_BYTES)) {
    const record = parseRecordLine(line.text);
    if (record.kind === 'package') {
      const incoming = record.record;
      // The presence checks are async; the merge inside `update` is not, so ask first.
      for (const version of Object.values(incoming.versions)) {
        for (const asset of version.assets) {
          const integrity = parseIntegrity(asset.integrity);
          if (!present.has(integrity)) present.set(integrity, (await blobs.has(integrity)) !== null);
        }
      }
      let outcome: ReturnType<typeof mergePackage> | undefined;
      await records.update<PackageRecord>(recordKeys.package(incoming.repository, incoming.format, incoming.package), (current) => {
        outcome = mergePackage(current, incoming, (integrity) => present.get(integrity) === true);
        return outcome.next;
      });
      if (outcome === undefined) continue;
      report.packages += 1;
      report.versionsAdded += outcome.added.length;
      report.versionsKept += outcome.kept.length;
      report.versionsExtended += outcome.extended.length;
      for (const { version, missing } of outcome.incomplete) report.incomplete.push({ repository: incoming.repository, format: incoming.format, package: incoming.package, version, missing });
    } else if (record.kind === 'metadata') {
      let written = false;
      await records.update<MetadataEntry>(recordKeys.metadata(record.repository, record.format, record.package, record.variant), (current) => {
        const next = newerMetadata(current, record.entry);
        written = next !== current;
        return next;
      });
      if (written) report.metadataWritten += 1;
      else report.metadataKept += 1;
    } else {
      let written = false;
      await records.update<{ until: number }>(recordKeys.notFound(record.repository, record.format, record.package, record.version, record.asset), (current) => {
        const next = laterMiss(current, record.until);
        written = next !== current;
        return next;
      });
      if (written) report.missesWritten += 1;
      else report.missesKept += 1;
    }
  }
  return report;
}
