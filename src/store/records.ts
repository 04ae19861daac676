/**
 * Typed retention records on top of a RecordStore (keys: record-keys.ts; cached metadata and
 * misses: cache-records.ts).
 *
 * Keys are `<kind>/<repository>/<format>/<package>[/<variant>]`, each free-form part passed
 * through encodeURIComponent, which escapes `/` (and `@`, `:`, `%`): no package name, scoped npm
 * names included, can produce a separator, so two different coordinates never share a key and a
 * prefix such as `pkg/<repository>/` never matches another repository whose name merely starts
 * the same way.
 *
 * Retention is one record per package version set: `PackageRecord.versions` keyed by version.
 * Versions are looked up as own properties only, so a version string like `__proto__` or
 * `constructor` is data, never the object's prototype.
 */
import { createHash } from 'node:crypto';
import { withNewAssets } from '../domain/retention.js';
import { LarderError } from '../errors.js';
import type { Format, RetainedVersion, VersionStatus } from '../domain/types.js';
import type { PackageRecord, RecordStore } from './types.js';
import { KeyEpochs } from './key-epochs.js';
import { ignoreChange, recordKeys, type RecordChangeListener } from './record-keys.js';

function versionOf(record: PackageRecord | undefined, version: string): RetainedVersion | undefined {
  return record !== undefined && Object.hasOwn(record.versions, version) ? record.versions[version] : undefined;
}

/** A new revision whenever status changes; chained, so returning to an earlier status is still new. */
function nextRevision(previous: string, status: VersionStatus): string {
  return createHash('sha256').update(previous).update('\0').update(status).digest('base64url').slice(0, 22);
}

/** Package records kept parsed in memory: every artifact request reads one, most of them the same few. */
const CACHED_PACKAGE_RECORDS = 2_000;
/**
 * Keys known to have no record. Far more of them: a search through `default` asks every
 * repository in its chain (seven in the embedded config) about every package, and most of
 * those answers are "none". A key costs a few dozen bytes.
 */
const CACHED_ABSENT_KEYS = 50_000;

/**
 * Package versions retained per repository (DESIGN §1 Retention). Reads are served from a small
 * cache of parsed records, exact because every write goes through this class (one daemon per
 * data dir) and drops the record it changes. Records handed out are shared: read-only.
 */
export class RetentionRecords {
  readonly #records: RecordStore;
  readonly #changed: RecordChangeListener;
  readonly #cache = new Map<string, PackageRecord>();
  /** Insertion-ordered, oldest first. */
  readonly #absent = new Set<string>();

  constructor(records: RecordStore, onChange: RecordChangeListener = ignoreChange) {
    this.#records = records;
    this.#changed = onChange;
  }

  async getPackage(repository: string, format: Format, pkg: string): Promise<PackageRecord | undefined> {
    const key = recordKeys.package(repository, format, pkg);
    if (this.#absent.has(key)) return undefined;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const { value: record, fresh } = await this.#epochs.read(key, () => this.#records.get<PackageRecord>(key));
    // A write to this key that began or ended while the read was in flight may have made it stale.
    if (fresh) this.#remember(key, record);
    return record;
  }

  readonly #epochs = new KeyEpochs();

  #forget(key: string): void {
    this.#cache.delete(key);
    this.#absent.delete(key);
  }

  #remember(key: string, record: PackageRecord | undefined): void {
    const [map, limit] = record === undefined ? [this.#absent, CACHED_ABSENT_KEYS] : [this.#cache, CACHED_PACKAGE_RECORDS];
    if (record === undefined) this.#absent.add(key);
    else this.#cache.set(key, record);
    for (const oldest of map.keys()) {
      if (map.size <= limit) break;
      map.delete(oldest);
    }
  }

  async getVersion(repository: string, format: Format, pkg: string, version: string): Promise<RetainedVersion | undefined> {
    return versionOf(await this.getPackage(repository, format, pkg), version);
  }

  /**
   * Retains a version in a repository. Idempotent: retained bytes never change, so a version
   * already retained there is kept exactly as it is and `version` is ignored.
   */
  async retain(repository: string, version: RetainedVersion): Promise<void> {
    await this.#update(repository, version.format, version.package, (current) => {
      const existing = versionOf(current, version.version);
      if (current !== undefined && existing !== undefined) {
        const merged = withNewAssets(existing, version);
        return merged === existing ? current : { ...current, versions: { ...current.versions, [version.version]: merged } };
      }
      return {
        repository,
        format: version.format,
        package: version.package,
        // A computed key defines an own property even for `__proto__`.
        versions: { ...current?.versions, [version.version]: version },
      };
    });
  }

  /**
   * Changes a retained version's status (and so its revision). Returns the version as stored,
   * or undefined when it is not retained. A Disposed version cannot be restored.
   */
  async setStatus(repository: string, format: Format, pkg: string, version: string, status: VersionStatus): Promise<RetainedVersion | undefined> {
    let updated: RetainedVersion | undefined;
    await this.#update(repository, format, pkg, (current) => {
      const existing = versionOf(current, version);
      if (current === undefined || existing === undefined) return current;
      if (existing.status === status) {
        updated = existing;
        return current;
      }
      if (existing.status === 'Disposed') {
        throw new LarderError('E_BAD_REQUEST', `${pkg}@${version} in ${repository} is Disposed; a disposed version cannot be restored`, {
          operation: 'store.setStatus',
        });
      }
      updated = { ...existing, status, revision: nextRevision(existing.revision, status) };
      return { ...current, versions: { ...current.versions, [version]: updated } };
    });
    return updated;
  }

  /**
   * Replaces one version's record in a single store write: `change` gets what is stored (or
   * undefined) and returns the new record, or undefined to remove it. The package record goes
   * with its last version. Returns the version before and after.
   */
  async updateVersion(
    repository: string,
    format: Format,
    pkg: string,
    version: string,
    change: (existing: RetainedVersion | undefined) => RetainedVersion | undefined,
  ): Promise<{ before?: RetainedVersion; after?: RetainedVersion }> {
    const outcome: { before?: RetainedVersion; after?: RetainedVersion } = {};
    await this.#update(repository, format, pkg, (current) => {
      const before = versionOf(current, version);
      const after = change(before);
      if (before !== undefined) outcome.before = before;
      if (after !== undefined) outcome.after = after;
      if (after === before) return current;
      const rest = { ...current?.versions };
      delete rest[version];
      // Spread and a computed key define own properties, even for `__proto__` (assignment would
      // set the prototype instead).
      const versions = after === undefined ? rest : { ...rest, [version]: after };
      return Object.keys(versions).length === 0 ? undefined : { repository, format, package: pkg, ...current, versions };
    });
    return outcome;
  }

  /**
   * Replaces a package record in one store write (publishing: versions and dist-tags together).
   * `change` gets what is stored and returns the new record, or undefined to remove it.
   */
  async updatePackage(repository: string, format: Format, pkg: string, change: (current: PackageRecord | undefined) => PackageRecord | undefined): Promise<void> {
    await this.#update(repository, format, pkg, change);
  }

  /** Deletes a version's record; the package record goes with its last version. Returns what was removed. */
  async removeVersion(repository: string, format: Format, pkg: string, version: string): Promise<RetainedVersion | undefined> {
    let removed: RetainedVersion | undefined;
    await this.#update(repository, format, pkg, (current) => {
      removed = versionOf(current, version);
      if (current === undefined || removed === undefined) return current;
      const versions = { ...current.versions };
      delete versions[version];
      return Object.keys(versions).length === 0 ? undefined : { ...current, versions };
    });
    return removed;
  }

  /**
   * Forgets everything a repository holds in the records — retained versions, cached metadata,
   * remembered "not found" answers — because the repository was deleted. Returns the versions it
   * held, so the caller can release their blobs.
   */
  async purgeRepository(repository: string): Promise<RetainedVersion[]> {
    const held: RetainedVersion[] = [];
    const keys: string[] = [];
    for await (const [key, record] of this.#records.entries<PackageRecord>(recordKeys.packages(repository))) {
      keys.push(key);
      held.push(...Object.values(record.versions));
    }
    for (const prefix of recordKeys.cachedPrefixes(repository)) {
      for await (const [key] of this.#records.entries<unknown>(prefix)) keys.push(key);
    }
    for (const key of keys) await this.#epochs.write(key, () => this.#records.delete(key));
    this.#cache.clear();
    this.#absent.clear();
    for (const version of held) this.#changed(version.format, version.package);
    return held;
  }

  /** One package record's read-modify-write; listeners hear of it when the record changed. */
  async #update(repository: string, format: Format, pkg: string, change: (current: PackageRecord | undefined) => PackageRecord | undefined): Promise<void> {
    let changed = false;
    const key = recordKeys.package(repository, format, pkg);
    try {
      await this.#epochs.write(key, () =>
        this.#records.update<PackageRecord>(key, (current) => {
          const next = change(current);
          changed = next !== current;
          return next;
        }),
      );
    } finally {
      this.#forget(key);
    }
    if (changed) this.#changed(format, pkg);
  }

  /** Every package record of every repository, configured or not (maintenance: verify, gc). */
  async *allPackages(): AsyncIterable<PackageRecord> {
    for await (const [, record] of this.#records.entries<PackageRecord>(recordKeys.allPackages)) yield record;
  }

  /** Every package with retained versions in a repository (optionally one format), in key order. */
  async *listPackages(repository: string, format?: Format): AsyncIterable<PackageRecord> {
    for await (const [, record] of this.#records.entries<PackageRecord>(recordKeys.packages(repository, format))) {
      yield record;
    }
  }
}

export { MetadataRecords, metadataReadCache, NotFoundRecords } from './cache-records.js';
export { recordKeys, type RecordChangeListener } from './record-keys.js';
