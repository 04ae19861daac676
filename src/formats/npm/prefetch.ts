/**
 * Which versions of a dependency npm ingestion prefetch fetches (DESIGN §1): the newest version
 * that satisfies the range and the `latest` dist-tag if different. Of those, the one npm itself
 * would install is "in the tree" and its own dependencies are prefetched in turn; the other is
 * fetched alone, so that a `latest` outside the range does not pull in a second tree.
 */
import satisfies from 'semver/functions/satisfies.js';
import validVersion from 'semver/functions/valid.js';
import maxSatisfying from 'semver/ranges/max-satisfying.js';
import type { Platform, PrefetchPick } from '../protocol.js';
import { isJsonObject, type Packument } from './packument.js';

function isDeprecated(doc: Packument, version: string): boolean {
  const manifest = doc.versions[version];
  return isJsonObject(manifest) && typeof manifest.deprecated === 'string' && manifest.deprecated !== '';
}

/**
 * npm's own choice for a range, as npm-pick-manifest makes it: the `latest` tag when it satisfies
 * the range, else the newest satisfying version that is not deprecated, else the newest at all.
 */
function npmChoice(doc: Packument, range: string, candidates: string[], latest: string | undefined): string | undefined {
  if (latest !== undefined && satisfies(latest, range)) return latest;
  const current = candidates.filter((version) => !isDeprecated(doc, version));
  return maxSatisfying(current, range) ?? maxSatisfying(candidates, range) ?? undefined;
}

/**
 * The versions to prefetch for `range` (a semver range or a dist-tag, as dependencyRanges gives
 * it): at most two, each listed in `doc`. Empty when nothing matches.
 */
export function prefetchPicks(doc: Packument, range: string, platform?: Platform): PrefetchPick[] {
  const picks = picksForRange(doc, range);
  return platform === undefined ? picks : picks.filter((pick) => platformAccepts(doc, pick.version, platform));
}

function picksForRange(doc: Packument, range: string): PrefetchPick[] {
  const listed = (version: string | undefined): version is string => version !== undefined && Object.hasOwn(doc.versions, version);
  const latestTag = doc['dist-tags'].latest;
  const latest = listed(latestTag) ? latestTag : undefined;
  if (Object.hasOwn(doc['dist-tags'], range)) {
    // A dist-tag as the "range" (`next`, `beta`): npm installs exactly what it points at.
    const tagged = doc['dist-tags'][range];
    if (!listed(tagged)) return [];
    return tagged === latest || latest === undefined ? [{ version: tagged, inTree: true }] : [{ version: tagged, inTree: true }, { version: latest, inTree: false }];
  }
  const candidates = Object.keys(doc.versions).filter((version) => validVersion(version) !== null);
  const newest = maxSatisfying(candidates, range) ?? undefined;
  const chosen = npmChoice(doc, range, candidates, latest);
  const picks: PrefetchPick[] = [];
  for (const version of [newest, latest]) {
    if (version === undefined || picks.some((pick) => pick.version === version)) continue;
    picks.push({ version, inTree: version === chosen });
  }
  // The range's newest is deprecated and npm would pick an older one: that one is the tree's.
  if (chosen !== undefined && !picks.some((pick) => pick.inTree)) picks.push({ version: chosen, inTree: true });
  return picks;
}

/** npm's rule for `os` / `cpu` lists: names allow, `!name` forbids, no list allows everything. */
function listAccepts(list: unknown, value: string): boolean {
  if (!Array.isArray(list) || list.length === 0) return true;
  const entries = list.filter((entry): entry is string => typeof entry === 'string');
  if (entries.includes(`!${value}`)) return false;
  const allowed = entries.filter((entry) => !entry.startsWith('!'));
  return allowed.length === 0 || allowed.includes(value);
}

/**
 * True when the version can install on `platform`. Prefetch passes over the others: a package
 * with a native binary per platform (esbuild, swc) lists twenty optional dependencies of which
 * a client installs one.
 */
export function platformAccepts(doc: Packument, version: string, platform: Platform): boolean {
  const manifest = doc.versions[version];
  if (!isJsonObject(manifest)) return true;
  return listAccepts(manifest.os, platform.os) && listAccepts(manifest.cpu, platform.cpu);
}
