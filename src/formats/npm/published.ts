/**
 * The packument a repository that publishes a package contributes to the union (issue 9): its
 * dist-tags and the versions it published, as an upstream's document would carry them. Being a
 * document rather than only retained snapshots matters: a repository downstream that retained a
 * version keeps its bytes, but takes the version's current object — `npm deprecate` — from here,
 * as it does from a public registry.
 */
import type { PublishedPackage, RetainedVersion } from '../../domain/types.js';
import { abbreviateVersion } from './abbreviate.js';
import { RETAINED_TIME_FIELD, isJsonObject, type Packument, type VersionManifest } from './packument.js';

export function publishedPackument(pkg: string, published: PublishedPackage, versions: RetainedVersion[], abbreviated: boolean): Packument {
  const listed = versions.filter((v) => v.origin.published === true && (v.status === 'Published' || v.status === 'Unlisted') && isJsonObject(v.manifest));
  const numbers = new Set(listed.map((v) => v.version));
  // Only tags that point at a version published here and still installable count.
  const distTags = Object.fromEntries(Object.entries(published.distTags).filter(([, version]) => numbers.has(version)));
  const manifests: Record<string, VersionManifest> = {};
  const time: Record<string, string> = { created: published.created, modified: published.modified };
  for (const version of listed) {
    const manifest: VersionManifest = structuredClone(version.manifest as VersionManifest); // narrowed by isJsonObject above
    const stamp = manifest[RETAINED_TIME_FIELD];
    delete manifest[RETAINED_TIME_FIELD];
    if (typeof stamp === 'string') time[version.version] = stamp;
    manifests[version.version] = abbreviated ? abbreviateVersion(manifest) : manifest;
  }
  const doc: Packument = { name: pkg, 'dist-tags': distTags, versions: manifests };
  return abbreviated ? { ...doc, modified: published.modified } : { ...doc, time };
}
