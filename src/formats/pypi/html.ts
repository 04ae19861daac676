/**
 * Just enough HTML for the simple API: a tolerant scanner that finds `<a>` elements (attributes
 * and text), `<base href>` and `<meta name content>`, plus entity decoding and escaping. It never
 * throws on malformed markup; unclosed quotes, comments and anchors end at the end of input.
 * No dependency: PEP 691 exists because full HTML5 parsing is a lot to pull in for this.
 */

export interface HtmlAnchor {
  /** Lowercase attribute names; a valueless attribute is `''`. The first of duplicates wins. */
  attrs: Map<string, string>;
  /** Text content, entities decoded, tags inside removed, trimmed. */
  text: string;
}

export interface HtmlScan {
  anchors: HtmlAnchor[];
  /** The first `<base href>`, decoded. */
  baseHref?: string;
  /** `<meta name=… content=…>` by lowercase name; the first wins. */
  metas: Map<string, string>;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const ENTITY = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));/g;

function fromCodePoint(code: number): string {
  // NUL, surrogates and values past Unicode become U+FFFD, as HTML5 does.
  const invalid = code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff);
  return String.fromCodePoint(invalid ? 0xfffd : code);
}

/** Decodes `&amp; &lt; &gt; &quot; &apos; &nbsp;` and numeric references; unknown names stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, decimal: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (decimal !== undefined) return fromCodePoint(Number.parseInt(decimal, 10));
    if (hex !== undefined) return fromCodePoint(Number.parseInt(hex, 16));
    return (name !== undefined ? NAMED_ENTITIES[name] : undefined) ?? whole;
  });
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element body or a double- or single-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const TAG_NAME = /[A-Za-z][A-Za-z0-9:-]*/y;
const ATTR_NAME = /[^\s"'>/=]+/y;
const UNQUOTED_VALUE = /[^\s>]*/y;
const SPACE = /\s*/y;
/** Elements whose content is raw text: an `<a` inside a script is not a link. */
const RAW_TEXT_END: ReadonlyMap<string, RegExp> = new Map([
  ['script', /<\/script/gi],
  ['style', /<\/style/gi],
]);

function skip(pattern: RegExp, html: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.exec(html) === null ? at : pattern.lastIndex;
}

function readAttributes(html: string, start: number): { attrs: Map<string, string>; end: number } {
  const attrs = new Map<string, string>();
  let at = start;
  while (at < html.length) {
    while (at < html.length && /[\s/]/.test(html.charAt(at))) at += 1;
    if (at >= html.length) break;
    if (html.charAt(at) === '>') return { attrs, end: at + 1 };
    ATTR_NAME.lastIndex = at;
    const name = ATTR_NAME.exec(html);
    if (name === null) {
      at += 1; // a stray quote or "=": skip it, as browsers do
      continue;
    }
    at += name[0].length;
    const afterName = skip(SPACE, html, at);
    let value = '';
    if (html.charAt(afterName) === '=') {
      at = skip(SPACE, html, afterName + 1);
      const quote = html.charAt(at);
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, at + 1);
        value = html.slice(at + 1, close === -1 ? html.length : close);
        at = close === -1 ? html.length : close + 1;
      } else {
        UNQUOTED_VALUE.lastIndex = at;
        value = UNQUOTED_VALUE.exec(html)?.[0] ?? '';
        at += value.length;
      }
    }
    const key = name[0].toLowerCase();
    if (!attrs.has(key)) attrs.set(key, decodeEntities(value));
  }
  return { attrs, end: html.length };
}

/** Scans `html` for anchors, the base URL and meta tags. */
export function scanHtml(html: string): HtmlScan {
  const scan: HtmlScan = { anchors: [], metas: new Map() };
  let open: { attrs: Map<string, string>; text: string } | undefined;
  const closeAnchor = (): void => {
    if (open) scan.anchors.push({ attrs: open.attrs, text: decodeEntities(open.text).trim() });
    open = undefined;
  };
  let at = 0;
  while (at < html.length) {
    const lt = html.indexOf('<', at);
    const textEnd = lt === -1 ? html.length : lt;
    if (open) open.text += html.slice(at, textEnd);
    if (lt === -1) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      at = end === -1 ? html.length : end + 3;
      continue;
    }
    const next = html.charAt(lt + 1);
    if (next === '!' || next === '?') {
      const end = html.indexOf('>', lt);
      at = end === -1 ? html.length : end + 1;
      continue;
    }
    const closing = next === '/';
    TAG_NAME.lastIndex = lt + (closing ? 2 : 1);
    const tag = TAG_NAME.exec(html);
    if (tag === null) {
      if (open) open.text += '<'; // a literal "<" in text
      at = lt + 1;
      continue;
    }
    const name = tag[0].toLowerCase();
    const { attrs, end } = readAttributes(html, TAG_NAME.lastIndex);
    at = end;
    if (closing) {
      if (name === 'a') closeAnchor();
      continue;
    }
    if (name === 'a') {
      closeAnchor(); // an <a> inside an <a> closes the first, as HTML5 does
      open = { attrs, text: '' };
    } else if (name === 'base' && scan.baseHref === undefined && attrs.has('href')) {
      scan.baseHref = attrs.get('href');
    } else if (name === 'meta') {
      const metaName = attrs.get('name')?.toLowerCase();
      const content = attrs.get('content');
      if (metaName !== undefined && content !== undefined && !scan.metas.has(metaName)) scan.metas.set(metaName, content);
    } else {
      const rawEnd = RAW_TEXT_END.get(name);
      if (rawEnd !== undefined) {
        rawEnd.lastIndex = at;
        const close = rawEnd.exec(html);
        at = close === null ? html.length : close.index;
      }
    }
  }
  closeAnchor();
  return scan;
}
