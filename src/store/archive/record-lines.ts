/**
 * The lines of an archive's `records.jsonl`: one record per line, typed by `kind`, named by
 * coordinates (repository, format, package …) rather than by the record store's keys, so an
 * archive outlives a change of the key scheme. Both sides check every record with the same
 * rules: the exporter skips (and reports) a damaged record instead of carrying it, the importer
 * refuses a line that is not one of these shapes.
 */
import { REPOSITORY_NAME } from '../../domain/repository-graph.js';
import { FORMATS, VERSION_STATUSES, type Format, type PublishedPackage, type RetainedVersion } from '../../domain/types.js';
import { parseIntegrity } from '../../domain/integrity.js';
import type { MetadataEntry, PackageRecord } from '../types.js';

export type ArchiveRecord =
  | { kind: 'package'; record: PackageRecord }
  | { kind: 'metadata'; repository: string; format: Format; package: string; variant: string; entry: MetadataEntry }
  | { kind: 'miss'; repository: string; format: Format; package: string; version: string; asset: string; until: number };

/** Why a value is not a valid record: a short phrase for messages. */
export class RecordShapeError extends Error {}

type Fields = Record<string, unknown>;

function fields(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RecordShapeError(`${what} is not an object`);
  return value as Fields;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new RecordShapeError(`${what} is not a non-empty string`);
  return value;
}

function optionalText(value: unknown, what: string): void {
  if (value !== undefined && typeof value !== 'string') throw new RecordShapeError(`${what} is not a string`);
}

function number(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RecordShapeError(`${what} is not a number`);
  return value;
}

function repositoryName(value: unknown): string {
  const name = text(value, 'repository');
  if (!REPOSITORY_NAME.test(name)) throw new RecordShapeError(`repository ${JSON.stringify(name)} is not a valid repository name`);
  return name;
}

function format(value: unknown): Format {
  if (!(FORMATS as readonly unknown[]).includes(value)) throw new RecordShapeError(`format ${JSON.stringify(value)} is not one of ${FORMATS.join(', ')}`);
  return value as Format;
}

function checkVersion(value: unknown, key: string, record: PackageRecord): void {
  const version = fields(value, `version ${key}`);
  if (version.version !== key) throw new RecordShapeError(`version ${key} is recorded as ${JSON.stringify(version.version)}`);
  if (version.format !== record.format || version.package !== record.package) throw new RecordShapeError(`version ${key} belongs to another package`);
  if (!(VERSION_STATUSES as readonly unknown[]).includes(version.status)) throw new RecordShapeError(`version ${key} has no valid status`);
  text(version.revision, `version ${key} revision`);
  text(version.retainedAt, `version ${key} retainedAt`);
  text(fields(version.origin, `version ${key} origin`).repository, `version ${key} origin.repository`);
  if (!Array.isArray(version.assets)) throw new RecordShapeError(`version ${key} has no asset list`);
  for (const asset of version.assets as unknown[]) {
    const checked = fields(asset, `an asset of version ${key}`);
    text(checked.name, `an asset name of version ${key}`);
    try {
      parseIntegrity(text(checked.integrity, `an asset integrity of version ${key}`));
    } catch (error) {
      throw new RecordShapeError(`version ${key}: ${(error as Error).message}`);
    }
    const size = number(checked.size, `an asset size of version ${key}`);
    if (!Number.isSafeInteger(size) || size < 0) throw new RecordShapeError(`an asset size of version ${key} is not a byte count`);
    optionalText(checked.contentType, `an asset contentType of version ${key}`);
  }
}

/** A package record, checked version by version. */
export function checkPackageRecord(value: unknown): PackageRecord {
  const record = fields(value, 'the package record');
  const checked = { repository: repositoryName(record.repository), format: format(record.format), package: text(record.package, 'package') } as PackageRecord;
  const versions = fields(record.versions, 'versions');
  for (const key of Object.keys(versions)) checkVersion(versions[key], key, checked);
  const published = record.published === undefined ? undefined : checkPublished(record.published);
  return { ...checked, versions: versions as Record<string, RetainedVersion>, ...(published === undefined ? {} : { published }) };
}

/** A published package's own facts (issue 9): its dist-tags and times. */
function checkPublished(value: unknown): PublishedPackage {
  const published = fields(value, 'published');
  const tags = fields(published.distTags, 'published.distTags');
  for (const [tag, version] of Object.entries(tags)) text(version, `published.distTags.${tag}`);
  return { distTags: tags as Record<string, string>, created: text(published.created, 'published.created'), modified: text(published.modified, 'published.modified') };
}

function checkMetadataEntry(value: unknown): MetadataEntry {
  const entry = fields(value, 'entry');
  if (typeof entry.body !== 'string') throw new RecordShapeError('entry.body is not a string');
  if (typeof entry.contentType !== 'string') throw new RecordShapeError('entry.contentType is not a string');
  number(entry.fetchedAt, 'entry.fetchedAt');
  if (typeof entry.bodyDigest !== 'string') throw new RecordShapeError('entry.bodyDigest is not a string');
  optionalText(entry.etag, 'entry.etag');
  optionalText(entry.lastModified, 'entry.lastModified');
  if (entry.modifiedAt !== undefined) number(entry.modifiedAt, 'entry.modifiedAt');
  if (entry.absent !== undefined && typeof entry.absent !== 'boolean') throw new RecordShapeError('entry.absent is not a boolean');
  return entry as unknown as MetadataEntry;
}

/** Checks one decoded line. */
export function checkArchiveRecord(value: unknown): ArchiveRecord {
  const line = fields(value, 'the line');
  switch (line.kind) {
    case 'package':
      return { kind: 'package', record: checkPackageRecord(line.record) };
    case 'metadata':
      return {
        kind: 'metadata',
        repository: repositoryName(line.repository),
        format: format(line.format),
        package: text(line.package, 'package'),
        variant: text(line.variant, 'variant'),
        entry: checkMetadataEntry(line.entry),
      };
    case 'miss':
      return {
        kind: 'miss',
        repository: repositoryName(line.repository),
        format: format(line.format),
        package: text(line.package, 'package'),
        version: text(line.version, 'version'),
        asset: text(line.asset, 'asset'),
        until: number(line.until, 'until'),
      };
    default:
      throw new RecordShapeError(`kind ${JSON.stringify(line.kind)} is not package, metadata or miss`);
  }
}

/** Parses and checks one line of `records.jsonl`. */
export function parseRecordLine(line: string): ArchiveRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new RecordShapeError(`not JSON (${(error as Error).message})`);
  }
  return checkArchiveRecord(value);
}

export function repositoryOf(record: ArchiveRecord): string {
  return record.kind === 'package' ? record.record.repository : record.repository;
}

export function formatOf(record: ArchiveRecord): Format {
  return record.kind === 'package' ? record.record.format : record.format;
}

function decodePart(part: string | undefined): string {
  if (part === undefined || part === '') throw new RecordShapeError('the key has an empty part');
  try {
    return decodeURIComponent(part);
  } catch (error) {
    throw new RecordShapeError(`the key has a bad escape (${(error as Error).message})`);
  }
}

/**
 * The archive record for one record store entry (key scheme: record-keys.ts): `pkg/…` package
 * records, `meta/<repo>/<format>/<pkg>/<variant>` metadata, `miss/<repo>/<format>/<pkg>/<version>/<asset>`
 * misses. Throws RecordShapeError for a damaged entry; undefined for a key of another kind.
 */
export function recordFromStore(key: string, value: unknown): ArchiveRecord | undefined {
  const [kind, ...parts] = key.split('/');
  if (kind === 'pkg') return { kind: 'package', record: checkPackageRecord(value) };
  if (kind === 'meta' && parts.length === 4) {
    const [repository, recordFormat, pkg, variant] = parts;
    return checkArchiveRecord({ kind: 'metadata', repository: decodePart(repository), format: recordFormat, package: decodePart(pkg), variant: decodePart(variant), entry: value });
  }
  if (kind === 'miss' && parts.length === 5) {
    const [repository, recordFormat, pkg, version, asset] = parts;
    const until = (typeof value === 'object' && value !== null ? (value as { until?: unknown }).until : undefined);
    return checkArchiveRecord({ kind: 'miss', repository: decodePart(repository), format: recordFormat, package: decodePart(pkg), version: decodePart(version), asset: decodePart(asset), until });
  }
  if (kind === 'meta' || kind === 'miss') throw new RecordShapeError(`the key ${JSON.stringify(key)} does not have the expected parts`);
  return undefined;
}
