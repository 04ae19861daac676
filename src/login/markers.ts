/**
 * How `larder login` marks what it writes into a user's config file, so `larder logout` can take
 * exactly that out again even after the user edited the file elsewhere: added lines sit between a
 * begin and an end comment naming the tool, and a setting login had to switch off is kept,
 * commented out behind a recognisable prefix, so logout can switch it back on byte for byte.
 * Pure text functions; positions are string offsets into the file's original text.
 */
import type { ToolName } from './tool-names.js';

/** `#` for ini, TOML and YAML files; `//` for Groovy; `xml` for settings.xml. */
export type CommentStyle = '#' | '//' | 'xml';

export interface Insertion {
  /** Where the block goes: the end of a line (before its line break, or at the end of the file), or 0 with `before`. */
  at: number;
  lines: readonly string[];
  /** Put in front of every line of the block (XML indentation). */
  indent?: string;
  /** The block goes before the text at `at` (the start of the file) instead of after a line. */
  before?: boolean;
}

/** A range of the original text (whole lines for `#` and `//`) that login comments out. */
export interface Disabling {
  start: number;
  end: number;
}

export interface TextChanges {
  insertions: Insertion[];
  disablings: Disabling[];
}

const KEEP = '(larder logout removes this)';

function wrap(style: CommentStyle, text: string): string {
  return style === 'xml' ? `<!-- ${text} -->` : `${style} ${text}`;
}

export function beginMarker(style: CommentStyle, tool: ToolName): string {
  return wrap(style, `larder login: begin ${tool} ${KEEP}`);
}

export function endMarker(style: CommentStyle, tool: ToolName): string {
  return wrap(style, `larder login: end ${tool}`);
}

function disabledPrefix(style: '#' | '//', tool: ToolName): string {
  return `${style} larder login replaced (${tool}): `;
}

const XML_DISABLED = (tool: ToolName): string => `<!-- larder login replaced (${tool}): `;

/** The file's line break: CRLF when it already uses it, else LF. */
export function lineBreakOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** XML comments may not contain `--`: every `-` (and the escape character) gets a backslash. */
function escapeXmlComment(text: string): string {
  return text.replace(/[\\-]/g, (char) => `\\${char}`);
}

function unescapeXmlComment(text: string): string {
  return text.replace(/\\([\\-])/g, '$1');
}

function blockText(style: CommentStyle, tool: ToolName, insertion: Insertion, eol: string): string {
  const indent = insertion.indent ?? '';
  const lines = [beginMarker(style, tool), ...insertion.lines, endMarker(style, tool)].map((line) => (line === '' ? '' : `${indent}${line}`));
  return insertion.before === true ? `${lines.join(eol)}${eol}` : `${eol}${lines.join(eol)}`;
}

function disabledText(style: CommentStyle, tool: ToolName, span: string): string {
  if (style === 'xml') return `${XML_DISABLED(tool)}${escapeXmlComment(span)} -->`;
  const prefix = disabledPrefix(style, tool);
  return span
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

/** The original text with the blocks inserted and the ranges commented out (applied back to front, so offsets stay valid). */
export function applyChanges(text: string, tool: ToolName, style: CommentStyle, changes: TextChanges): string {
  const eol = lineBreakOf(text);
  type Step = { at: number; end: number; order: number; replacement: string };
  const steps: Step[] = [
    ...changes.insertions.map((insertion, order) => ({ at: insertion.at, end: insertion.at, order, replacement: blockText(style, tool, insertion, eol) })),
    ...changes.disablings.map((span) => ({ at: span.start, end: span.end, order: 0, replacement: disabledText(style, tool, text.slice(span.start, span.end)) })),
  ];
  // Back to front; at one offset the range first, then the blocks last-listed first, so they end up in listed order.
  steps.sort((a, b) => b.at - a.at || b.end - a.end || b.order - a.order);
  let result = text;
  for (const step of steps) result = `${result.slice(0, step.at)}${step.replacement}${result.slice(step.end)}`;
  return result;
}

export interface Removal {
  text: string;
  /** Marked blocks taken out. */
  blocks: number;
  /** Commented-out settings switched back on. */
  restored: number;
}

/**
 * Takes out every block `tool`'s login added and switches back on what it commented out. A
 * block inserted after a line took the line break before it with it; one inserted at the start of
 * the file took the one after it: each gives back exactly that.
 */
export function removeLoginChanges(text: string, tool: ToolName, style: CommentStyle): Removal {
  const lineEnd = style === 'xml' ? '' : '(?=\\r?\\n|$)';
  const block = new RegExp(`(\\r?\\n[ \\t]*)?${escapeRegExp(beginMarker(style, tool))}[\\s\\S]*?${escapeRegExp(endMarker(style, tool))}${lineEnd}(\\r?\\n)?`, 'g');
  let blocks = 0;
  let result = text.replace(block, (_match, before: string | undefined, after: string | undefined) => {
    blocks += 1;
    return before === undefined ? '' : (after ?? '');
  });
  let restored = 0;
  if (style === 'xml') {
    const disabled = new RegExp(`${escapeRegExp(XML_DISABLED(tool))}([\\s\\S]*?) -->`, 'g');
    result = result.replace(disabled, (_match, inner: string) => {
      restored += 1;
      return unescapeXmlComment(inner);
    });
  } else {
    const disabled = new RegExp(`^${escapeRegExp(disabledPrefix(style, tool))}`, 'gm');
    result = result.replace(disabled, () => {
      restored += 1;
      return '';
    });
  }
  return { text: result, blocks, restored };
}

/** The end of the text's last line, where a block goes to be appended (the file's final line break stays last). */
export function appendPosition(text: string): Insertion['at'] {
  if (text.endsWith('\r\n')) return text.length - 2;
  if (text.endsWith('\n')) return text.length - 1;
  return text.length;
}

/** An insertion that appends `lines` to the file (at its start when it is empty). */
export function appendBlock(text: string, lines: readonly string[]): Insertion {
  return text === '' ? { at: 0, lines, before: true } : { at: appendPosition(text), lines };
}
