/**
 * maven-metadata.xml in and out: artifact-level (the versions of an artifact), version-level
 * (a SNAPSHOT's latest timestamp and build number per file) and group-level (plugin prefixes),
 * after Maven's repository-metadata model. Pure code.
 */
import { LarderError, isLarderError } from '../../errors.js';
import { segmentProblem } from './coordinates.js';
import { isSnapshot, sortMavenVersions } from './version.js';
import { child, childText, children, escapeXml, parseXml, type XmlElement } from './xml.js';

export interface MavenSnapshot {
  /** `yyyyMMdd.HHmmss` (UTC) of the latest deployment. */
  timestamp?: string;
  buildNumber?: number;
  localCopy?: boolean;
}

export interface MavenSnapshotVersion {
  classifier?: string;
  extension: string;
  /** The timestamped version of that file, e.g. `1.0-20240101.123456-3`. */
  value: string;
  updated?: string;
}

export interface MavenVersioning {
  latest?: string;
  release?: string;
  snapshot?: MavenSnapshot;
  versions: string[];
  /** `yyyyMMddHHmmss`, UTC. */
  lastUpdated?: string;
  snapshotVersions: MavenSnapshotVersion[];
}

export interface MavenPlugin {
  name: string;
  prefix: string;
  artifactId: string;
}

export interface MavenMetadata {
  modelVersion?: string;
  groupId?: string;
  artifactId?: string;
  version?: string;
  versioning?: MavenVersioning;
  plugins: MavenPlugin[];
}

export const MAVEN_METADATA_CONTENT_TYPE = 'text/xml';

const TIMESTAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** `yyyyMMddHHmmss` in UTC, Maven's `lastUpdated` form. */
export function formatMavenTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '').replace(/[-T:]/g, '');
}

/** A `lastUpdated` value as epoch milliseconds; undefined when it is not `yyyyMMddHHmmss`. */
export function parseMavenTimestamp(value: string | undefined): number | undefined {
  const match = value === undefined ? null : TIMESTAMP.exec(value);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 20241332… over into another date: refuse what does not round-trip.
  return formatMavenTimestamp(new Date(ms)) === value ? ms : undefined;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

function parseSnapshot(element: XmlElement | undefined): MavenSnapshot | undefined {
  if (element === undefined) return undefined;
  const build = childText(element, 'buildNumber');
  const localCopy = childText(element, 'localCopy');
  return defined({
    timestamp: childText(element, 'timestamp'),
    buildNumber: build !== undefined && /^\d{1,9}$/.test(build) ? Number(build) : undefined,
    localCopy: localCopy === undefined ? undefined : localCopy === 'true',
  });
}

function parseVersioning(element: XmlElement | undefined): MavenVersioning | undefined {
  if (element === undefined) return undefined;
  // Versions larder could never serve (no valid path segment) are not listed.
  const versions = children(child(element, 'versions'), 'version')
    .map((version) => version.text.trim())
    .filter((version) => segmentProblem(version) === undefined);
  const snapshotVersions: MavenSnapshotVersion[] = [];
  for (const entry of children(child(element, 'snapshotVersions'), 'snapshotVersion')) {
    const extension = childText(entry, 'extension');
    const value = childText(entry, 'value');
    if (extension === undefined || value === undefined) continue;
    snapshotVersions.push(defined({ classifier: childText(entry, 'classifier'), extension, value, updated: childText(entry, 'updated') }));
  }
  const lastUpdated = childText(element, 'lastUpdated');
  return defined({
    latest: childText(element, 'latest'),
    release: childText(element, 'release'),
    snapshot: parseSnapshot(child(element, 'snapshot')),
    versions: [...new Set(versions)],
    lastUpdated: parseMavenTimestamp(lastUpdated) === undefined ? undefined : lastUpdated,
    snapshotVersions,
  });
}

function parsePlugins(element: XmlElement | undefined): MavenPlugin[] {
  const plugins: MavenPlugin[] = [];
  for (const entry of children(element, 'plugin')) {
    const prefix = childText(entry, 'prefix');
    const artifactId = childText(entry, 'artifactId');
    if (prefix === undefined || artifactId === undefined) continue;
    plugins.push({ name: childText(entry, 'name') ?? '', prefix, artifactId });
  }
  return plugins;
}

/** Parses maven-metadata.xml. Throws E_UPSTREAM_BAD_RESPONSE for malformed XML or another document. */
export function parseMavenMetadata(xml: string): MavenMetadata {
  const root = parseXml(xml);
  if (root.name !== 'metadata') {
    throw new LarderError('E_UPSTREAM_BAD_RESPONSE', `the upstream sent <${root.name}>, not maven-metadata.xml (<metadata>)`, {
      operation: 'maven.metadata',
    });
  }
  return defined({
    modelVersion: root.attributes.modelVersion?.trim() || undefined,
    groupId: childText(root, 'groupId'),
    artifactId: childText(root, 'artifactId'),
    version: childText(root, 'version'),
    versioning: parseVersioning(child(root, 'versioning')),
    plugins: parsePlugins(child(root, 'plugins')),
  });
}

/** Parses metadata larder stored itself: a failure is a damaged store, not a bad upstream. */
export function decodeStoredMetadata(xml: string): MavenMetadata {
  try {
    return parseMavenMetadata(xml);
  } catch (error) {
    if (!isLarderError(error, 'E_UPSTREAM_BAD_RESPONSE')) throw error;
    throw new LarderError('E_STORE', `stored maven-metadata.xml is damaged: ${error.message}`, { operation: 'maven.decodeStored', cause: error });
  }
}

type Line = [depth: number, text: string];

function leaf(lines: Line[], depth: number, name: string, value: string | number | boolean | undefined): void {
  if (value !== undefined && value !== '') lines.push([depth, `<${name}>${escapeXml(String(value))}</${name}>`]);
}

function block(lines: Line[], depth: number, name: string, fill: (inner: Line[]) => void): void {
  const inner: Line[] = [];
  fill(inner);
  if (inner.length === 0) return;
  lines.push([depth, `<${name}>`], ...inner, [depth, `</${name}>`]);
}

function renderVersioning(lines: Line[], versioning: MavenVersioning): void {
  block(lines, 1, 'versioning', (out) => {
    leaf(out, 2, 'latest', versioning.latest);
    leaf(out, 2, 'release', versioning.release);
    const snapshot = versioning.snapshot;
    if (snapshot !== undefined) {
      block(out, 2, 'snapshot', (inner) => {
        leaf(inner, 3, 'timestamp', snapshot.timestamp);
        leaf(inner, 3, 'buildNumber', snapshot.buildNumber);
        if (snapshot.localCopy === true) leaf(inner, 3, 'localCopy', true);
      });
    }
    block(out, 2, 'versions', (inner) => versioning.versions.forEach((version) => leaf(inner, 3, 'version', version)));
    leaf(out, 2, 'lastUpdated', versioning.lastUpdated);
    block(out, 2, 'snapshotVersions', (inner) => {
      for (const entry of versioning.snapshotVersions) {
        block(inner, 3, 'snapshotVersion', (fields) => {
          leaf(fields, 4, 'classifier', entry.classifier);
          leaf(fields, 4, 'extension', entry.extension);
          leaf(fields, 4, 'value', entry.value);
          leaf(fields, 4, 'updated', entry.updated);
        });
      }
    });
  });
}

/** Renders well-formed, escaped maven-metadata.xml in Maven's element order. */
export function renderMavenMetadata(meta: MavenMetadata): string {
  const lines: Line[] = [];
  leaf(lines, 1, 'groupId', meta.groupId);
  leaf(lines, 1, 'artifactId', meta.artifactId);
  leaf(lines, 1, 'version', meta.version);
  if (meta.versioning !== undefined) renderVersioning(lines, meta.versioning);
  block(lines, 1, 'plugins', (out) => {
    for (const plugin of meta.plugins) {
      block(out, 2, 'plugin', (fields) => {
        leaf(fields, 3, 'name', plugin.name);
        leaf(fields, 3, 'prefix', plugin.prefix);
        leaf(fields, 3, 'artifactId', plugin.artifactId);
      });
    }
  });
  const open = meta.modelVersion === undefined ? '<metadata>' : `<metadata modelVersion="${escapeXml(meta.modelVersion)}">`;
  const body = lines.map(([depth, text]) => `${'  '.repeat(depth)}${text}\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${open}\n${body}</metadata>\n`;
}

/**
 * Artifact-level metadata listing `meta`'s versions and `retainedVersions`, minus `hidden`:
 * sorted in Maven's order, `latest` the highest, `release` the highest that is no SNAPSHOT,
 * `lastUpdated` from `now`. The rest of `meta` is kept. Undefined when there is nothing to show
 * (no version left, no plugin mapping).
 */
export function mergeVersions(
  meta: MavenMetadata | undefined,
  groupId: string,
  artifactId: string,
  retainedVersions: string[],
  now: Date,
  hidden: ReadonlySet<string> = new Set(),
): MavenMetadata | undefined {
  const listed = [...(meta?.versioning?.versions ?? []), ...retainedVersions];
  const versions = sortMavenVersions(listed.filter((version) => !hidden.has(version) && segmentProblem(version) === undefined));
  if (versions.length === 0) {
    if (meta === undefined || meta.plugins.length === 0) return undefined;
    const { versioning: _dropped, ...rest } = meta;
    return rest;
  }
  const latest = versions[versions.length - 1];
  const release = [...versions].reverse().find((version) => !isSnapshot(version));
  return defined({
    ...meta,
    groupId,
    artifactId,
    plugins: meta?.plugins ?? [],
    versioning: defined({
      ...meta?.versioning,
      snapshotVersions: meta?.versioning?.snapshotVersions ?? [],
      latest,
      release,
      versions,
      lastUpdated: formatMavenTimestamp(now),
    }),
  });
}
