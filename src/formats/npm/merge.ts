/**
 * The packument a client sees: the union of what the repository retains and what its upstreams
 * offer (DESIGN §1 "Metadata"). Pure; inputs are never mutated. The result shares the version
 * objects it did not change with `doc` (packuments can be megabytes): treat it as read-only.
 */
import semver from 'semver';
import type { RetainedVersion } from '../../domain/types.js';
import { abbreviateVersion } from './abbreviate.js';
import { RETAINED_TIME_FIELD, isJsonObject, type Packument, type VersionManifest } from './packument.js';

/** Statuses whose versions a listing never shows. `Unlisted` stays installable by exact version. */
const HIDDEN_STATUSES = new Set(['Unlisted', 'Archived', 'Disposed']);

/**
 * The highest version, preferring releases over prereleases: what `latest` means when larder has
 * to choose it. Undefined for an empty or all-invalid list.
 */
export function highestVersion(versions: Iterable<string>): string | undefined {
  const valid = [...versions].filter((v) => semver.valid(v) !== null).sort(semver.rcompare);
  return valid.find((v) => semver.prerelease(v) === null) ?? valid[0];
}

/** A retained snapshot as a client may see it: our own bookkeeping field removed. */
function listedManifest(manifest: VersionManifest, abbreviated: boolean): VersionManifest {
  const copy: VersionManifest = structuredClone(manifest);
  delete copy[RETAINED_TIME_FIELD];
  return abbreviated ? abbreviateVersion(copy) : copy;
}

/**
 * Merge the versions `retained` in the repository into `doc` (the upstream's document, or the
 * cached one; undefined when neither is available).
 *
 * - A retained version with status `Published` that `doc` does not list is added from its
 *   manifest snapshot (abbreviated when `abbreviated`), with `time[version]` restored from the
 *   snapshot in full documents.
 * - A retained `Published` version that `doc` does list keeps the upstream's object (deprecation
 *   notices and the like stay current) but takes its `dist` from the snapshot: the bytes larder
 *   serves are the retained ones, and their digest must be the one the client checks.
 * - Versions retained as `Unlisted`, `Archived` or `Disposed` are not listed.
 * - `dist-tags` pass through exactly as sent, except that a tag pointing at a version hidden here
 *   is dropped; if that was `latest`, `latest` moves to the highest listed release (npm expects
 *   every document to have one).
 * - Without `doc`, a document is synthesized from the retained versions: `name`, `dist-tags`
 *   with `latest` = highest retained release (else highest), `versions`, and for full documents
 *   `_id` and `time`. Undefined when there is nothing to show (no `doc`, nothing published).
 *
 * Retained records of another format or package are ignored.
 */
export function mergeRetained(
  doc: Packument | undefined,
  name: string,
  retained: RetainedVersion[],
  abbreviated: boolean,
): Packument | undefined {
  const mine = retained.filter((r) => r.format === 'npm' && r.package === name);
  const hidden = new Set(mine.filter((r) => HIDDEN_STATUSES.has(r.status)).map((r) => r.version));
  // A version hidden in any searched repository stays hidden, whatever another one retains
  // (the requesting repository's Archived must not be undone by the gateway's Published).
  const published = mine.filter((r) => r.status === 'Published' && !hidden.has(r.version) && isJsonObject(r.manifest));
  if (doc === undefined && published.length === 0) return undefined;

  const upstreamVersions = doc?.versions ?? {};
  const versions = new Map<string, VersionManifest>(
    Object.entries(upstreamVersions).filter(([version]) => !hidden.has(version)),
  );
  const time = doc?.time === undefined ? undefined : { ...doc.time };
  const addedTimes = new Map<string, string>();

  for (const record of published) {
    const snapshot = record.manifest as VersionManifest; // narrowed by isJsonObject above
    const upstream = versions.get(record.version);
    if (upstream !== undefined) {
      if (isJsonObject(snapshot.dist)) versions.set(record.version, { ...upstream, dist: structuredClone(snapshot.dist) });
      continue;
    }
    versions.set(record.version, listedManifest(snapshot, abbreviated));
    const publishedAt = snapshot[RETAINED_TIME_FIELD];
    if (typeof publishedAt === 'string') addedTimes.set(record.version, publishedAt);
  }

  const distTags = Object.fromEntries(
    Object.entries(doc?.['dist-tags'] ?? {}).filter(([, version]) => !hidden.has(version)),
  );
  const latestDropped = doc !== undefined && doc['dist-tags'].latest !== undefined && distTags.latest === undefined;
  if (doc === undefined || latestDropped) {
    const latest = highestVersion(versions.keys());
    if (latest !== undefined) distTags.latest = latest;
  }

  const out: Packument = { ...doc, name, 'dist-tags': distTags, versions: Object.fromEntries(versions) };
  if (!abbreviated) {
    const fullTime: Record<string, string> = time ?? {};
    for (const [version, stamp] of addedTimes) {
      if (!Object.hasOwn(fullTime, version)) fullTime[version] = stamp;
    }
    if (doc === undefined) out._id = name;
    if (doc === undefined || time !== undefined || addedTimes.size > 0) out.time = fullTime;
  }
  return out;
}
