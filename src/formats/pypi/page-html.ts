/**
 * PEP 503 project pages (HTML, also served as `application/vnd.pypi.simple.v1+html`) into the
 * ProjectPage model: one file per `<a>` whose URL names a wheel or sdist of the project.
 */
import { quoteInput } from '../../errors.js';
import { cleanHashes, parseHashPair, type Hashes } from './hashes.js';
import { scanHtml, type HtmlAnchor } from './html.js';
import { badUpstreamPage, compactFile, httpUrl, optionalString, type ProjectPage, type PypiFile } from './file.js';
import { classifyFilename, normalizeProjectName } from './names.js';

/** `data-core-metadata` / `data-dist-info-metadata`: `true`, `name=hex`, or anything else (ignored). */
function metadataAttribute(value: string | undefined): boolean | Hashes | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'true') return true;
  if (!trimmed.includes('=')) return undefined; // "false", empty: no metadata offered
  const hashes = parseHashPair(trimmed);
  // Offered, but with a hash larder cannot read: known to exist, not verifiable.
  return Object.keys(hashes).length > 0 ? hashes : true;
}

/** The last path segment of `url`, percent-decoded; undefined when it does not decode. */
function lastSegment(url: URL): string | undefined {
  const raw = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    // A malformed escape names no file we could serve: the caller skips the link.
    if (error instanceof URIError) return undefined;
    throw error;
  }
}

/** `foreign`: a file of another project or a link to another page; `other`: ignored. */
type AnchorResult = { kind: 'file'; file: PypiFile } | { kind: 'foreign' } | { kind: 'other' };

function anchorFile(anchor: HtmlAnchor, base: URL, project: string): AnchorResult {
  const href = anchor.attrs.get('href');
  if (href === undefined || href.trim() === '') return { kind: 'other' };
  const url = httpUrl(href.trim(), base);
  if (url === undefined) return { kind: 'other' };
  const fragment = url.hash.slice(1);
  url.hash = '';
  // Like pip, the file name comes from the URL; PEP 503 requires the anchor text to match it.
  const filename = lastSegment(url);
  // A link to a directory is a link to another page (an index lists project pages that way).
  if (filename === '') return { kind: 'foreign' };
  if (filename === undefined) return { kind: 'other' };
  const found = classifyFilename(project, filename);
  if (found.kind === 'foreign') return { kind: 'foreign' };
  if (found.kind === 'invalid') return { kind: 'other' };
  const yanked = anchor.attrs.get('data-yanked');
  // PEP 714: the new attribute wins; the old one is read for indexes that only send it.
  const metadata = metadataAttribute(anchor.attrs.get('data-core-metadata')) ?? metadataAttribute(anchor.attrs.get('data-dist-info-metadata'));
  const file = compactFile({
    filename,
    url: url.href,
    hashes: cleanHashes(parseHashPair(fragment)),
    requiresPython: optionalString(anchor.attrs.get('data-requires-python')),
    yanked: yanked === undefined ? undefined : yanked === '' ? true : yanked,
    coreMetadata: metadata,
  });
  return { kind: 'file', file };
}

/** PEP 629: the major version must be 1 (absent means 1.0). */
function checkRepositoryVersion(version: string | undefined, project: string): void {
  if (version === undefined) return;
  const match = /^\s*(\d+)\.(\d+)\s*$/.exec(version);
  if (match === null) throw badUpstreamPage(project, `declares an unreadable pypi:repository-version ${quoteInput(version)}`);
  if (match[1] !== '1') throw badUpstreamPage(project, `uses simple API version ${version.trim()}; larder understands major version 1`);
}

/**
 * Parses an HTML project page. Relative links resolve against `<base href>` or `pageUrl`.
 * Anchors that are not a wheel or sdist of `project` (eggs, installers, other links) are left
 * out; a page that links only other projects' files or other pages (an index, say) is refused
 * as E_UPSTREAM_BAD_RESPONSE.
 */
export function parseHtmlPage(body: string, pageUrl: URL, project: string): ProjectPage {
  if (!body.replace(/^\uFEFF/, '').trimStart().startsWith('<')) throw badUpstreamPage(project, 'is not HTML');
  const scan = scanHtml(body);
  checkRepositoryVersion(scan.metas.get('pypi:repository-version'), project);
  const base = (scan.baseHref === undefined ? undefined : httpUrl(scan.baseHref.trim(), pageUrl)) ?? pageUrl;
  const files: PypiFile[] = [];
  const seen = new Set<string>();
  let foreign = 0;
  for (const anchor of scan.anchors) {
    const result = anchorFile(anchor, base, project);
    if (result.kind === 'foreign') foreign += 1;
    if (result.kind !== 'file' || seen.has(result.file.filename)) continue;
    seen.add(result.file.filename);
    files.push(result.file);
  }
  if (files.length === 0 && foreign > 0) {
    throw badUpstreamPage(project, `is not its page: it links ${foreign} other page(s) or other projects' files and no file of ${project}`);
  }
  return { name: normalizeProjectName(project), files };
}
