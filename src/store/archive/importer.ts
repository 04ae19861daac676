/**
 * `larder import`: reads an export archive (layout: manifest.ts) into a data dir, merging with
 * what is there. The caller holds the data dir's lock: a daemon keeps parsed records in memory
 * and would not see what this writes.
 *
 * In archive order: the manifest is checked; the records are checked and staged
 * (import-records.ts); then each blob streams into the blob store, verified against the digest
 * its entry is named by while it streams (blob-write.ts): a mismatch rejects that blob — nothing
 * of it is stored — and the import goes on. A blob the store already has is skipped unread (same
 * digest, same bytes; if the stored copy is damaged, `larder verify` says so — import never
 * replaces stored bytes). Last, the staged records are merged (merge.ts): a version is recorded
 * only when all of its blobs are in the store, so a rejected blob leaves its versions out rather
 * than recorded without bytes.
 *
 * A damaged archive (bad tar checksum, truncated, broken gzip, a records line that is no record)
 * stops the import before any record is written; blobs already written stay (verified,
 * content-addressed; `larder gc` removes them once nothing references them).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LarderError, describeError, isLarderError } from '../../errors.js';
import type { BlobStore, RecordStore } from '../types.js';
import type { Progress } from './exporter.js';
import { mergeStaged, stageRecords, type MergeReport } from './import-records.js';
import { MANIFEST_ENTRY, MAX_MANIFEST_BYTES, RECORDS_ENTRY, integrityOfEntry, parseManifest, type ArchiveManifest } from './manifest.js';
import { readTarFile, type TarReadEntry } from './tar-read.js';

export interface ImportOptions {
  file: string;
  records: RecordStore;
  blobs: BlobStore;
  /** A directory on the data dir's filesystem for the staged records (the data dir itself). */
  stagingDir: string;
  /** Import only these repositories' records (and the blobs they reference); undefined: all. */
  repositories?: ReadonlySet<string>;
  onProgress?: (done: Progress, total: Progress) => void;
}

export interface RejectedBlob {
  entry: string;
  integrity: string;
  why: string;
  referencedBy: string;
}

export interface ImportReport extends MergeReport {
  manifest: ArchiveManifest;
  /** Repositories whose records were imported, sorted. */
  repositories: string[];
  blobsWritten: number;
  bytesWritten: number;
  /** Blobs skipped because the store already had them. */
  blobsPresent: number;
  rejected: RejectedBlob[];
  /** Blob entries no chosen record references (with --repo, or a hand-made archive): skipped. */
  blobsUnreferenced: number;
  /** Entries that are not part of the layout: skipped. */
  unknownEntries: string[];
}

function notAnExport(file: string, why: string): LarderError {
  return new LarderError('E_BAD_REQUEST', `${file} is not a larder export archive: ${why}`, { operation: 'archive.import' });
}

async function readWhole(entry: TarReadEntry, max: number): Promise<string> {
  if (entry.size > max) throw new LarderError('E_BAD_REQUEST', `${entry.name} is ${entry.size} bytes, more than a manifest ever is`, { operation: 'archive.import' });
  const chunks: Buffer[] = [];
  for await (const chunk of entry.body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Counts the bytes going through, for the progress bar. */
async function* counted(body: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    onBytes(chunk.length);
    yield chunk;
  }
}

export async function importArchive(options: ImportOptions): Promise<ImportReport> {
  const staging = join(options.stagingDir, `.import-${randomUUID().slice(0, 8)}.jsonl`);
  const done: Progress = { items: 0, bytes: 0 };
  let total: Progress = { items: 0, bytes: 0 };
  const progress = (): void => options.onProgress?.(done, total);
  let manifest: ArchiveManifest | undefined;
  let staged: Awaited<ReturnType<typeof stageRecords>> | undefined;
  const intact = new Set<string>();
  const tally = { blobsWritten: 0, bytesWritten: 0, blobsPresent: 0, blobsUnreferenced: 0, rejected: [] as RejectedBlob[], unknownEntries: [] as string[] };
  try {
    for await (const entry of readTarFile(options.file)) {
      if (manifest === undefined) {
        if (entry.name !== MANIFEST_ENTRY || entry.type !== 'File') throw notAnExport(options.file, `its first entry is ${JSON.stringify(entry.name)}, not ${MANIFEST_ENTRY}`);
        manifest = parseManifest(await readWhole(entry, MAX_MANIFEST_BYTES));
        checkChosen(manifest, options.repositories);
        total = { items: manifest.counts.blobs, bytes: manifest.counts.bytes };
        progress();
        continue;
      }
      if (staged === undefined) {
        if (entry.name !== RECORDS_ENTRY || entry.type !== 'File') throw notAnExport(options.file, `its second entry is ${JSON.stringify(entry.name)}, not ${RECORDS_ENTRY}`);
        staged = await stageRecords(entry.body, staging, options.repositories);
        continue;
      }
      const integrity = entry.type === 'File' ? integrityOfEntry(entry.name) : undefined;
      if (integrity === undefined) {
        tally.unknownEntries.push(entry.name);
        await entry.skip();
        continue;
      }
      const referencedBy = staged.referenced.get(integrity);
      let streamed = 0;
      if (referencedBy === undefined) tally.blobsUnreferenced += 1;
      else if ((await options.blobs.has(integrity)) !== null) {
        tally.blobsPresent += 1;
        intact.add(integrity);
      } else {
        const failure = await writeBlob(options.blobs, entry, integrity, (bytes) => {
          streamed += bytes;
          done.bytes += bytes;
          progress();
        });
        if (failure === undefined) {
          tally.blobsWritten += 1;
          tally.bytesWritten += entry.size;
          intact.add(integrity);
        } else tally.rejected.push({ entry: entry.name, integrity, why: failure, referencedBy });
      }
      await entry.skip();
      done.items += 1;
      done.bytes += entry.size - streamed;
      progress();
    }
    if (manifest === undefined || staged === undefined) throw notAnExport(options.file, manifest === undefined ? 'it is empty' : `it has no ${RECORDS_ENTRY}`);
    const merged = await mergeStaged(staging, options.records, options.blobs, intact);
    return { manifest, repositories: [...staged.repositories].sort(), ...tally, ...merged };
  } finally {
    await rm(staging, { force: true });
  }
}

/** With --repo, every named repository must be in the archive: a typo would otherwise import nothing, silently. */
function checkChosen(manifest: ArchiveManifest, chosen: ReadonlySet<string> | undefined): void {
  if (chosen === undefined) return;
  const held = new Set(manifest.repositories.map((repository) => repository.name));
  const absent = [...chosen].filter((name) => !held.has(name));
  if (absent.length > 0) {
    throw new LarderError('E_USAGE', `the archive holds no repository ${absent.map((name) => JSON.stringify(name)).join(', ')} (it holds: ${[...held].join(', ') || 'none'})`, { operation: 'archive.import' });
  }
}

/** Streams one blob entry into the store. Undefined when stored; why not, when its bytes do not match. Store failures throw. */
async function writeBlob(blobs: BlobStore, entry: TarReadEntry, integrity: string, onBytes: (bytes: number) => void): Promise<string | undefined> {
  const write = blobs.write({ integrity, size: entry.size });
  try {
    await pipeline(Readable.from(counted(entry.body, onBytes), { objectMode: false }), write.stream);
    await write.committed;
    return undefined;
  } catch (error) {
    if (isLarderError(error, 'E_INTEGRITY_MISMATCH')) {
      const actual = error.details.actual;
      return typeof actual === 'string' ? `its bytes hash to ${actual}` : describeError(error);
    }
    throw error;
  }
}
