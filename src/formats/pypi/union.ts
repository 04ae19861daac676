/**
 * The project page a client sees: upstream pages in search order plus every file the searched
 * repositories retain (DESIGN §1 "Metadata"). Pure; inputs are never mutated.
 */
import type { AssetRef, RetainedVersion, VersionStatus } from '../../domain/types.js';
import { hashesFromIntegrity, sameHashes } from './hashes.js';
import { compactFile, toPypiFile, type ProjectPage, type PypiFile } from './file.js';
import { METADATA_SUFFIX, distributionVersion, normalizeProjectName } from './names.js';
import { sortVersions } from './version.js';

/** Statuses whose versions a project page never shows. */
const WITHDRAWN_STATUSES: ReadonlySet<VersionStatus> = new Set(['Archived', 'Disposed']);

/**
 * The yank reason an Unlisted version's files carry. PEP 592's yank is exactly "installs only when
 * pinned": pip and uv pass a yanked file over unless the requirement names its version with `==`
 * (or `===`), so the files stay listed, yanked, and drop out of every other resolution.
 */
export const UNLISTED_YANK_REASON = 'unlisted in this larder repository: installs only when pinned with ==';

/** A file of an Unlisted version: yanked, upstream's own reason kept. */
function unlistedFile(file: PypiFile): PypiFile {
  return { ...file, yanked: typeof file.yanked === 'string' ? file.yanked : UNLISTED_YANK_REASON };
}

/**
 * A retained file as listed: its snapshot, with the digest and size of the bytes larder holds
 * (they are what the client will check) and core metadata only when that file is retained too.
 */
function retainedFile(asset: AssetRef, record: RetainedVersion, project: string): PypiFile | undefined {
  const listing = toPypiFile(asset.listing, project);
  if (listing === undefined || listing.filename !== asset.name) return undefined;
  if (distributionVersion(project, listing.filename) !== record.version) return undefined;
  const held = hashesFromIntegrity(asset.integrity);
  const hashes = held !== undefined && !Object.entries(held).every(([name, hex]) => listing.hashes[name] === hex) ? held : listing.hashes;
  const metadataAsset = record.assets.find((candidate) => candidate.name === `${asset.name}${METADATA_SUFFIX}`);
  const coreMetadata = metadataAsset === undefined ? undefined : (hashesFromIntegrity(metadataAsset.integrity) ?? listing.coreMetadata);
  return compactFile({ ...listing, hashes, size: asset.size, coreMetadata });
}

/**
 * An upstream entry for a file larder retains: upstream's current yanked / requires-python, the
 * retained bytes' digest and size. Upstream's core metadata holds only while the bytes are the
 * same; retained metadata always holds.
 */
function overlay(upstream: PypiFile, kept: PypiFile): PypiFile {
  const same = sameHashes(upstream.hashes, kept.hashes) || (kept.hashes.sha256 !== undefined && upstream.hashes.sha256 === kept.hashes.sha256);
  return compactFile({
    ...upstream,
    hashes: same ? upstream.hashes : kept.hashes,
    size: kept.size,
    coreMetadata: kept.coreMetadata ?? (same ? upstream.coreMetadata : undefined),
  });
}

/**
 * Union of `docs` (earlier wins per file name) and the files `retained` for `project`:
 * - a retained `Published` file that no page lists is listed from its snapshot (`AssetRef.listing`);
 * - a version retained as `Archived` or `Disposed` anywhere is hidden, upstream's files of it
 *   included; one retained as `Unlisted` (and not withdrawn) keeps its files, yanked
 *   (UNLISTED_YANK_REASON), which is how pip and uv know to install them only when pinned;
 * - `.metadata` assets are never files; they keep their file's `coreMetadata`;
 * - `versions` is every version of the pages and of the files shown, hidden ones removed.
 * Undefined when there are no pages and no retained files.
 */
export function unionPages(docs: ProjectPage[], project: string, retained: RetainedVersion[]): ProjectPage | undefined {
  const name = normalizeProjectName(project);
  const mine = retained.filter((record) => record.format === 'pypi' && normalizeProjectName(record.package) === name);
  // withdrawn in any searched repository beats unlisted beats published, whatever another retains
  const hidden = new Set(mine.filter((record) => WITHDRAWN_STATUSES.has(record.status)).map((record) => record.version));
  const unlisted = new Set(mine.filter((record) => record.status === 'Unlisted' && !hidden.has(record.version)).map((record) => record.version));

  const kept = new Map<string, PypiFile>();
  for (const record of mine) {
    if ((record.status !== 'Published' && record.status !== 'Unlisted') || hidden.has(record.version)) continue;
    for (const asset of record.assets) {
      if (asset.name.endsWith(METADATA_SUFFIX) || kept.has(asset.name)) continue;
      const file = retainedFile(asset, record, name);
      if (file !== undefined) kept.set(file.filename, file);
    }
  }
  if (docs.length === 0 && kept.size === 0) return undefined;

  const files: PypiFile[] = [];
  const seen = new Set<string>();
  const versions = new Set<string>();
  for (const doc of docs) {
    for (const version of doc.versions ?? []) versions.add(version);
    for (const file of doc.files) {
      if (seen.has(file.filename)) continue;
      seen.add(file.filename);
      const version = distributionVersion(name, file.filename);
      if (version === undefined || hidden.has(version)) continue;
      const mineToo = kept.get(file.filename);
      const shown = mineToo === undefined ? file : overlay(file, mineToo);
      files.push(unlisted.has(version) ? unlistedFile(shown) : shown);
      versions.add(version);
    }
  }
  for (const [filename, file] of kept) {
    if (seen.has(filename)) continue;
    const version = distributionVersion(name, filename);
    files.push(version !== undefined && unlisted.has(version) ? unlistedFile(file) : file);
    if (version !== undefined) versions.add(version);
  }
  // An Unlisted version stays in `versions`: PEP 700 makes it list every version a file has.
  return { name, files, versions: sortVersions([...versions].filter((version) => !hidden.has(version))) };
}
