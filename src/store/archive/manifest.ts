/**
 * The layout of a larder export archive (`larder export FILE` / `larder import FILE`), version 1.
 *
 * A tar archive (ustar with pax headers where a name is long; gzip-compressed when the file name
 * ends in `.gz` / `.tgz` — import detects gzip by its magic bytes, whatever the name), whose
 * entries come in this order:
 *
 * 1. `larder-export.json` — this manifest: what the archive is, which larder wrote it, when, the
 *    repositories it holds with their formats and counts, and the blobs' count and total bytes.
 *    It comes first so an importer knows what it is reading (and how much) before any byte of it.
 * 2. `records.jsonl` — one JSON object per line (record-lines.ts): the retention records of the
 *    exported repositories, and the cached metadata documents and remembered "not found" answers
 *    of their gateways, which an offline daemon needs to build packuments, simple pages and
 *    maven-metadata.xml with no upstream.
 * 3. `blobs/<algorithm>/<hex digest>` — every blob the records reference, once, named by its
 *    digest in hex: the same hex `sha512sum` prints, so an archive can be checked by hand.
 *
 * The manifest's counts describe what the exporter planned; an importer trusts only what it can
 * check (each blob against its name, each record against its shape), never the counts.
 *
 * Not carried: the config (the target machine has its own), the token secret (tokens are per
 * data dir), and the daemon lock.
 */
import { FORMATS, type Format } from '../../domain/types.js';
import { INTEGRITY_ALGORITHMS, integrityToHex, parseIntegrity } from '../../domain/integrity.js';
import { LarderError } from '../../errors.js';

export const ARCHIVE_FORMAT = 'larder-export';
export const ARCHIVE_VERSION = 1;
export const MANIFEST_ENTRY = 'larder-export.json';
export const RECORDS_ENTRY = 'records.jsonl';
const BLOB_DIR = 'blobs';
/** A manifest is a few lines per repository; anything bigger is not one of ours. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RepositorySummary {
  name: string;
  /** The formats of the packages, metadata and misses the archive holds for it. */
  formats: Format[];
  packages: number;
  versions: number;
  metadata: number;
  misses: number;
}

export interface ArchiveCounts {
  repositories: number;
  packages: number;
  versions: number;
  metadata: number;
  misses: number;
  blobs: number;
  /** Total bytes of the blobs. */
  bytes: number;
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  larderVersion: string;
  /** ISO 8601. */
  createdAt: string;
  repositories: RepositorySummary[];
  counts: ArchiveCounts;
}

/** `blobs/sha512/<hex>` for a blob. */
export function blobEntryName(integrity: string): string {
  const { algorithm, hex } = integrityToHex(integrity);
  return `${BLOB_DIR}/${algorithm}/${hex}`;
}

/**
 * The integrity a blob entry's name says its bytes have; undefined when the name is not a blob
 * entry's. Names are checked strictly (known algorithm, lowercase hex of the right length).
 */
export function integrityOfEntry(name: string): string | undefined {
  const parts = name.split('/');
  if (parts.length !== 3 || parts[0] !== BLOB_DIR) return undefined;
  const [, algorithm = '', hex = ''] = parts;
  if (!(INTEGRITY_ALGORITHMS as readonly string[]).includes(algorithm) || !/^[0-9a-f]+$/.test(hex) || hex.length % 2 !== 0) return undefined;
  try {
    return parseIntegrity(`${algorithm}-${Buffer.from(hex, 'hex').toString('base64')}`);
  } catch (error) {
    void error; // a digest of the wrong length: not a blob entry
    return undefined;
  }
}

function damaged(why: string): LarderError {
  return new LarderError('E_BAD_REQUEST', `the archive's ${MANIFEST_ENTRY} is not a larder export manifest: ${why}`, { operation: 'archive.manifest' });
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function readSummary(value: unknown, index: number): RepositorySummary {
  const item = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof RepositorySummary, unknown>>;
  const { name, formats, packages, versions, metadata, misses } = item;
  if (typeof name !== 'string' || name === '') throw damaged(`repositories[${index}] has no name`);
  if (!Array.isArray(formats) || !formats.every((format) => (FORMATS as readonly unknown[]).includes(format))) throw damaged(`repositories[${index}].formats is not a list of formats`);
  if (![packages, versions, metadata, misses].every(isCount)) throw damaged(`repositories[${index}] has a count that is not a whole number`);
  return { name, formats: formats as Format[], packages: packages as number, versions: versions as number, metadata: metadata as number, misses: misses as number };
}

/** Parses and checks a manifest. A newer archive version is refused with a message saying so. */
export function parseManifest(text: string): ArchiveManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damaged(`it is not JSON (${(error as Error).message})`);
  }
  const doc = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof ArchiveManifest, unknown>>;
  if (doc.format !== ARCHIVE_FORMAT) throw damaged(`its format is ${JSON.stringify(doc.format)}, not "${ARCHIVE_FORMAT}"`);
  if (typeof doc.version !== 'number' || !Number.isSafeInteger(doc.version)) throw damaged('it has no version');
  if (doc.version > ARCHIVE_VERSION) {
    throw new LarderError(
      'E_BAD_REQUEST',
      `the archive is in export format version ${doc.version}, written by larder ${String(doc.larderVersion)}; this larder reads version ${ARCHIVE_VERSION}: upgrade larder to import it`,
      { operation: 'archive.manifest' },
    );
  }
  if (doc.version < 1) throw damaged(`version ${doc.version} does not exist`);
  if (typeof doc.larderVersion !== 'string' || typeof doc.createdAt !== 'string') throw damaged('larderVersion or createdAt is missing');
  if (!Array.isArray(doc.repositories)) throw damaged('repositories is not a list');
  const counts = (typeof doc.counts === 'object' && doc.counts !== null ? doc.counts : {}) as Partial<Record<keyof ArchiveCounts, unknown>>;
  const keys: Array<keyof ArchiveCounts> = ['repositories', 'packages', 'versions', 'metadata', 'misses', 'blobs', 'bytes'];
  if (!keys.every((key) => isCount(counts[key]))) throw damaged('counts is incomplete');
  return {
    format: ARCHIVE_FORMAT,
    version: doc.version,
    larderVersion: doc.larderVersion,
    createdAt: doc.createdAt,
    repositories: doc.repositories.map(readSummary),
    counts: counts as ArchiveCounts,
  };
}
