/**
 * The maven-metadata.xml a client sees through a repository: the upstreams' documents in search
 * order plus the versions the searched repositories retain (DESIGN §1 "Metadata"). Pure; inputs
 * are never mutated.
 */
import type { RetainedVersion, VersionStatus } from '../../domain/types.js';
import { parseMavenPackage } from './coordinates.js';
import { mergeVersions, parseMavenTimestamp, type MavenMetadata, type MavenPlugin } from './metadata.js';
import { ARTIFACT_VARIANT } from './path.js';

/** Statuses whose versions metadata never lists (an Unlisted version is still served by exact path). */
const HIDDEN_STATUSES: ReadonlySet<VersionStatus> = new Set(['Unlisted', 'Archived', 'Disposed']);

/** Plugin mappings of every document, by prefix, earlier documents winning (as Maven merges them per repository). */
function unionPlugins(docs: MavenMetadata[]): MavenPlugin[] {
  const byPrefix = new Map<string, MavenPlugin>();
  for (const doc of docs) {
    for (const plugin of doc.plugins) if (!byPrefix.has(plugin.prefix)) byPrefix.set(plugin.prefix, plugin);
  }
  return [...byPrefix.values()];
}

/**
 * The newest moment the union reflects: the upstreams' `lastUpdated` and when the retained
 * versions were retained. Deterministic, so the same inputs render the same document (and
 * ETag) on every request, and it moves forward when a version is retained.
 */
function unionTime(docs: MavenMetadata[], records: RetainedVersion[]): Date {
  let newest = 0;
  for (const doc of docs) newest = Math.max(newest, parseMavenTimestamp(doc.versioning?.lastUpdated) ?? 0);
  for (const record of records) {
    const retainedAt = Date.parse(record.retainedAt);
    if (Number.isFinite(retainedAt)) newest = Math.max(newest, retainedAt);
  }
  return new Date(newest);
}

/**
 * - SNAPSHOT version metadata (`variant` is the version): the first upstream's document as it is;
 *   larder does not rebuild build numbers.
 * - Artifact-level metadata: every upstream's versions plus the versions retained `Published`,
 *   minus versions retained as Unlisted, Archived or Disposed anywhere searched; `latest`,
 *   `release` and `lastUpdated` recomputed (mergeVersions).
 * - Group-level metadata (plugin prefixes, no versions): passes through, plugin mappings of
 *   several upstreams merged by prefix.
 * Undefined when there is nothing to show.
 */
export function unionMavenMetadata(docs: MavenMetadata[], pkg: string, retained: RetainedVersion[], variant: string): MavenMetadata | undefined {
  if (variant !== ARTIFACT_VARIANT) return docs[0];
  const { groupId, artifactId } = parseMavenPackage(pkg);
  const mine = retained.filter((record) => record.format === 'maven' && record.package === pkg);
  const hidden = new Set(mine.filter((record) => HIDDEN_STATUSES.has(record.status)).map((record) => record.version));
  const published = mine.filter((record) => record.status === 'Published' && !hidden.has(record.version)).map((record) => record.version);

  const plugins = unionPlugins(docs);
  const withPlugins = (doc: MavenMetadata): MavenMetadata => (plugins.length === 0 ? doc : { ...doc, plugins });
  const listing = docs.filter((doc) => (doc.versioning?.versions.length ?? 0) > 0);
  const [first] = docs;
  if (listing.length === 0 && published.length === 0) return first === undefined ? undefined : withPlugins(first);

  const base = listing[0] ?? first;
  const upstreamVersions = listing.flatMap((doc) => doc.versioning?.versions ?? []);
  const combined: MavenMetadata | undefined =
    base === undefined ? undefined : { ...base, versioning: { snapshotVersions: [], ...base.versioning, versions: upstreamVersions } };
  const merged = mergeVersions(combined, groupId, artifactId, published, unionTime(docs, mine), hidden);
  return merged === undefined ? undefined : withPlugins(merged);
}
