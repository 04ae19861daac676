/**
 * A small XML reader and escaper, enough for maven-metadata.xml: the XML declaration, processing
 * instructions, comments, CDATA, a DOCTYPE (skipped, never expanded), attributes, the five
 * predefined entities and character references. Namespace prefixes are dropped (`m:metadata` is
 * `metadata`). Not a general XML parser: no custom entities (refused, so nothing can expand),
 * no validation. Malformed input throws E_UPSTREAM_BAD_RESPONSE: metadata comes from upstreams.
 */
import { LarderError } from '../../errors.js';

export interface XmlElement {
  /** Local name, without a namespace prefix. */
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (children's text excluded), entities decoded, untrimmed. */
  text: string;
}

/** Far deeper than maven-metadata.xml (4 levels); bounds the work a hostile document can ask for. */
const MAX_DEPTH = 32;

const NAME = /[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\u00B7\u00C0-\uFFFF-]*/y;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function malformed(why: string, at: number): LarderError {
  return new LarderError('E_UPSTREAM_BAD_RESPONSE', `the upstream sent malformed XML: ${why} (at character ${at})`, {
    operation: 'maven.xml',
  });
}

function localName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1);
}

/** Decodes `&amp;`-style entities and `&#…;` references in text or an attribute value. */
export function decodeEntities(text: string, at = 0): string {
  return text.replace(/&([^;&\s]*);?/g, (whole, body: string, offset: number) => {
    if (!whole.endsWith(';')) throw malformed('"&" that starts no entity', at + offset);
    const predefined = PREDEFINED[body];
    if (predefined !== undefined) return predefined;
    const reference = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (reference === null) throw malformed(`unknown entity &${body};`, at + offset);
    const code = reference[1] !== undefined ? Number.parseInt(reference[1], 16) : Number(reference[2]);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw malformed(`invalid character reference &${body};`, at + offset);
    return String.fromCodePoint(code);
  });
}

/** Escapes text for element content or a double-quoted attribute; drops characters XML 1.0 cannot hold. */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- removing what XML 1.0 forbids is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text.charAt(this.pos))) this.pos++;
  }

  /** Moves past `end`, returning what came before it. */
  until(end: string, what: string): string {
    const found = this.text.indexOf(end, this.pos);
    if (found === -1) throw malformed(`unterminated ${what}`, this.pos);
    const body = this.text.slice(this.pos, found);
    this.pos = found + end.length;
    return body;
  }

  name(): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.text);
    if (match === null) throw malformed('expected a name', this.pos);
    this.pos = NAME.lastIndex;
    return match[0];
  }

  /** Skips a comment, processing instruction or DOCTYPE if one starts here. */
  skipMarkup(): boolean {
    if (this.startsWith('<!--')) {
      this.pos += 4;
      this.until('-->', 'comment');
    } else if (this.startsWith('<?')) {
      this.until('?>', 'processing instruction');
    } else if (this.startsWith('<!DOCTYPE')) {
      this.skipDoctype();
    } else {
      return false;
    }
    return true;
  }

  skipDoctype(): void {
    let inSubset = false;
    for (; this.pos < this.text.length; this.pos++) {
      const c = this.text.charAt(this.pos);
      if (c === '[') inSubset = true;
      else if (c === ']') inSubset = false;
      else if (c === '>' && !inSubset) {
        this.pos++;
        return;
      }
    }
    throw malformed('unterminated DOCTYPE', this.pos);
  }

  /** Reads a start tag after `<`; true when it closed itself (`/>`). */
  startTag(element: XmlElement): boolean {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('/>')) {
        this.pos += 2;
        return true;
      }
      if (this.startsWith('>')) {
        this.pos += 1;
        return false;
      }
      const attribute = this.name();
      this.skipSpace();
      if (!this.startsWith('=')) throw malformed(`attribute ${attribute} without a value`, this.pos);
      this.pos++;
      this.skipSpace();
      const quote = this.text.charAt(this.pos);
      if (quote !== '"' && quote !== "'") throw malformed(`attribute ${attribute} value is not quoted`, this.pos);
      this.pos++;
      const start = this.pos;
      const raw = this.until(quote, 'attribute value');
      if (raw.includes('<')) throw malformed('"<" in an attribute value', start);
      element.attributes[localName(attribute)] = decodeEntities(raw, start);
    }
  }
}

/** Parses a document into its root element. Throws E_UPSTREAM_BAD_RESPONSE when it is not well-formed. */
export function parseXml(input: string): XmlElement {
  const reader = new Reader(input.replace(/^\uFEFF/, ''));
  const { text } = reader;
  for (;;) {
    reader.skipSpace();
    if (!reader.skipMarkup()) break;
  }
  if (!reader.startsWith('<')) throw malformed('no root element', reader.pos);

  let root: XmlElement | undefined;
  const open: Array<{ element: XmlElement; rawName: string }> = [];
  while (root === undefined) {
    if (reader.pos >= text.length) throw malformed(`unclosed element <${open[open.length - 1]?.rawName ?? ''}>`, reader.pos);
    const top = open[open.length - 1];
    if (!reader.startsWith('<')) {
      const start = reader.pos;
      const next = text.indexOf('<', start);
      reader.pos = next === -1 ? text.length : next;
      if (top !== undefined) top.element.text += decodeEntities(text.slice(start, reader.pos), start);
    } else if (reader.startsWith('</')) {
      reader.pos += 2;
      const rawName = reader.name();
      reader.skipSpace();
      if (!reader.startsWith('>')) throw malformed(`malformed end tag </${rawName}`, reader.pos);
      reader.pos++;
      if (top === undefined || top.rawName !== rawName) throw malformed(`end tag </${rawName}> does not close <${top?.rawName ?? ''}>`, reader.pos);
      open.pop();
      if (open.length === 0) root = top.element;
    } else if (reader.startsWith('<![CDATA[')) {
      reader.pos += 9;
      const data = reader.until(']]>', 'CDATA section');
      if (top !== undefined) top.element.text += data;
    } else if (!reader.skipMarkup()) {
      reader.pos++;
      const rawName = reader.name();
      const element: XmlElement = { name: localName(rawName), attributes: {}, children: [], text: '' };
      const selfClosed = reader.startTag(element);
      top?.element.children.push(element);
      if (selfClosed && top === undefined) root = element;
      else if (!selfClosed) {
        if (open.length >= MAX_DEPTH) throw malformed(`elements nested deeper than ${MAX_DEPTH}`, reader.pos);
        open.push({ element, rawName });
      }
    }
  }
  for (;;) {
    reader.skipSpace();
    if (reader.pos >= text.length) return root;
    if (!reader.skipMarkup()) throw malformed('content after the root element', reader.pos);
  }
}

/** The first child element named `name`. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.name === name);
}

/** Every child element named `name`. */
export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((candidate) => candidate.name === name) ?? [];
}

/** The trimmed text of the first child named `name`; undefined when absent or empty. */
export function childText(element: XmlElement | undefined, name: string): string | undefined {
  const text = child(element, name)?.text.trim();
  return text === undefined || text === '' ? undefined : text;
}
