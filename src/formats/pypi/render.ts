/**
 * ProjectPage out to clients: PEP 691 JSON and PEP 503 HTML, file URLs pointing at larder.
 *
 * Core metadata is advertised only with a sha256: that is the only metadata file larder can
 * serve (it never stores unverified bytes), and pip treats a metadata file that fails to download
 * as fatal, whereas without the attribute it simply downloads the distribution.
 */
import { escapeHtml } from './html.js';
import { preferredHash, type Hashes } from './hashes.js';
import type { ProjectPage, PypiFile } from './file.js';
import { distributionVersion, normalizeProjectName } from './names.js';
import { sortVersions } from './version.js';

export const REPOSITORY_VERSION = '1.1';

/** The metadata hashes larder advertises for `file`, or undefined (see the module comment). */
export function servedCoreMetadata(file: PypiFile): Hashes | undefined {
  const metadata = file.coreMetadata;
  return typeof metadata === 'object' && metadata.sha256 !== undefined ? { ...metadata } : undefined;
}

/** PEP 700 `versions`: the page's own list, else the versions of its files; PEP 440 order. */
export function pageVersions(page: ProjectPage): string[] {
  const fromFiles = page.files.flatMap((file) => distributionVersion(page.name, file.filename) ?? []);
  return sortVersions([...(page.versions ?? []), ...fromFiles]);
}

/**
 * PEP 691 JSON. `api-version` is 1.1 (PEP 700) when every file has a size, which 1.1 makes
 * mandatory; otherwise 1.0 (the extra `versions` key is one a 1.0 client ignores).
 */
export function renderJson(page: ProjectPage, fileUrl: (file: PypiFile) => string): string {
  const files = page.files.map((file) => {
    const out: Record<string, unknown> = { filename: file.filename, url: fileUrl(file), hashes: { ...file.hashes } };
    if (file.requiresPython !== undefined) out['requires-python'] = file.requiresPython;
    if (file.yanked !== undefined && file.yanked !== false) out.yanked = file.yanked;
    if (file.size !== undefined) out.size = file.size;
    if (file.uploadTime !== undefined) out['upload-time'] = file.uploadTime;
    const metadata = servedCoreMetadata(file);
    // PEP 714: JSON carries only the new key (old pip crashes on `dist-info-metadata`).
    if (metadata !== undefined) out['core-metadata'] = metadata;
    return out;
  });
  const apiVersion = page.files.every((file) => file.size !== undefined) ? REPOSITORY_VERSION : '1.0';
  return JSON.stringify({ meta: { 'api-version': apiVersion }, name: normalizeProjectName(page.name), versions: pageVersions(page), files });
}

function htmlDocument(title: string, body: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html>',
    '  <head>',
    `    <meta name="pypi:repository-version" content="${REPOSITORY_VERSION}">`,
    `    <title>${escapeHtml(title)}</title>`,
    '  </head>',
    '  <body>',
    ...body.map((line) => `    ${line}`),
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}

function fileAnchor(file: PypiFile, href: string): string {
  const hash = preferredHash(file.hashes);
  const attrs = [`href="${escapeHtml(hash === undefined ? href : `${href}#${hash[0]}=${hash[1]}`)}"`];
  if (file.requiresPython !== undefined) attrs.push(`data-requires-python="${escapeHtml(file.requiresPython)}"`);
  if (file.yanked === true) attrs.push('data-yanked=""');
  else if (typeof file.yanked === 'string') attrs.push(`data-yanked="${escapeHtml(file.yanked)}"`);
  const metadata = servedCoreMetadata(file);
  if (metadata?.sha256 !== undefined) {
    // PEP 714: HTML carries both names, so clients from before the rename keep working.
    const value = escapeHtml(`sha256=${metadata.sha256}`);
    attrs.push(`data-core-metadata="${value}"`, `data-dist-info-metadata="${value}"`);
  }
  return `<a ${attrs.join(' ')}>${escapeHtml(file.filename)}</a><br />`;
}

/** PEP 503 HTML with the PEP 629 version meta tag, hash fragments and data-* attributes. */
export function renderHtml(page: ProjectPage, fileUrl: (file: PypiFile) => string): string {
  const name = normalizeProjectName(page.name);
  return htmlDocument(`Links for ${name}`, [`<h1>Links for ${escapeHtml(name)}</h1>`, ...page.files.map((file) => fileAnchor(file, fileUrl(file)))]);
}

/** The `/simple/` project list, in the order given. */
export function renderProjectList(names: string[], projectUrl: (name: string) => string, form: 'json' | 'html'): string {
  if (form === 'json') return JSON.stringify({ meta: { 'api-version': REPOSITORY_VERSION }, projects: names.map((name) => ({ name })) });
  return htmlDocument('Simple index', names.map((name) => `<a href="${escapeHtml(projectUrl(name))}">${escapeHtml(name)}</a><br />`));
}
