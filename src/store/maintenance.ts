/**
 * `larder verify` and `larder gc` (issue 7 §6): checks and clean-ups of a data dir, safe while a
 * daemon serves it. Blobs are immutable and content-addressed, so the only race is with a fill
 * that has written its blob but not yet its record: gc leaves blobs younger than a grace period
 * alone, and verify never removes anything but bytes that do not match their own name.
 */
import { rm } from 'node:fs/promises';
import { parseIntegrity } from '../domain/integrity.js';
import { actualIntegrity, leftoverTmpFiles, storedBlobs, type StoredBlobFile } from './blob-inventory.js';
import type { RetentionRecords } from './records.js';
import type { BlobStore } from './types.js';

export interface MaintenanceDeps {
  blobDir: string;
  retention: Pick<RetentionRecords, 'allPackages'>;
  blobs: Pick<BlobStore, 'remove'>;
  /** Called as work gets done: how much of the total is behind us. */
  onProgress?: (done: { items: number; bytes: number }, total: { items: number; bytes: number }) => void;
}

export interface MissingAsset {
  repository: string;
  format: string;
  package: string;
  version: string;
  asset: string;
  integrity: string;
}

export interface VerifyReport {
  blobs: number;
  bytes: number;
  corrupt: Array<{ integrity: string; actual: string; path: string; evicted: boolean }>;
  versions: number;
  /** Assets whose blob is absent: the daemon fetches them again on the next request. */
  missing: MissingAsset[];
}

async function inventory(blobDir: string): Promise<StoredBlobFile[]> {
  const files: StoredBlobFile[] = [];
  for await (const file of storedBlobs(blobDir)) files.push(file);
  return files;
}

/** Checks every blob against its digest and every retained asset against the blobs; `repair` evicts the corrupt ones. */
export async function verifyStore(deps: MaintenanceDeps, repair: boolean): Promise<VerifyReport> {
  const files = await inventory(deps.blobDir);
  const total = { items: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0) };
  const done = { items: 0, bytes: 0 };
  const report: VerifyReport = { blobs: files.length, bytes: total.bytes, corrupt: [], versions: 0, missing: [] };
  const present = new Set<string>();
  for (const file of files) {
    const actual = await actualIntegrity(file.path, file.integrity);
    if (actual === file.integrity) present.add(file.integrity);
    else if (actual !== undefined) {
      if (repair) await deps.blobs.remove(file.integrity);
      report.corrupt.push({ integrity: file.integrity, actual, path: file.path, evicted: repair });
    }
    done.items += 1;
    done.bytes += file.size;
    deps.onProgress?.(done, total);
  }
  for await (const record of deps.retention.allPackages()) {
    for (const version of Object.values(record.versions)) {
      report.versions += 1;
      for (const asset of version.assets) {
        if (present.has(parseIntegrity(asset.integrity))) continue;
        report.missing.push({ repository: record.repository, format: record.format, package: record.package, version: version.version, asset: asset.name, integrity: asset.integrity });
      }
    }
  }
  return report;
}

export interface GcReport {
  blobs: number;
  removed: number;
  bytesFreed: number;
  /** Unreferenced but younger than the grace period: a fill may be about to record them. */
  young: number;
  tmpRemoved: number;
}

/** Removes blobs no record of any repository references, and writers' leftovers, older than `graceMs`. */
export async function collectGarbage(deps: MaintenanceDeps, options: { graceMs: number; dryRun: boolean; now?: number }): Promise<GcReport> {
  const now = options.now ?? Date.now();
  // Records first: a blob recorded after this scan is younger than the grace period anyway.
  const referenced = new Set<string>();
  for await (const record of deps.retention.allPackages()) {
    for (const version of Object.values(record.versions)) for (const asset of version.assets) referenced.add(parseIntegrity(asset.integrity));
  }
  const files = await inventory(deps.blobDir);
  const total = { items: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0) };
  const done = { items: 0, bytes: 0 };
  const report: GcReport = { blobs: files.length, removed: 0, bytesFreed: 0, young: 0, tmpRemoved: 0 };
  for (const file of files) {
    done.items += 1;
    done.bytes += file.size;
    if (!referenced.has(file.integrity)) {
      if (now - file.mtimeMs < options.graceMs) report.young += 1;
      else {
        if (!options.dryRun) await deps.blobs.remove(file.integrity);
        report.removed += 1;
        report.bytesFreed += file.size;
      }
    }
    deps.onProgress?.(done, total);
  }
  for await (const tmp of leftoverTmpFiles(deps.blobDir)) {
    if (now - tmp.mtimeMs < options.graceMs) continue;
    if (!options.dryRun) await rm(tmp.path, { recursive: true, force: true });
    report.tmpRemoved += 1;
  }
  return report;
}
