/**
 * The packument a client sees: the union of what the repository retains and what its upstreams
 * offer (DESIGN §1 "Metadata"). Pure; inputs are never mutated. The result shares the version
 * objects it did not change with `doc` (packuments can be megabytes): treat it as read-only.
 */
// Single functions rather than the whole package: loading all of semver costs ~30 ms at start.
import prereleaseParts from 'semver/functions/prerelease.js';
import compareVersionsDescending from 'semver/functions/rcompare.js';
import validVersion from 'semver/functions/valid.js';
import type { RetainedVersion } from '../../domain/types.js';
import { abbreviateVersion } from './abbreviate.js';
import { RETAINED_TIME_FIELD, isJsonObject, type Packument, type VersionManifest } from './packument.js';

/** Statuses whose versions no document lists and no dist-tag points at. */
const WITHDRAWN_STATUSES = new Set(['Archived', 'Disposed']);

/**
 * Why an Unlisted version shows to resolvers at all: npm resolves even an exact
 * `npm install NAME@1.2.3` from the packument's `versions`, so a version missing there cannot be
 * installed by exact version. npm's version picker passes over deprecated versions whenever a
 * range or tag has another candidate, so marking it deprecated keeps it out of every resolution
 * but the exact one (and npm shows the user this text when it installs it).
 */
export const UNLISTED_NOTICE = 'unlisted in this larder repository: installs only when asked for by exact version';

/**
 * The highest version, preferring releases over prereleases: what `latest` means when larder has
 * to choose it. Undefined for an empty or all-invalid list.
 */
export function highestVersion(versions: Iterable<string>): string | undefined {
  const valid = [...versions].filter((v) => validVersion(v) !== null).sort(compareVersionsDescending);
  return valid.find((v) => prereleaseParts(v) === null) ?? valid[0];
}

/** A retained snapshot as a client may see it: our own bookkeeping field removed. */
function listedManifest(manifest: VersionManifest, abbreviated: boolean): VersionManifest {
  const copy: VersionManifest = structuredClone(manifest);
  delete copy[RETAINED_TIME_FIELD];
  return abbreviated ? abbreviateVersion(copy) : copy;
}

/** An Unlisted version as the install document shows it: deprecated, upstream's own notice kept. */
function unlistedManifest(manifest: VersionManifest): VersionManifest {
  const deprecated = typeof manifest.deprecated === 'string' && manifest.deprecated !== '' ? manifest.deprecated : UNLISTED_NOTICE;
  return { ...manifest, deprecated };
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
 * - Versions retained as `Archived` or `Disposed` are not listed.
 * - Versions retained as `Unlisted` are listed only when `resolving` (a client picking versions to
 *   install: see UNLISTED_NOTICE), and then deprecated; never for `npm view` or browsing.
 * - `dist-tags` pass through exactly as sent, except that a tag pointing at a version hidden here
 *   is dropped; if that was `latest`, `latest` moves to the highest listed release (npm expects
 *   every document to have one).
 * - Without `doc`, a document is synthesized from the retained versions: `name`, `dist-tags`
 *   with `latest` = highest retained release (else highest), `versions`, and for full documents
 *   `_id` and `time`. Undefined when there is nothing to show (no `doc`, no version shown).
 *
 * Retained records of another format or package are ignored.
 */
export function mergeRetained(
  doc: Packument | undefined,
  name: string,
  retained: RetainedVersion[],
  abbreviated: boolean,
  resolving: boolean,
): Packument | undefined {
  const mine = retained.filter((r) => r.format === 'npm' && r.package === name);
  // A status in any searched repository holds whatever another one retains (the requesting
  // repository's Archived must not be undone by the gateway's Published): withdrawn beats
  // unlisted beats published.
  const withdrawn = new Set(mine.filter((r) => WITHDRAWN_STATUSES.has(r.status)).map((r) => r.version));
  const unlisted = new Set(mine.filter((r) => r.status === 'Unlisted' && !withdrawn.has(r.version)).map((r) => r.version));
  const untagged = new Set([...withdrawn, ...unlisted]);
  const hidden = resolving ? withdrawn : untagged;
  const shown = mine.filter((r) => (r.status === 'Published' || r.status === 'Unlisted') && !hidden.has(r.version) && isJsonObject(r.manifest));
  if (doc === undefined && shown.length === 0) return undefined;

  const upstreamVersions = doc?.versions ?? {};
  const versions = new Map<string, VersionManifest>(
    Object.entries(upstreamVersions).filter(([version]) => !hidden.has(version)),
  );
  const time = doc?.time === undefined ? undefined : { ...doc.time };
  const addedTimes = new Map<string, string>();

  for (const record of shown) {
    const snapshot = record.manifest as VersionManifest; // narrowed by isJsonObject above
    const upstream = versions.get(record.version);
    if (upstream !== undefined) {
      if (isJsonObject(snapshot.dist)) versions.set(record.version, { ...upstream, dist: structuredClone(snapshot.dist) });
    } else {
      versions.set(record.version, listedManifest(snapshot, abbreviated));
      const publishedAt = snapshot[RETAINED_TIME_FIELD];
      if (typeof publishedAt === 'string') addedTimes.set(record.version, publishedAt);
    }
  }
  for (const version of unlisted) {
    const manifest = versions.get(version);
    if (manifest !== undefined) versions.set(version, unlistedManifest(manifest));
  }

  const distTags = Object.fromEntries(
    Object.entries(doc?.['dist-tags'] ?? {}).filter(([, version]) => !untagged.has(version)),
  );
  const latestDropped = doc !== undefined && doc['dist-tags'].latest !== undefined && distTags.latest === undefined;
  if (doc === undefined || latestDropped) {
    const latest = highestVersion([...versions.keys()].filter((version) => !unlisted.has(version)));
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
