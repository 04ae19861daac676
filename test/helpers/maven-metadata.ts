/**
 * maven-metadata.xml documents as repositories serve them (Maven 3 format, modelVersion 1.1.0):
 * artifact level (the version list with latest / release / lastUpdated) and version level for a
 * SNAPSHOT (the current timestamp and build number, one snapshotVersion per file). Also an
 * approximate Maven version ordering, used only when the fake synthesizes metadata for a local
 * repository directory, where nothing records the order versions arrived in.
 */
import { lastUpdated, xmlEscape } from './maven-artifacts.js';

export interface ArtifactMetadataSpec {
  groupId: string;
  artifactId: string;
  /** In the order the document lists them. */
  versions: string[];
  /** Default: the last version listed. */
  latest?: string;
  /** Default: the last non-SNAPSHOT version listed; omitted when there is none. */
  release?: string;
  updated: Date;
}

export function artifactMetadata(spec: ArtifactMetadataSpec): string {
  const latest = spec.latest ?? spec.versions.at(-1);
  const release = spec.release ?? spec.versions.filter((v) => !v.endsWith('-SNAPSHOT')).at(-1);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<metadata modelVersion="1.1.0">',
    `  <groupId>${xmlEscape(spec.groupId)}</groupId>`,
    `  <artifactId>${xmlEscape(spec.artifactId)}</artifactId>`,
    '  <versioning>',
    ...(latest === undefined ? [] : [`    <latest>${xmlEscape(latest)}</latest>`]),
    ...(release === undefined ? [] : [`    <release>${xmlEscape(release)}</release>`]),
    '    <versions>',
    ...spec.versions.map((v) => `      <version>${xmlEscape(v)}</version>`),
    '    </versions>',
    `    <lastUpdated>${lastUpdated(spec.updated)}</lastUpdated>`,
    '  </versioning>',
    '</metadata>',
    '',
  ].join('\n');
}

export interface SnapshotFile {
  classifier?: string;
  extension: string;
  /** `1.1-20240101.120000-1`. */
  value: string;
  updated: Date;
}

export interface SnapshotMetadataSpec {
  groupId: string;
  artifactId: string;
  /** `1.1-SNAPSHOT`. */
  version: string;
  /** `yyyyMMdd.HHmmss`. */
  timestamp: string;
  buildNumber: number;
  files: SnapshotFile[];
  updated: Date;
}

export function snapshotMetadata(spec: SnapshotMetadataSpec): string {
  const entries = spec.files.flatMap((file) => [
    '      <snapshotVersion>',
    ...(file.classifier === undefined ? [] : [`        <classifier>${xmlEscape(file.classifier)}</classifier>`]),
    `        <extension>${xmlEscape(file.extension)}</extension>`,
    `        <value>${xmlEscape(file.value)}</value>`,
    `        <updated>${lastUpdated(file.updated)}</updated>`,
    '      </snapshotVersion>',
  ]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<metadata modelVersion="1.1.0">',
    `  <groupId>${xmlEscape(spec.groupId)}</groupId>`,
    `  <artifactId>${xmlEscape(spec.artifactId)}</artifactId>`,
    `  <version>${xmlEscape(spec.version)}</version>`,
    '  <versioning>',
    '    <snapshot>',
    `      <timestamp>${spec.timestamp}</timestamp>`,
    `      <buildNumber>${spec.buildNumber}</buildNumber>`,
    '    </snapshot>',
    `    <lastUpdated>${lastUpdated(spec.updated)}</lastUpdated>`,
    '    <snapshotVersions>',
    ...entries,
    '    </snapshotVersions>',
    '  </versioning>',
    '</metadata>',
    '',
  ].join('\n');
}

/** Qualifier ranks after Maven's ComparableVersion; unknown qualifiers sort after `sp`, lexically. */
const QUALIFIERS: Record<string, number> = { alpha: 1, a: 1, beta: 2, b: 2, milestone: 3, m: 3, rc: 4, cr: 4, snapshot: 5, '': 6, ga: 6, final: 6, release: 6, sp: 7 };

function tokens(version: string): (number | string)[] {
  return (version.toLowerCase().match(/\d+|[a-z]+/g) ?? []).map((token) => (/^\d/.test(token) ? Number(token) : token));
}

function compareToken(a: number | string | undefined, b: number | string | undefined): number {
  const left = a ?? (typeof b === 'number' ? 0 : '');
  const right = b ?? (typeof a === 'number' ? 0 : '');
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'number') return 1; // 1.0.1 > 1.0-sp: a number beats any qualifier
  if (typeof right === 'number') return -1;
  const rank = (q: string): number => QUALIFIERS[q] ?? 8;
  return rank(left) - rank(right) || left.localeCompare(right);
}

/**
 * An approximation of Maven's version order, good for the versions tests use (1.0 < 1.0.1 < 1.1,
 * 1.0-alpha-1 < 1.0-rc1 < 1.1-SNAPSHOT < 1.1 < 1.1-sp1). Not the reference for larder's own
 * ordering: the fake's in-memory metadata lists versions in publication order instead.
 */
export function compareMavenVersions(a: string, b: string): number {
  const left = tokens(a);
  const right = tokens(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const order = compareToken(left[i], right[i]);
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}
