/**
 * A line-by-line reading of the small config formats `larder login` edits — npm's ini, Python's
 * configparser files (pip.conf, .pypirc), yarn's .yarnrc and .yarnrc.yml, uv's TOML — enough to
 * find a section, the settings it holds and the lines each setting spans. Not a parser: the
 * file's own text is never rewritten, only located, so everything login does not touch stays
 * byte for byte.
 */
export type LineKind = 'blank' | 'comment' | 'section' | 'entry' | 'continuation' | 'other';

export interface ScannedLine {
  /** Offset of the line's first character. */
  start: number;
  /** Offset just past the line's last character, before its line break. */
  end: number;
  /** The line without its line break (and without a CR). */
  text: string;
  kind: LineKind;
  /** The section the line is in (its header as written, trimmed, lowercased), undefined before the first. */
  section: string | undefined;
  /** The setting an `entry` line sets (and a `continuation` line continues), as the dialect names it. */
  key: string | undefined;
  /** Inside a block some `larder login` wrote: another tool's login leaves it alone. */
  ours: boolean;
}

export interface Dialect {
  /** Line starts (after indentation) that make a comment. */
  comments: readonly string[];
  /** `[name]` lines start sections. */
  sections: boolean;
  /** The key an entry line sets, or undefined when the line sets none. */
  key(line: string): string | undefined;
  /** True when `line` belongs to the entry above it (an indented configparser value, a nested YAML line). */
  continues(line: string): boolean;
}

const MARK_BEGIN = /^\s*(#|\/\/) larder login: begin /;
const MARK_END = /^\s*(#|\/\/) larder login: end /;

export function scanLines(text: string, dialect: Dialect): ScannedLine[] {
  const lines: ScannedLine[] = [];
  let offset = 0;
  let section: string | undefined;
  let ours = false;
  let entryKey: string | undefined;
  for (const raw of text.split('\n')) {
    const start = offset;
    offset += raw.length + 1;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = content.trim();
    const insideBlock = ours || MARK_BEGIN.test(content);
    if (MARK_BEGIN.test(content)) ours = true;
    else if (MARK_END.test(content)) ours = false;
    let kind: LineKind;
    let key: string | undefined;
    if (trimmed === '') {
      kind = 'blank';
      entryKey = undefined;
    } else if (dialect.comments.some((prefix) => trimmed.startsWith(prefix))) {
      // A comment does not end a configparser value: its continuation may follow.
      kind = 'comment';
    } else if (entryKey !== undefined && dialect.continues(content)) {
      kind = 'continuation';
      key = entryKey;
    } else if (dialect.sections && trimmed.startsWith('[')) {
      kind = 'section';
      section = trimmed.toLowerCase();
      entryKey = undefined;
    } else {
      key = dialect.key(content);
      kind = key === undefined ? 'other' : 'entry';
      entryKey = key;
    }
    lines.push({ start, end: start + content.length, text: content, kind, section, key, ours: insideBlock });
  }
  // A file ending in a line break has no line after it.
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

/** The range of entry line `index` and its continuation lines (line breaks between them included, not the last one). */
export function entrySpan(lines: readonly ScannedLine[], index: number): { start: number; end: number } {
  const first = lines[index];
  if (first === undefined) throw new RangeError(`no line ${index}`);
  let last = first;
  for (let next = index + 1; next < lines.length; next += 1) {
    const line = lines[next];
    if (line === undefined || (line.kind !== 'continuation' && line.kind !== 'comment')) break;
    if (line.kind === 'continuation') last = line;
  }
  return { start: first.start, end: last.end };
}

/** Indexes of the entry lines (outside any login block) for which `wanted` holds. */
export function findEntries(lines: readonly ScannedLine[], wanted: (line: ScannedLine & { key: string }) => boolean): number[] {
  const found: number[] = [];
  lines.forEach((line, index) => {
    if (line.kind === 'entry' && line.key !== undefined && !line.ours && wanted({ ...line, key: line.key })) found.push(index);
  });
  return found;
}

/** The header line of section `name` (e.g. `[global]`, lowercase), or undefined. */
export function findSection(lines: readonly ScannedLine[], name: string): ScannedLine | undefined {
  return lines.find((line) => line.kind === 'section' && line.section === name && !line.ours);
}

/** Text before the first `=` (or `:` too, with `colon`), trimmed; undefined when there is neither. */
function keyBefore(line: string, colon: boolean): string | undefined {
  const match = (colon ? /^([^=:]+)[=:]/ : /^([^=]+)=?/).exec(line);
  const key = match?.[1]?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/** npm's ini: `key=value`, `;` and `#` comments, `[section]` headers, no continuation lines. */
export const NPMRC: Dialect = {
  comments: ['#', ';'],
  sections: true,
  key: (line) => keyBefore(line.trim(), false),
  continues: () => false,
};

/** Python's configparser (pip.conf, .pypirc): keys are case-insensitive, indented lines continue a value. */
export const CONFIGPARSER: Dialect = {
  comments: ['#', ';'],
  sections: true,
  key: (line) => (/^\s/.test(line) ? undefined : keyBefore(line, true)?.toLowerCase()),
  continues: (line) => /^\s/.test(line),
};

/** yarn classic's .yarnrc: `key value`, the key maybe quoted. */
export const YARNRC: Dialect = {
  comments: ['#'],
  sections: false,
  key: (line) => /^\s*("([^"]+)"|([^\s"]+))/.exec(line)?.slice(2).find((part) => part !== undefined),
  continues: (line) => /^\s/.test(line),
};

/** YAML at the top level (.yarnrc.yml): `key:` at column 0; indented lines and `- ` items belong to it. */
export const YAML_TOP: Dialect = {
  comments: ['#'],
  sections: false,
  key: (line) => /^(?:"([^"]+)"|'([^']+)'|([^\s#"'][^:]*?))\s*:(?:\s|$)/.exec(line)?.slice(1).find((part) => part !== undefined),
  continues: (line) => /^(\s|-(\s|$))/.test(line),
};

/** TOML (uv.toml): `key = value`, `[table]` and `[[array]]` headers. */
export const TOML: Dialect = {
  comments: ['#'],
  sections: true,
  key: (line) => keyBefore(line.trim(), false)?.replace(/^"(.*)"$/, '$1'),
  continues: () => false,
};
