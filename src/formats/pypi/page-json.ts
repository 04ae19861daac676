/**
 * PEP 691 project pages (`application/vnd.pypi.simple.v1+json`) into the ProjectPage model,
 * with PEP 700's `size`, `upload-time` and `versions` and PEP 714's `core-metadata`.
 * Unknown keys are ignored, as the spec requires of clients.
 */
import { quoteInput } from '../../errors.js';
import { cleanHashes } from './hashes.js';
import {
  badUpstreamPage,
  compactFile,
  coreMetadataValue,
  httpUrl,
  isObject,
  optionalString,
  sizeValue,
  uploadTimeValue,
  yankedValue,
  type ProjectPage,
  type PypiFile,
} from './file.js';
import { classifyFilename, normalizeProjectName } from './names.js';
import { normalizeVersion, sortVersions } from './version.js';

/** PEP 714: `core-metadata` first; `dist-info-metadata` (PEP 658's name) when it is absent. */
const METADATA_KEYS = ['core-metadata', 'dist-info-metadata', 'data-dist-info-metadata'] as const;

function fileEntry(entry: unknown, pageUrl: URL, project: string): PypiFile | undefined {
  if (!isObject(entry)) return undefined;
  const { filename, url } = entry;
  if (typeof filename !== 'string' || typeof url !== 'string') return undefined;
  const resolved = httpUrl(url, pageUrl);
  if (resolved === undefined) return undefined;
  resolved.hash = '';
  if (classifyFilename(project, filename).kind !== 'file') return undefined;
  const metadataKey = METADATA_KEYS.find((key) => Object.hasOwn(entry, key));
  return compactFile({
    filename,
    url: resolved.href,
    hashes: cleanHashes(entry.hashes),
    requiresPython: optionalString(entry['requires-python']),
    yanked: yankedValue(entry.yanked),
    size: sizeValue(entry.size),
    uploadTime: uploadTimeValue(entry['upload-time']),
    coreMetadata: metadataKey === undefined ? undefined : coreMetadataValue(entry[metadataKey]),
  });
}

/**
 * Parses a JSON project page. `meta.api-version` must be `1.x`, `name` must normalise to
 * `project`, `files` must be a list; file entries that are malformed or not a wheel or sdist of
 * `project` are left out. Relative URLs resolve against `pageUrl`.
 */
export function parseJsonPage(body: string, pageUrl: URL, project: string): ProjectPage {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw badUpstreamPage(project, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(data)) throw badUpstreamPage(project, 'is not a JSON object');
  const meta = data.meta;
  const apiVersion = isObject(meta) ? meta['api-version'] : undefined;
  if (typeof apiVersion !== 'string') throw badUpstreamPage(project, 'has no meta.api-version');
  const major = /^\s*(\d+)\.\d+\s*$/.exec(apiVersion)?.[1];
  if (major !== '1') throw badUpstreamPage(project, `uses simple API version ${quoteInput(String(apiVersion))}; larder understands major version 1`);
  if (typeof data.name !== 'string') throw badUpstreamPage(project, 'has no name');
  if (normalizeProjectName(data.name) !== normalizeProjectName(project)) {
    throw badUpstreamPage(project, `is the page of another project (${quoteInput(data.name)})`);
  }
  if (!Array.isArray(data.files)) throw badUpstreamPage(project, 'has no files list');

  const files: PypiFile[] = [];
  const seen = new Set<string>();
  for (const entry of data.files) {
    const file = fileEntry(entry, pageUrl, project);
    if (file === undefined || seen.has(file.filename)) continue;
    seen.add(file.filename);
    files.push(file);
  }
  const page: ProjectPage = { name: normalizeProjectName(project), files };
  if (Array.isArray(data.versions)) {
    const versions = data.versions.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => normalizeVersion(v.trim()) ?? v.trim());
    page.versions = sortVersions(versions);
  }
  return page;
}
