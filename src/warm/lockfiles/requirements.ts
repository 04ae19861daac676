/**
 * pip's `requirements.txt`: the pinned lines (`name==1.0`, `name[extra]===1.0`, with an
 * environment marker after `;` and `--hash=sha256:HEX` options) become items; every other
 * requirement (a range, no version, a URL or path, `-e`) is reported in `skipped` as "not pinned
 * to one version". Markers are not evaluated: a cache warmed for one machine serves others too.
 *
 * Comments, blank lines and `\` continuations follow pip's rules. Global options (`--index-url`,
 * `--find-links`, `--require-hashes` …) are pip's business, not entries, and are ignored.
 *
 * Includes (`-r other.txt`, `-c constraints.txt`) are NOT read here: this stays a pure function
 * of one file's text. They are returned in `includes`, with the path as written (relative to
 * the including file), and readLockfile (index.ts) reads and merges them.
 */
import { normalizeProjectName } from '../../formats/pypi/names.js';
import type { LockfileContents, PypiWarmItem } from '../types.js';
import { hexToSri, ItemList, malformed, type Skipped } from './common.js';

export interface RequirementsInclude {
  /** `-r` / `--requirement` or `-c` / `--constraint`. */
  kind: 'requirements' | 'constraints';
  /** As written in the file: relative to the including file's directory, unless absolute. */
  path: string;
  line: number;
}

export interface RequirementsContents extends LockfileContents {
  format: 'pypi';
  items: PypiWarmItem[];
  includes: RequirementsInclude[];
}

export const NOT_PINNED = 'not pinned to one version';

/** PEP 508 names (the same rule as formats/pypi/names.ts), extras, then the rest. */
const REQUIREMENT = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;
/** One exact pin: `==1.0` or `===1.0`, no wildcard, no second clause. */
const PIN = /^\(?\s*===?\s*([A-Za-z0-9][A-Za-z0-9._+!-]*)\s*\)?$/;

/** Items merge by normalised name and version: their accepted digests and file names are united. */
export function pypiItemList(): ItemList<PypiWarmItem> {
  return new ItemList<PypiWarmItem>(
    (item) => `${normalizeProjectName(item.name)}==${item.version}`,
    (kept, next) => {
      for (const integrity of next.integrities) if (!kept.integrities.includes(integrity)) kept.integrities.push(integrity);
      for (const file of next.files ?? []) {
        kept.files ??= [];
        if (!kept.files.includes(file)) kept.files.push(file);
      }
    },
  );
}

export function readRequirements(text: string, fileName: string): RequirementsContents {
  const items = pypiItemList();
  const skipped: Skipped = [];
  const includes: RequirementsInclude[] = [];
  for (const { line, text: content } of logicalLines(text)) {
    const where = `line ${line}`;
    const include = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?<=^-[rc]))(\S.*)$/.exec(content);
    if (include !== null) {
      const kind = include[1] === '-c' || include[1] === '--constraint' ? 'constraints' : 'requirements';
      includes.push({ kind, path: include[2] ?? '', line });
      continue;
    }
    if (/^(-e|--editable)\b/.test(content)) {
      skipped.push({ entry: `${fileName}:${line}: ${content}`, reason: NOT_PINNED });
      continue;
    }
    if (content.startsWith('-')) continue; // a global option: pip's, not an entry
    const item = requirement(content, fileName, where);
    if (item === undefined) skipped.push({ entry: `${fileName}:${line}: ${content}`, reason: NOT_PINNED });
    else items.add(item);
  }
  return { kind: 'requirements.txt', format: 'pypi', items: items.items, skipped, includes };
}

/** A pinned requirement line as an item, or undefined when it pins no single version. */
function requirement(content: string, fileName: string, where: string): PypiWarmItem | undefined {
  // Per-requirement options start at the first ` --`; a marker starts at the first `;`.
  const optionsAt = content.search(/\s--?[a-z]/);
  const spec = optionsAt === -1 ? content : content.slice(0, optionsAt);
  const options = optionsAt === -1 ? '' : content.slice(optionsAt);
  const integrities = hashes(options, fileName, where);
  const bare = spec.replace(/;.*$/, '').trim();
  // `name @ URL`, or a URL, a path or an archive on its own: pip installs those from there, never from an index.
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/.test(bare)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:|^[.~]|[/\\]|\.(whl|zip|tar\.gz|tgz|tar\.bz2)$/i.test(bare)) return undefined;
  const match = REQUIREMENT.exec(bare);
  if (match === null) throw malformed(fileName, where, `cannot read the requirement ${JSON.stringify(bare)}`);
  const [, name = '', extras, versionSpec = ''] = match;
  if (extras !== undefined && !/^\[\s*([A-Za-z0-9._-]+\s*(,\s*[A-Za-z0-9._-]+\s*)*)?\]$/.test(extras)) {
    throw malformed(fileName, where, `bad extras ${JSON.stringify(extras)} after ${name}`);
  }
  const pin = PIN.exec(versionSpec.trim());
  if (pin?.[1] === undefined) {
    if (/^(==|===)\s*$/.test(versionSpec.trim())) throw malformed(fileName, where, `${name} has "==" but no version`);
    // One `==` clause, no wildcard, yet no version PIN accepts: pip would refuse the line too.
    if (/^\(?\s*===?[^,*<>=!~]*$/.test(versionSpec.trim())) throw malformed(fileName, where, `${name} has a bad version in ${JSON.stringify(versionSpec.trim())}`);
    if (versionSpec.trim() !== '' && !/^\(?\s*(~=|==|!=|<=|>=|<|>|===)/.test(versionSpec.trim())) {
      throw malformed(fileName, where, `cannot read the version specifier ${JSON.stringify(versionSpec.trim())} of ${name}`);
    }
    return undefined;
  }
  return { format: 'pypi', name, version: pin[1], integrities };
}

/** `--hash=sha256:HEX` (or `--hash sha256:HEX`) options as SRI strings; other per-requirement options are pip's. */
function hashes(options: string, fileName: string, where: string): string[] {
  const found: string[] = [];
  const tokens = options.trim().split(/\s+/).filter((token) => token !== '');
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] ?? '';
    if (token !== '--hash' && !token.startsWith('--hash=')) continue;
    const value = token === '--hash' ? tokens[(i += 1)] : token.slice('--hash='.length);
    const [algorithm, hex] = (value ?? '').split(':');
    if (algorithm === undefined || hex === undefined || algorithm === '') throw malformed(fileName, where, `--hash needs ALGORITHM:HEX, found ${JSON.stringify(value ?? '')}`);
    if (!['sha256', 'sha384', 'sha512'].includes(algorithm)) throw malformed(fileName, where, `pip accepts sha256, sha384 and sha512 hashes, not ${JSON.stringify(algorithm)}`);
    const sri = hexToSri(algorithm, hex, fileName, where);
    if (!found.includes(sri)) found.push(sri);
  }
  return found;
}

/**
 * pip's line handling: a line ending in `\` joins the next, then comments (`#` at the start or
 * after whitespace) are removed. Each logical line keeps the number of its first physical line.
 */
function logicalLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let pending: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((physical, index) => {
    // A comment line ends a continuation (as in pip, which also puts a space before it).
    const comment = /^\s*#/.test(physical);
    const raw = comment ? ` ${physical}` : physical;
    const joined = pending === undefined ? { line: index + 1, text: raw } : { line: pending.line, text: `${pending.text}${raw}` };
    if (joined.text.endsWith('\\') && !comment) {
      pending = { line: joined.line, text: joined.text.slice(0, -1) };
      return;
    }
    pending = undefined;
    const content = joined.text.replace(/(^|\s+)#.*$/, '').trim();
    if (content !== '') out.push({ line: joined.line, text: content });
  });
  if (pending !== undefined) {
    const content = pending.text.replace(/(^|\s+)#.*$/, '').trim();
    if (content !== '') out.push({ line: pending.line, text: content });
  }
  return out;
}
