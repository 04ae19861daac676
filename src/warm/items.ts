/**
 * What a listed version means on the daemon: how it is named in messages, in the management API
 * (the canonical package name and version each format's records use), and which files a client
 * of that format fetches for it. npm and Maven files follow from the coordinates alone; PyPI's
 * come from the project page (pypi-files.ts).
 */
import type { Format } from '../domain/types.js';
import { mavenPath } from '../formats/maven/coordinates.js';
import { isSnapshot } from '../formats/maven/version.js';
import { tarballFilename, tarballPath } from '../formats/npm/names.js';
import { normalizeProjectName, validateProjectName } from '../formats/pypi/names.js';
import { normalizeVersion } from '../formats/pypi/version.js';
import { sriPin, type Pin } from './digests.js';
import { WarmFailure } from './failures.js';
import type { MavenWarmItem, NpmWarmItem, WarmItem } from './types.js';

/** One file to fetch through the daemon. */
export interface PlannedFile {
  name: string;
  url: URL;
  pins: Pin[];
}

/** Where a path under the daemon's root is resolved. */
export interface Resolver {
  resolve(path: string): URL;
}

/** What clients send for artifacts; the daemon serves them whatever the Accept. */
export const ARTIFACT_ACCEPT = '*/*';

/** `left-pad@1.3.0`, `requests==2.32.3`, `org.acme:lib:1.0` (`:classifier@type` when not a plain jar). */
export function itemLabel(item: WarmItem): string {
  switch (item.format) {
    case 'npm':
      return `${item.name}@${item.version}`;
    case 'pypi':
      return `${item.name}==${item.version}`;
    case 'maven': {
      const plain = item.classifier === undefined && (item.type === '' || item.type === 'jar');
      return `${item.groupId}:${item.artifactId}:${item.version}${plain ? '' : `:${item.classifier ?? ''}@${item.type || 'jar'}`}`;
    }
  }
}

/** The package and version as the daemon's records (and management API) name them. */
export function recordCoordinates(item: WarmItem): { format: Format; package: string; version: string } {
  switch (item.format) {
    case 'npm':
      return { format: 'npm', package: item.name, version: item.version };
    case 'pypi':
      return { format: 'pypi', package: normalizeProjectName(item.name), version: normalizeVersion(item.version) ?? item.version };
    case 'maven':
      return { format: 'maven', package: `${item.groupId}:${item.artifactId}`, version: item.version };
  }
}

/** Identical entries of several lockfiles are warmed once. */
export function itemKey(item: WarmItem): string {
  const { format, package: pkg, version } = recordCoordinates(item);
  const extra = item.format === 'maven' ? `\u0000${mavenFileNames(item).main}` : '';
  return `${format}\u0000${pkg}\u0000${version}${extra}`;
}

/** The items, each once; PyPI duplicates keep every digest and file name either listed. */
export function dedupeItems(items: readonly WarmItem[]): WarmItem[] {
  const byKey = new Map<string, WarmItem>();
  for (const item of items) {
    const key = safeKey(item);
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, item);
    else if (seen.format === 'pypi' && item.format === 'pypi') {
      // One pinned without hashes means every file is accepted.
      const integrities = seen.integrities.length === 0 || item.integrities.length === 0 ? [] : [...new Set([...seen.integrities, ...item.integrities])];
      const files = [...new Set([...(seen.files ?? []), ...(item.files ?? [])])];
      byKey.set(key, { ...seen, integrities, ...(files.length === 0 ? {} : { files }) });
    } else if (seen.format === 'npm' && item.format === 'npm' && seen.integrity === undefined && item.integrity !== undefined) {
      byKey.set(key, item);
    }
  }
  return [...byKey.values()];
}

/** A key even for an item whose names are invalid (it fails later, with the reason). */
function safeKey(item: WarmItem): string {
  try {
    return itemKey(item);
  } catch (error) {
    void error; // invalid coordinates: keyed by their label, and reported when warmed
    return `invalid\u0000${item.format}\u0000${itemLabel(item)}`;
  }
}

/** Maven `type` values whose file is a jar, and the classifier some of them imply. */
const MAVEN_TYPES: Readonly<Record<string, { extension: string; classifier?: string }>> = {
  'test-jar': { extension: 'jar', classifier: 'tests' },
  'ejb-client': { extension: 'jar', classifier: 'client' },
  'java-source': { extension: 'jar', classifier: 'sources' },
  javadoc: { extension: 'jar', classifier: 'javadoc' },
  'maven-plugin': { extension: 'jar' },
  ejb: { extension: 'jar' },
  bundle: { extension: 'jar' },
};

/** The artifact's own file and its pom, as Maven names them (`type` mapped to its extension). */
export function mavenFileNames(item: MavenWarmItem): { main: string; pom: string } {
  const type = item.type === '' ? 'jar' : item.type;
  const known = Object.hasOwn(MAVEN_TYPES, type) ? MAVEN_TYPES[type] : undefined;
  const extension = known?.extension ?? type;
  const classifier = item.classifier ?? known?.classifier;
  const base = `${item.artifactId}-${item.version}`;
  return { main: `${base}${classifier === undefined || classifier === '' ? '' : `-${classifier}`}.${extension}`, pom: `${base}.pom` };
}

export function npmFiles(daemon: Resolver, repository: string, item: NpmWarmItem): PlannedFile[] {
  const path = tarballPath(item.name, item.version); // validates the name and version
  return [{ name: tarballFilename(item.name, item.version), url: daemon.resolve(`npm/${repository}/${path}`), pins: item.integrity === undefined ? [] : [sriPin(item.integrity, 'lockfile')] }];
}

export function mavenFiles(daemon: Resolver, repository: string, item: MavenWarmItem): PlannedFile[] {
  if (isSnapshot(item.version)) {
    throw new WarmFailure('snapshot', `${itemLabel(item)} is a SNAPSHOT: it changes with every build and larder never retains it`);
  }
  const { main, pom } = mavenFileNames(item);
  const names = main === pom ? [pom] : [main, pom];
  return names.map((name) => ({ name, url: daemon.resolve(`maven/${repository}/${mavenPath(item.groupId, item.artifactId, item.version, name)}`), pins: [] }));
}

/** The project page of a PyPI item, at the canonical (normalised) URL so no redirect is needed. */
export function pypiPageUrl(daemon: Resolver, repository: string, name: string): URL {
  const project = normalizeProjectName(validateProjectName(name));
  return daemon.resolve(`pypi/${repository}/simple/${project}/`);
}
