/**
 * PyPI as a FormatProtocol: project pages (one variant, `page`, stored as larder's own JSON model
 * whatever form the upstream sent) and distribution files with their PEP 658 metadata files.
 */
import { integrityFromHex } from '../../domain/integrity.js';
import type { RetainedVersion } from '../../domain/types.js';
import { LarderError, isLarderError } from '../../errors.js';
import type { FormatProtocol, ParsedMetadata } from '../protocol.js';
import { SIMPLE_HTML, SIMPLE_JSON } from './accept.js';
import { decodeStoredPage, type ProjectPage, type PypiFile } from './file.js';
import { METADATA_SUFFIX, distributionVersion, normalizeProjectName, parseAssetName, validateProjectName } from './names.js';
import { parseProjectPage } from './page.js';
import { unionPages } from './union.js';

export const PYPI_PAGE_VARIANT = 'page';

/** JSON first; HTML for indexes without PEP 691 (PyPI's own recommendation for clients). */
const ACCEPT = `${SIMPLE_JSON}, ${SIMPLE_HTML};q=0.2, text/html;q=0.1`;

function checkVariant(variant: string, operation: string): void {
  if (variant !== PYPI_PAGE_VARIANT) throw new LarderError('E_INTERNAL', `unknown pypi variant ${variant}`, { operation });
}

/** The asset's file entry and what it names, or undefined when `assetName` is no file of `pkg` at `version`. */
function findAsset(doc: ProjectPage, pkg: string, version: string, assetName: string): { file: PypiFile; metadata: boolean } | undefined {
  let asset: ReturnType<typeof parseAssetName>;
  try {
    asset = parseAssetName(pkg, assetName);
  } catch (error) {
    // The handler validates names before this; a name that does not parse is simply not listed.
    if (isLarderError(error, 'E_BAD_REQUEST')) return undefined;
    throw error;
  }
  if (asset.version !== version) return undefined;
  const file = doc.files.find((candidate) => candidate.filename === asset.filename);
  if (file === undefined) return undefined;
  if (asset.metadata && (file.coreMetadata === undefined || file.coreMetadata === false)) return undefined;
  return { file, metadata: asset.metadata };
}

function unverifiable(pkg: string, what: string): LarderError {
  return new LarderError('E_UPSTREAM_BAD_RESPONSE', `the upstream lists ${what} of ${pkg} without a sha256 digest; larder never stores unverified bytes`, {
    operation: 'pypi.locate',
    details: { project: pkg, asset: what },
  });
}

export const pypiProtocol: FormatProtocol<ProjectPage> = {
  format: 'pypi',
  assetMetadataVariants: [PYPI_PAGE_VARIANT],
  versionListVariant: PYPI_PAGE_VARIANT,

  metadataRequest(upstreamBase, pkg, variant) {
    checkVariant(variant, 'pypi.metadataRequest');
    // A validated, normalised name has no "/", "." or ".." segment: safe to resolve (DESIGN §5).
    const url = new URL(`${normalizeProjectName(validateProjectName(pkg))}/`, upstreamBase);
    return { url, headers: { accept: ACCEPT } };
  },

  parseMetadata(body, contentType, pkg, variant, requestUrl): ParsedMetadata<ProjectPage> {
    checkVariant(variant, 'pypi.parseMetadata');
    const doc = parseProjectPage(body, contentType, requestUrl, pkg);
    return { doc, body: JSON.stringify(doc), contentType: 'application/json' };
  },

  decodeStored(body, pkg) {
    return decodeStoredPage(body, pkg);
  },

  hasVersion(doc, version) {
    return doc.files.some((file) => distributionVersion(doc.name, file.filename) === version);
  },

  assetContentType(assetName) {
    const lower = assetName.toLowerCase();
    if (assetName.endsWith(METADATA_SUFFIX)) return 'text/plain; charset=utf-8';
    if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'application/gzip';
    if (lower.endsWith('.zip')) return 'application/zip';
    if (lower.endsWith('.tar.bz2')) return 'application/x-bzip2';
    if (lower.endsWith('.tar.xz')) return 'application/x-xz';
    return 'application/octet-stream'; // wheels, as PyPI serves them
  },

  locateAsset(doc, _upstreamBase, pkg, version, assetName) {
    const found = findAsset(doc, pkg, version, assetName);
    if (found === undefined) return undefined;
    const { file, metadata } = found;
    if (metadata) {
      const hex = typeof file.coreMetadata === 'object' ? file.coreMetadata.sha256 : undefined;
      if (hex === undefined) throw unverifiable(pkg, assetName);
      // PEP 658: the metadata file lives at the file's URL with ".metadata" appended.
      return { url: new URL(`${file.url}${METADATA_SUFFIX}`), integrity: integrityFromHex('sha256', hex) };
    }
    const hex = file.hashes.sha256;
    if (hex === undefined) throw unverifiable(pkg, assetName);
    return { url: new URL(file.url), integrity: integrityFromHex('sha256', hex), size: file.size };
  },

  versionManifest() {
    return {}; // PyPI keeps what a listing needs per file (assetListing), not per version
  },

  assetListing(doc, version, assetName) {
    return findAsset(doc, doc.name, version, assetName)?.file;
  },

  union(docs, pkg, retained: RetainedVersion[], variant) {
    checkVariant(variant, 'pypi.union');
    return unionPages(docs, pkg, retained);
  },
};
