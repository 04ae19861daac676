/**
 * larder's model of a PyPI project page, independent of the HTML or JSON it came in, and the
 * checks that keep every field of it trustworthy (upstream pages, stored pages and retained
 * listings all pass through `toPypiFile`).
 */
import { LarderError } from '../../errors.js';
import { cleanHashes, type Hashes } from './hashes.js';
import { distributionVersion } from './names.js';

export interface PypiFile {
  filename: string;
  /** Absolute upstream URL, resolved against the page URL, fragment removed. */
  url: string;
  /** Lowercase hex by algorithm name, e.g. `{ sha256: '…' }`. */
  hashes: Hashes;
  requiresPython?: string;
  /** Absent/false, true, or the reason (PEP 592). */
  yanked?: boolean | string;
  /** Bytes (PEP 700). */
  size?: number;
  /** ISO 8601 (PEP 700). */
  uploadTime?: string;
  /** PEP 658/714: hashes of FILE.metadata, or true when offered without hashes. */
  coreMetadata?: boolean | Hashes;
}

export interface ProjectPage {
  /** The normalised project name. */
  name: string;
  files: PypiFile[];
  /** PEP 700 `versions` (PEP 440 normal form where valid), when the source said. */
  versions?: string[];
}

/** PEP 700's upload-time shape: `yyyy-mm-ddThh:mm:ss(.ffffff)Z` (an offset is tolerated). */
const UPLOAD_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function badUpstreamPage(project: string, problem: string, details: Record<string, unknown> = {}): LarderError {
  return new LarderError('E_UPSTREAM_BAD_RESPONSE', `The upstream project page for ${project} ${problem}.`, {
    operation: 'pypi.page',
    details: { project, ...details },
  });
}

/** An absolute http(s) URL without fragment, or undefined. */
export function httpUrl(value: string, base?: URL): URL | undefined {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch (error) {
    // Not a URL at all: the caller drops the entry, which is all a bad link deserves.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url;
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** PEP 592 / 691: true, a non-empty reason, or nothing (false, null, absent). */
export function yankedValue(value: unknown): boolean | string | undefined {
  if (value === true) return true;
  if (typeof value === 'string') return value === '' ? true : value;
  return undefined;
}

export function sizeValue(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

export function uploadTimeValue(value: unknown): string | undefined {
  return typeof value === 'string' && UPLOAD_TIME.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

/** Core metadata as JSON states it: true, hashes, or nothing. Offered with only bad hashes: true. */
export function coreMetadataValue(value: unknown): boolean | Hashes | undefined {
  if (value === true) return true;
  if (!isObject(value)) return undefined;
  const hashes = cleanHashes(value);
  return Object.keys(hashes).length > 0 ? hashes : true;
}

/** Drops optional fields that are undefined, so two equal files compare (and serialise) equal. */
export function compactFile(file: PypiFile): PypiFile {
  const out: PypiFile = { filename: file.filename, url: file.url, hashes: file.hashes };
  if (file.requiresPython !== undefined) out.requiresPython = file.requiresPython;
  if (file.yanked !== undefined && file.yanked !== false) out.yanked = file.yanked;
  if (file.size !== undefined) out.size = file.size;
  if (file.uploadTime !== undefined) out.uploadTime = file.uploadTime;
  if (file.coreMetadata !== undefined && file.coreMetadata !== false) out.coreMetadata = file.coreMetadata;
  return out;
}

/**
 * A PypiFile in larder's own form (stored pages, retained listings), checked field by field, or
 * undefined when `value` is not one. With `project`, the file must also be a distribution of it.
 */
export function toPypiFile(value: unknown, project?: string): PypiFile | undefined {
  if (!isObject(value)) return undefined;
  const { filename, url } = value;
  if (typeof filename !== 'string' || typeof url !== 'string') return undefined;
  const parsedUrl = httpUrl(url);
  if (parsedUrl === undefined || parsedUrl.hash !== '') return undefined;
  if (project !== undefined && distributionVersion(project, filename) === undefined) return undefined;
  return compactFile({
    filename,
    url,
    hashes: cleanHashes(value.hashes),
    requiresPython: optionalString(value.requiresPython),
    yanked: yankedValue(value.yanked),
    size: sizeValue(value.size),
    uploadTime: uploadTimeValue(value.uploadTime),
    coreMetadata: coreMetadataValue(value.coreMetadata),
  });
}

/** A page larder stored earlier (JSON of a ProjectPage); E_STORE when it is not one. */
export function decodeStoredPage(body: string, project: string): ProjectPage {
  const fail = (problem: string): never => {
    throw new LarderError('E_STORE', `The cached project page for ${project} is unreadable: ${problem}.`, {
      operation: 'pypi.decodeStored',
      details: { project },
    });
  };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(data) || typeof data.name !== 'string' || !Array.isArray(data.files)) return fail('not a project page');
  const files = data.files.map((entry) => toPypiFile(entry, project) ?? fail('a file entry is malformed'));
  const page: ProjectPage = { name: data.name, files };
  if (Array.isArray(data.versions)) page.versions = data.versions.filter((v): v is string => typeof v === 'string');
  return page;
}
