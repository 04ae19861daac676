/**
 * Yarn classic's `yarn.lock` (`# yarn lockfile v1`): not YAML but yarn's own format. Each entry
 * is a header of the patterns that resolved to it, then indented fields:
 *
 *   "@acme/util@^2.0.0", "@acme/util@^2.0.1":
 *     version "2.0.0"
 *     resolved "http://host/@acme/util/-/util-2.0.0.tgz#<sha1 hex>"
 *     integrity sha512-…
 *     dependencies:
 *       left-pad "^1.0.0"
 *
 * `integrity` is the tarball's SRI; older lockfiles have only the sha1 after `#` in `resolved`.
 * An alias pattern (`pad@npm:left-pad@1.1.0`) names the real package after `npm:`. Entries from
 * git, `file:`, `link:` or a tarball URL are passed over.
 */
import type { LockfileContents } from '../types.js';
import { hexToSri, malformed, parseSri, type Skipped } from './common.js';
import { aliasTarget, checkedName, isExactVersion, nonRegistryReason, npmItem, npmItemList, splitSpec } from './npm-common.js';

interface Entry {
  header: string;
  patterns: string[];
  line: number;
  fields: Map<string, string>;
}

export function readYarnClassic(text: string, fileName: string): LockfileContents {
  const items = npmItemList(fileName);
  const skipped: Skipped = [];
  for (const entry of parseEntries(text, fileName)) {
    const where = `line ${entry.line}`;
    const [specName, range] = splitSpec(entry.patterns[0] ?? '');
    const version = entry.fields.get('version');
    if (version === undefined) throw malformed(fileName, where, `entry ${entry.header} has no version`);
    const resolved = entry.fields.get('resolved');
    const reason = resolved !== undefined ? nonRegistryReason(resolved) : /^[a-z+]+:/.test(range) && aliasTarget(range) === undefined ? nonRegistryReason(range) : undefined;
    if (reason !== undefined || !isExactVersion(version)) {
      skipped.push({ entry: entry.patterns.join(', '), reason: reason ?? 'not an exact registry version' });
      continue;
    }
    const name = checkedName(aliasTarget(range) ?? specName, fileName, where);
    items.add(npmItem(name, version, integrityOf(entry, resolved, fileName, where)));
  }
  return { kind: 'yarn.lock (classic)', format: 'npm', items: items.items, skipped };
}

function integrityOf(entry: Entry, resolved: string | undefined, fileName: string, where: string): string | undefined {
  const integrity = entry.fields.get('integrity');
  if (integrity !== undefined) return parseSri(integrity, fileName, where);
  const sha1 = resolved === undefined ? undefined : /#([0-9a-fA-F]+)$/.exec(resolved)?.[1];
  return sha1 === undefined ? undefined : hexToSri('sha1', sha1, fileName, where);
}

/** The entries of a classic lockfile, with their top-level fields (nested blocks such as `dependencies` are skipped). */
function parseEntries(text: string, fileName: string): Entry[] {
  const entries: Entry[] = [];
  let current: Entry | undefined;
  let inBlock = false;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    if (/^ *\t/.test(raw)) throw malformed(fileName, `line ${line}`, 'tabs are not allowed for indentation');
    const content = raw.trim();
    if (indent === 0) {
      if (!content.endsWith(':')) throw malformed(fileName, `line ${line}`, `expected an entry header ending in ":", found ${JSON.stringify(content)}`);
      const header = content.slice(0, -1);
      current = { header, patterns: splitPatterns(header, fileName, line), line, fields: new Map() };
      entries.push(current);
      inBlock = false;
      return;
    }
    if (current === undefined) throw malformed(fileName, `line ${line}`, 'an indented field before any entry header');
    if (indent > 2) {
      if (!inBlock) throw malformed(fileName, `line ${line}`, 'unexpected indentation');
      return;
    }
    if (indent !== 2) throw malformed(fileName, `line ${line}`, 'fields are indented by two spaces');
    const [key, rest] = readToken(content, fileName, line);
    const value = rest.replace(/^:/, '').trim();
    inBlock = value === '' && content.endsWith(':');
    if (inBlock) return;
    if (value === '') throw malformed(fileName, `line ${line}`, `field ${JSON.stringify(key)} has no value`);
    const [parsed, after] = readToken(value, fileName, line);
    if (after.trim() !== '') throw malformed(fileName, `line ${line}`, `unexpected text after the value of ${JSON.stringify(key)}`);
    current.fields.set(key, parsed);
  });
  return entries;
}

/** One bare or double-quoted token at the start of `text`, and what follows it. */
function readToken(text: string, fileName: string, line: number): [string, string] {
  if (text.startsWith('"')) {
    const end = /^"(?:[^"\\]|\\.)*"/.exec(text)?.[0];
    if (end === undefined) throw malformed(fileName, `line ${line}`, 'a quoted string is not closed');
    try {
      return [JSON.parse(end) as string, text.slice(end.length)];
    } catch (error) {
      throw malformed(fileName, `line ${line}`, `bad escape in ${end}`, error);
    }
  }
  const token = /^[^\s:,]+(?::(?!\s|$)[^\s:,]*)*/.exec(text)?.[0] ?? '';
  if (token === '') throw malformed(fileName, `line ${line}`, `expected a value, found ${JSON.stringify(text)}`);
  return [token, text.slice(token.length)];
}

/** `"a@^1", a@~1` → [`a@^1`, `a@~1`]. */
function splitPatterns(header: string, fileName: string, line: number): string[] {
  const patterns: string[] = [];
  let rest = header.trim();
  while (rest !== '') {
    const [pattern, after] = rest.startsWith('"') ? readToken(rest, fileName, line) : [rest.split(',')[0]?.trim() ?? '', rest.slice(rest.split(',')[0]?.length ?? 0)];
    if (pattern === '') throw malformed(fileName, `line ${line}`, `empty pattern in ${JSON.stringify(header)}`);
    patterns.push(pattern);
    rest = after.trim();
    if (rest !== '' && !rest.startsWith(',')) throw malformed(fileName, `line ${line}`, `expected "," between patterns in ${JSON.stringify(header)}`);
    rest = rest.slice(1).trim();
  }
  return patterns;
}
