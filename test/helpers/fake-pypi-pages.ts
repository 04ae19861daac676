/**
 * The documents of the fake PyPI index, in the formats a real index serves: the project list
 * and project pages as PEP 503 HTML (with the PEP 592 / 629 / 658 / 714 attributes) and as
 * PEP 691 JSON (api-version 1.1, PEP 700 fields), plus PEP 691 content negotiation.
 */
import type { FakePypiFile, ProjectState } from './fake-pypi-projects.js';

export const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
export const HTML_TYPE = 'application/vnd.pypi.simple.v1+html';
export const API_VERSION = '1.1';

export type PageForm = 'html' | 'json';

/** How the index chooses a form: always one, or by the request's Accept header. */
export type FormMode = PageForm | 'negotiate';

export interface Negotiated {
  form: PageForm;
  /** The Content-Type to send. */
  type: string;
}

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): Range[] {
  const ranges: Range[] = [];
  for (const part of accept.split(',')) {
    const [media = '', ...params] = part.split(';').map((s) => s.trim());
    const [type = '', subtype = ''] = media.toLowerCase().split('/');
    if (type === '' || subtype === '') continue;
    const qParam = params.find((p) => /^q=/i.test(p));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    ranges.push({ type, subtype, q: Number.isFinite(q) ? q : 0 });
  }
  return ranges;
}

/** The q-value Accept gives `offer`, from the most specific range that matches it (RFC 9110 §12.5.1). */
function quality(ranges: readonly Range[], offer: string): number {
  const [type, subtype] = offer.split('/');
  let best: { specificity: number; q: number } = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}

/**
 * `negotiate`: JSON only when Accept prefers a JSON type strictly over every HTML type; HTML
 * otherwise (ties, `*\/*`, no Accept, nothing acceptable — lenient, as PyPI is), typed as the
 * HTML flavour the client ranked higher (`text/html` on a tie).
 */
export function negotiate(accept: string | undefined, mode: FormMode): Negotiated {
  if (mode === 'json') return { form: 'json', type: JSON_TYPE };
  if (mode === 'html' || accept === undefined || accept.trim() === '') return { form: 'html', type: 'text/html; charset=utf-8' };
  const ranges = parseAccept(accept);
  const json = Math.max(quality(ranges, JSON_TYPE), quality(ranges, 'application/vnd.pypi.simple.latest+json'));
  const htmlV1 = Math.max(quality(ranges, HTML_TYPE), quality(ranges, 'application/vnd.pypi.simple.latest+html'));
  const text = quality(ranges, 'text/html');
  if (json > 0 && json > htmlV1 && json > text) return { form: 'json', type: JSON_TYPE };
  return { form: 'html', type: htmlV1 > text ? HTML_TYPE : 'text/html; charset=utf-8' };
}

/** Escapes text for HTML content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** PEP 700's `upload-time` form: `yyyy-mm-ddThh:mm:ss.ffffffZ`. */
export function uploadTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function htmlDocument(title: string, body: string[], trailer = ''): string {
  return [
    '<!DOCTYPE html>',
    '<html>',
    '  <head>',
    `    <meta name="pypi:repository-version" content="${API_VERSION}">`,
    `    <title>${escapeHtml(title)}</title>`,
    '  </head>',
    '  <body>',
    ...body.map((line) => `    ${line}`),
    '  </body>',
    '</html>',
    trailer,
  ].join('\n');
}

/** `/simple/` in either form; `href(project)` gives each project's link. */
export function projectList(projects: readonly ProjectState[], serial: number, form: PageForm, href: (normalized: string) => string): string {
  if (form === 'json') {
    const list = projects.map((p) => ({ name: p.name, '_last-serial': p.serial }));
    return JSON.stringify({ meta: { 'api-version': API_VERSION, '_last-serial': serial }, projects: list });
  }
  const links = projects.map((p) => `<a href="${escapeHtml(href(p.normalized))}">${escapeHtml(p.name)}</a>`);
  return htmlDocument('Simple index', links);
}

function htmlAnchor(file: FakePypiFile, url: string): string {
  const attributes = [`href="${escapeHtml(`${url}#sha256=${file.sha256}`)}"`];
  if (file.requiresPython !== undefined) attributes.push(`data-requires-python="${escapeHtml(file.requiresPython)}"`);
  if (file.yanked !== undefined) attributes.push(`data-yanked="${file.yanked === true ? '' : escapeHtml(file.yanked)}"`);
  if (file.metadata !== undefined) {
    // PEP 714: the new name, and the PEP 658 one for older clients.
    attributes.push(`data-core-metadata="sha256=${file.metadata.sha256}"`, `data-dist-info-metadata="sha256=${file.metadata.sha256}"`);
  }
  return `<a ${attributes.join(' ')}>${escapeHtml(file.filename)}</a><br />`;
}

function jsonFile(file: FakePypiFile, url: string): Record<string, unknown> {
  const metadata = file.metadata === undefined ? false : { sha256: file.metadata.sha256 };
  return {
    filename: file.filename,
    url,
    hashes: { sha256: file.sha256 },
    'requires-python': file.requiresPython ?? null,
    yanked: file.yanked ?? false,
    size: file.bytes.length,
    'upload-time': uploadTime(file.uploaded),
    // PEP 714's key, plus the misnamed one PyPI still sends beside it (never `dist-info-metadata`,
    // which crashes pip 22.3–23.1).
    'core-metadata': metadata,
    'data-dist-info-metadata': metadata,
  };
}

/** `/simple/<project>/` in either form; `url(file)` gives each file's link (relative or absolute). */
export function projectPage(project: ProjectState, files: readonly FakePypiFile[], form: PageForm, url: (file: FakePypiFile) => string): string {
  if (form === 'json') {
    return JSON.stringify({
      meta: { 'api-version': API_VERSION, '_last-serial': project.serial },
      name: project.normalized,
      versions: [...project.versions.keys()],
      files: files.map((file) => jsonFile(file, url(file))),
    });
  }
  const title = `Links for ${project.normalized}`;
  return htmlDocument(title, [`<h1>${escapeHtml(title)}</h1>`, ...files.map((file) => htmlAnchor(file, url(file)))], `<!--SERIAL ${project.serial}-->\n`);
}
