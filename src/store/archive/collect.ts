/**
 * Export, first pass: the chosen repositories' records, read once from the record store and
 * written as `records.jsonl` lines to a staging file beside the archive. A tar header needs its
 * entry's size before the body, and the manifest (first in the archive) needs the counts; staging
 * gives both from one consistent read, beside a daemon that keeps writing, without holding the
 * records in memory. What this pass keeps is small: per-repository counts, and the set of blobs
 * the package records reference.
 */
import { Readable } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseIntegrity } from '../../domain/integrity.js';
import type { Format } from '../../domain/types.js';
import { recordKeys } from '../record-keys.js';
import type { RecordStore } from '../types.js';
import type { RepositorySummary } from './manifest.js';
import { RecordShapeError, formatOf, recordFromStore, repositoryOf, type ArchiveRecord } from './record-lines.js';

export interface ReferencedBlob {
  /** The first version found referencing it, for messages: `repository format package@version asset`. */
  referencedBy: string;
}

export interface Collected {
  /** Every repository the archive holds records of (and every one asked for), by name. */
  repositories: Map<string, RepositorySummary>;
  /** Normalised integrity → who references it. */
  blobs: Map<string, ReferencedBlob>;
  /** Records that were damaged in the store and left out of the archive. */
  damaged: Array<{ key: string; why: string }>;
}

/** The record store prefixes to read: every record of the named repositories, or every record. */
export function prefixesFor(repositories: readonly string[] | undefined): string[] {
  // Without a choice: the three kinds of record-keys.ts, whole.
  if (repositories === undefined) return [recordKeys.allPackages, 'meta/', 'miss/'];
  return repositories.flatMap((name) => [recordKeys.packages(name), ...recordKeys.cachedPrefixes(name)]);
}

function summaryOf(collected: Collected, name: string): RepositorySummary {
  let summary = collected.repositories.get(name);
  if (summary === undefined) {
    summary = { name, formats: [], packages: 0, versions: 0, metadata: 0, misses: 0 };
    collected.repositories.set(name, summary);
  }
  return summary;
}

function count(collected: Collected, record: ArchiveRecord): void {
  const summary = summaryOf(collected, repositoryOf(record));
  const format: Format = formatOf(record);
  if (!summary.formats.includes(format)) summary.formats.push(format);
  if (record.kind === 'metadata') summary.metadata += 1;
  else if (record.kind === 'miss') summary.misses += 1;
  else {
    const { record: pkg } = record;
    summary.packages += 1;
    for (const version of Object.values(pkg.versions)) {
      summary.versions += 1;
      for (const asset of version.assets) {
        const integrity = parseIntegrity(asset.integrity);
        if (!collected.blobs.has(integrity)) collected.blobs.set(integrity, { referencedBy: `${pkg.repository} ${pkg.format} ${pkg.package}@${version.version} ${asset.name}` });
      }
    }
  }
}

/** Reads the records under `prefixes` into `stagingFile` as JSON lines; returns what it saw. */
export async function collectRecords(records: Pick<RecordStore, 'entries'>, repositories: readonly string[] | undefined, stagingFile: string): Promise<Collected> {
  const collected: Collected = { repositories: new Map(), blobs: new Map(), damaged: [] };
  for (const name of repositories ?? []) summaryOf(collected, name);
  async function* lines(): AsyncGenerator<string> {
    for (const prefix of prefixesFor(repositories)) {
      for await (const [key, value] of records.entries<unknown>(prefix)) {
        let record: ArchiveRecord | undefined;
        try {
          record = recordFromStore(key, value);
        } catch (error) {
          if (!(error instanceof RecordShapeError)) throw error;
          collected.damaged.push({ key, why: error.message });
          continue;
        }
        if (record === undefined) continue;
        count(collected, record);
        yield `${JSON.stringify(record)}\n`;
      }
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(stagingFile, { flags: 'wx', mode: 0o600 }));
  for (const summary of collected.repositories.values()) summary.formats.sort();
  return collected;
}
