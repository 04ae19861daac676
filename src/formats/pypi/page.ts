/**
 * An upstream project page, HTML or JSON, into larder's ProjectPage model: the form is chosen by
 * the Content-Type (sniffed only when the upstream sent none or a generic one).
 */
import { quoteInput } from '../../errors.js';
import { badUpstreamPage, type ProjectPage } from './file.js';
import { parseHtmlPage } from './page-html.js';
import { parseJsonPage } from './page-json.js';

export { decodeStoredPage, toPypiFile, type ProjectPage, type PypiFile } from './file.js';

const JSON_TYPES = new Set(['application/vnd.pypi.simple.v1+json', 'application/vnd.pypi.simple.latest+json', 'application/json']);
const HTML_TYPES = new Set(['text/html', 'application/vnd.pypi.simple.v1+html', 'application/vnd.pypi.simple.latest+html', 'application/xhtml+xml']);
/** Types that say nothing about the form: look at the body instead. */
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'text/plain']);

function sniff(body: string): 'json' | 'html' | undefined {
  const first = body.replace(/^\uFEFF/, '').trimStart().charAt(0);
  return first === '{' ? 'json' : first === '<' ? 'html' : undefined;
}

/**
 * Parses a project page for `project` fetched from `pageUrl` (relative links resolve against
 * it). Throws E_UPSTREAM_BAD_RESPONSE for anything that is not a simple-API v1 page of `project`.
 */
export function parseProjectPage(body: string, contentType: string, pageUrl: URL, project: string): ProjectPage {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  let form: 'json' | 'html' | undefined;
  if (JSON_TYPES.has(mediaType)) form = 'json';
  else if (HTML_TYPES.has(mediaType)) form = 'html';
  else if (GENERIC_TYPES.has(mediaType)) form = sniff(body);
  else {
    const version = /^application\/vnd\.pypi\.simple\.(v\d+)\+/.exec(mediaType)?.[1];
    const why = version === undefined ? `has Content-Type ${quoteInput(mediaType)}` : `uses simple API ${version}; larder understands v1`;
    throw badUpstreamPage(project, why, { contentType });
  }
  if (form === undefined) throw badUpstreamPage(project, 'is neither HTML nor JSON', { contentType });
  return form === 'json' ? parseJsonPage(body, pageUrl, project) : parseHtmlPage(body, pageUrl, project);
}
