/**
 * `larder export`: the chosen repositories' records and every blob they reference, as one archive
 * (layout: manifest.ts). Read-only on the data dir, so it runs beside a daemon serving it: the
 * records are read once into a staging file (collect.ts), and blobs, immutable and
 * content-addressed, are read straight from their files — not through the blob store, whose reads
 * evict a corrupt blob, which would be a write. Each blob is hashed while it streams into the
 * archive: one whose bytes no longer match its digest is reported (it will be rejected on import;
 * `larder verify --repair` evicts it here), and so is one that a record references but the store
 * lacks.
 */
import { randomUUID } from 'node:crypto';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { createDigester } from '../../domain/integrity.js';
import { contentPath } from '../cacache-layout.js';
import type { RecordStore } from '../types.js';
import { collectRecords } from './collect.js';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, MANIFEST_ENTRY, RECORDS_ENTRY, blobEntryName, type ArchiveManifest } from './manifest.js';
import { writeTarFile, type TarEntry } from './tar-write.js';

const READ_CHUNK_BYTES = 256 * 1024;

export interface Progress {
  items: number;
  bytes: number;
}

export interface ExportOptions {
  file: string;
  records: Pick<RecordStore, 'entries'>;
  /** `<dataDir>/blobs-v1`. */
  blobDir: string;
  /** The repositories to export; undefined: every repository with records. */
  repositories?: readonly string[];
  larderVersion: string;
  onProgress?: (done: Progress, total: Progress) => void;
  now?: () => Date;
}

export interface ExportReport {
  manifest: ArchiveManifest;
  /** Records damaged in the store, left out. */
  damaged: Array<{ key: string; why: string }>;
  /** Blobs a record references that the store does not have: those versions will not import. */
  missing: Array<{ integrity: string; referencedBy: string }>;
  /** Blobs whose bytes did not match their digest as they were exported: rejected on import. */
  corrupt: Array<{ integrity: string; actual: string; referencedBy: string }>;
}

interface PlannedBlob {
  integrity: string;
  size: number;
  referencedBy: string;
}

async function* oneChunk(entry: Buffer): AsyncGenerator<Buffer> {
  yield entry;
}

export async function exportArchive(options: ExportOptions): Promise<ExportReport> {
  const now = options.now ?? (() => new Date());
  const staging = join(dirname(options.file), `.${basename(options.file)}.records-${randomUUID().slice(0, 8)}`);
  try {
    const collected = await collectRecords(options.records, options.repositories, staging);
    const report: Omit<ExportReport, 'manifest'> = { damaged: collected.damaged, missing: [], corrupt: [] };
    const planned: PlannedBlob[] = [];
    for (const [integrity, { referencedBy }] of [...collected.blobs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const size = await blobSize(options.blobDir, integrity);
      if (size === undefined) report.missing.push({ integrity, referencedBy });
      else planned.push({ integrity, size, referencedBy });
    }
    const repositories = [...collected.repositories.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const total: Progress = { items: planned.length, bytes: planned.reduce((sum, blob) => sum + blob.size, 0) };
    const created = now();
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      larderVersion: options.larderVersion,
      createdAt: created.toISOString(),
      repositories,
      counts: {
        repositories: repositories.length,
        packages: repositories.reduce((sum, r) => sum + r.packages, 0),
        versions: repositories.reduce((sum, r) => sum + r.versions, 0),
        metadata: repositories.reduce((sum, r) => sum + r.metadata, 0),
        misses: repositories.reduce((sum, r) => sum + r.misses, 0),
        blobs: total.items,
        bytes: total.bytes,
      },
    };
    const done: Progress = { items: 0, bytes: 0 };
    options.onProgress?.(done, total);
    async function* entries(): AsyncGenerator<TarEntry> {
      const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      yield { name: MANIFEST_ENTRY, size: manifestBytes.length, mtime: created, body: oneChunk(manifestBytes) };
      yield { name: RECORDS_ENTRY, size: (await stat(staging)).size, mtime: created, body: createReadStream(staging, { highWaterMark: READ_CHUNK_BYTES }) };
      for (const blob of planned) {
        const handle = await openBlob(options.blobDir, blob.integrity);
        if (handle === undefined) {
          // Removed since it was planned (evicted as corrupt by the daemon, or collected).
          report.missing.push({ integrity: blob.integrity, referencedBy: blob.referencedBy });
          continue;
        }
        try {
          const size = (await handle.stat()).size;
          yield { name: blobEntryName(blob.integrity), size, mtime: created, body: blobBody(handle, blob, size, report, done, total, options.onProgress) };
        } finally {
          // Here rather than in blobBody: a body never started (the archive failed first) is closed too.
          await handle.close();
        }
        done.items += 1;
        options.onProgress?.(done, total);
      }
    }
    await writeTarFile(options.file, entries());
    return { manifest, ...report };
  } finally {
    await rm(staging, { force: true });
  }
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function blobSize(blobDir: string, integrity: string): Promise<number | undefined> {
  try {
    const info = await stat(contentPath(blobDir, integrity));
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

async function openBlob(blobDir: string, integrity: string): Promise<FileHandle | undefined> {
  try {
    return await open(contentPath(blobDir, integrity), 'r');
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

/**
 * Exactly `size` bytes of an open blob (the caller closes it), hashed on the way. The file is immutable, so it does not
 * change under us unless it is being damaged; if it then gives fewer bytes the entry is padded
 * with zeros (the archive stays readable) and the digest check below reports it.
 */
async function* blobBody(handle: FileHandle, blob: PlannedBlob, size: number, report: Omit<ExportReport, 'manifest'>, done: Progress, total: Progress, onProgress: ExportOptions['onProgress']): AsyncGenerator<Buffer> {
  const digester = createDigester(blob.integrity);
  if (size > 0) {
    for await (const chunk of handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false, start: 0, end: size - 1 })) {
      const bytes = (chunk as Buffer).subarray(0, size - digester.size);
      if (bytes.length === 0) continue;
      digester.update(bytes);
      done.bytes += bytes.length;
      onProgress?.(done, total);
      yield bytes;
    }
  }
  const zeros = Buffer.alloc(Math.min(size - digester.size, READ_CHUNK_BYTES));
  while (digester.size < size) {
    const padding = zeros.subarray(0, size - digester.size);
    digester.update(padding);
    yield padding;
  }
  const actual = digester.digest();
  if (actual !== blob.integrity) report.corrupt.push({ integrity: blob.integrity, actual, referencedBy: blob.referencedBy });
}
