/**
 * How an imported record meets what the data dir already holds. Pure functions; the importer
 * applies them inside the record store's read-modify-write `update`, so each key is read and
 * written in one step.
 *
 * - A package version the data dir does not retain is added as the archive has it (status,
 *   revision, origin, retainedAt) — but only when every one of its blobs is in the blob store
 *   now (already there, or written by this import): import never records a version whose bytes
 *   it does not have. Otherwise it is reported as incomplete and left out.
 * - A version already retained keeps its record: its status, revision and bytes are this data
 *   dir's (a version archived, unlisted or disposed here stays so). It only gains the assets it
 *   lacks and whose blobs are present (a PyPI version's second wheel), exactly as fetching it
 *   again would (domain/retention.ts withNewAssets) — and a Disposed version gains nothing.
 * - A cached metadata document is replaced only by one fetched later (`fetchedAt`), so importing
 *   an old archive never rolls metadata back.
 * - A remembered "not found" keeps whichever answer stays fresh longer (`until`).
 */
import { parseIntegrity } from '../../domain/integrity.js';
import { withNewAssets } from '../../domain/retention.js';
import type { RetainedVersion } from '../../domain/types.js';
import type { MetadataEntry, PackageRecord } from '../types.js';

export interface PackageMerge {
  /** The record to store; `current` itself when nothing changed. */
  next: PackageRecord | undefined;
  /** Versions added (not retained before). */
  added: string[];
  /** Versions already retained, left as they were. */
  kept: string[];
  /** Versions already retained that gained assets. */
  extended: string[];
  /** Versions left out because some of their blobs are in neither the archive nor the store. */
  incomplete: Array<{ version: string; missing: string[] }>;
}

function versionOf(record: PackageRecord | undefined, version: string): RetainedVersion | undefined {
  return record !== undefined && Object.hasOwn(record.versions, version) ? record.versions[version] : undefined;
}

/** Sets an own property, even for a key like `__proto__` (assignment would set the prototype). */
function setOwn(target: Record<string, RetainedVersion>, key: string, value: RetainedVersion): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Merges the archive's record of a package into the stored one; `available` says whether a blob (normalised integrity) is in the store. */
export function mergePackage(current: PackageRecord | undefined, incoming: PackageRecord, available: (integrity: string) => boolean): PackageMerge {
  const merge: PackageMerge = { next: current, added: [], kept: [], extended: [], incomplete: [] };
  const changes = new Map<string, RetainedVersion>();
  for (const key of Object.keys(incoming.versions)) {
    const version = incoming.versions[key];
    if (version === undefined) continue;
    const present = version.assets.filter((asset) => available(parseIntegrity(asset.integrity)));
    const existing = versionOf(current, key);
    if (existing !== undefined) {
      const merged = withNewAssets(existing, { ...version, assets: present });
      if (merged === existing) merge.kept.push(key);
      else {
        merge.extended.push(key);
        changes.set(key, merged);
      }
      continue;
    }
    if (present.length < version.assets.length) {
      const missing = version.assets.filter((asset) => !present.includes(asset)).map((asset) => parseIntegrity(asset.integrity));
      merge.incomplete.push({ version: key, missing });
      continue;
    }
    merge.added.push(key);
    changes.set(key, version);
  }
  // A package published in the repository keeps its tags as they are here; the archive's are
  // taken only when this data dir never had it published.
  const published = current?.published ?? incoming.published;
  if (changes.size === 0) {
    if (current !== undefined && current.published === undefined && published !== undefined) merge.next = { ...current, published };
    return merge;
  }
  const versions: Record<string, RetainedVersion> = {};
  for (const key of Object.keys(current?.versions ?? {})) {
    const kept = versionOf(current, key);
    if (kept !== undefined) setOwn(versions, key, kept);
  }
  for (const [key, version] of changes) setOwn(versions, key, version);
  merge.next = { repository: incoming.repository, format: incoming.format, package: incoming.package, versions, ...(published === undefined ? {} : { published }) };
  return merge;
}

/** The metadata entry to keep: the archive's only when it was fetched later than the stored one. */
export function newerMetadata(current: MetadataEntry | undefined, incoming: MetadataEntry): MetadataEntry {
  return current === undefined || incoming.fetchedAt > current.fetchedAt ? incoming : current;
}

/** The remembered "not found" to keep: the one fresh the longest. */
export function laterMiss(current: { until: number } | undefined, until: number): { until: number } {
  return current === undefined || until > current.until ? { until } : current;
}
