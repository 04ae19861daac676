/**
 * Finding elements in an XML file (Maven's settings.xml) without rewriting it: tags are searched
 * in a copy of the text whose comments, CDATA sections and processing instructions are blanked
 * out at the same length, so a `<mirror>` inside a comment (Maven's own template is full of them)
 * is never taken for a real one, and every offset found is an offset into the original text.
 */

/** The text with comments, CDATA and processing instructions replaced by spaces (line breaks kept). */
export function maskMarkup(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<\?[\s\S]*?(?:\?>|$)/g, (match) => match.replace(/[^\r\n]/g, ' '));
}

export interface Tag {
  start: number;
  /** Just past the tag's `>`. */
  end: number;
  selfClosing: boolean;
}

/** The first start tag `<name …>` (or `<name …/>`) in masked[from, to). */
export function findStartTag(masked: string, name: string, from: number, to: number): Tag | undefined {
  const pattern = new RegExp(`<${name}(?=[\\s/>])[^>]*>`, 'g');
  pattern.lastIndex = from;
  const match = pattern.exec(masked);
  if (match === null || match.index >= to) return undefined;
  return { start: match.index, end: match.index + match[0].length, selfClosing: match[0].endsWith('/>') };
}

/** The first end tag `</name>` in masked[from, to). */
export function findEndTag(masked: string, name: string, from: number, to: number = masked.length): Tag | undefined {
  const pattern = new RegExp(`</${name}\\s*>`, 'g');
  pattern.lastIndex = from;
  const match = pattern.exec(masked);
  if (match === null || match.index >= to) return undefined;
  return { start: match.index, end: match.index + match[0].length, selfClosing: false };
}

/** The last end tag `</name>` in masked. */
export function findLastEndTag(masked: string, name: string): Tag | undefined {
  let last: Tag | undefined;
  for (const match of masked.matchAll(new RegExp(`</${name}\\s*>`, 'g'))) last = { start: match.index, end: match.index + match[0].length, selfClosing: false };
  return last;
}

export interface ElementSpan {
  start: number;
  end: number;
}

/** The `<name>…</name>` elements (no nesting of the same name) in masked[from, to). */
export function findElements(masked: string, name: string, from: number, to: number): ElementSpan[] {
  const found: ElementSpan[] = [];
  let cursor = from;
  for (;;) {
    const open = findStartTag(masked, name, cursor, to);
    if (open === undefined) return found;
    const close = open.selfClosing ? open : findEndTag(masked, name, open.end, to);
    if (close === undefined) return found;
    found.push({ start: open.start, end: close.end });
    cursor = close.end;
  }
}

/** The whitespace that starts the line holding offset `at`. */
export function lineIndent(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** The file's indentation step, from its first indented element line; two spaces when it has none. */
export function indentUnit(text: string): string {
  return /^([ \t]+)</m.exec(text)?.[1] ?? '  ';
}

/**
 * Where to put a block that must come just before the element starting at `at`: the end of the
 * line above when the element starts its own line, else right before it.
 */
export function endOfLineBefore(text: string, at: number): number {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (lineStart === 0 || text.slice(lineStart, at).trim() !== '') return at;
  return text[lineStart - 2] === '\r' ? lineStart - 2 : lineStart - 1;
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
