/**
 * `pylock.toml` (PEP 751, lock-version 1.x): `[[packages]]` with `name`, `version`, and the files
 * an index serves for it, `sdist` (a table) and `wheels` (an array), each with `name` (or a `url`
 * / `path` ending in it) and `hashes` (algorithm → hex). Every file's digest becomes an accepted
 * integrity, and every file name a file to fetch. Packages from a VCS, a local directory or an
 * archive URL come from no index and are passed over.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { unsafeSegmentReason } from '../../formats/pypi/names.js';
import type { LockfileContents, PypiWarmItem } from '../types.js';
import { hexToSri, isRecord, malformed, type Skipped } from './common.js';
import { pypiItemList } from './requirements.js';

const NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
/** Algorithms SRI can express; a file's other digests (blake2b …) are not pinned. */
const SRI_ALGORITHMS = ['sha256', 'sha384', 'sha512'];

export function readPylock(text: string, fileName: string): LockfileContents {
  const doc = parseDocument(text, fileName);
  const lockVersion = doc['lock-version'];
  if (typeof lockVersion !== 'string') throw malformed(fileName, undefined, 'not a pylock.toml: no "lock-version" string');
  if (!/^1(\.\d+)*$/.test(lockVersion)) throw malformed(fileName, undefined, `lock-version ${JSON.stringify(lockVersion)} is not one larder reads (1.x)`);
  const packages = doc.packages ?? [];
  if (!Array.isArray(packages)) throw malformed(fileName, undefined, '"packages" is not an array of tables');
  const items = pypiItemList();
  const skipped: Skipped = [];
  packages.forEach((pkg: unknown, index) => {
    const item = readPackage(pkg, `packages[${index}]`, fileName, skipped);
    if (item !== undefined) items.add(item);
  });
  return { kind: 'pylock.toml', format: 'pypi', items: items.items, skipped };
}

function parseDocument(text: string, fileName: string): Record<string, unknown> {
  try {
    return parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const message = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid';
    throw malformed(fileName, `line ${error.line}, column ${error.column}`, `not valid TOML: ${message}`, error);
  }
}

function readPackage(pkg: unknown, where: string, fileName: string, skipped: Skipped): PypiWarmItem | undefined {
  if (!isRecord(pkg)) throw malformed(fileName, where, 'not a table');
  const { name, version } = pkg;
  if (typeof name !== 'string' || !NAME.test(name)) throw malformed(fileName, where, `"name" ${JSON.stringify(name) ?? 'is missing'} is not a project name`);
  if (version !== undefined && typeof version !== 'string') throw malformed(fileName, where, '"version" is not a string');
  const entry = version === undefined ? name : `${name} ${version}`;
  for (const [source, reason] of [
    ['vcs', 'a VCS checkout, not from an index'],
    ['directory', 'a local directory, not from an index'],
    ['archive', 'an archive URL or file, not from an index'],
  ] as const) {
    if (pkg[source] !== undefined) {
      skipped.push({ entry, reason });
      return undefined;
    }
  }
  const wheels = pkg.wheels ?? [];
  if (!Array.isArray(wheels)) throw malformed(fileName, where, '"wheels" is not an array of tables');
  const files: unknown[] = pkg.sdist === undefined ? [...wheels] : [pkg.sdist, ...wheels];
  if (files.length === 0) throw malformed(fileName, where, `${name} has none of sdist, wheels, archive, directory or vcs`);
  if (version === undefined) {
    skipped.push({ entry, reason: 'no version' });
    return undefined;
  }
  const integrities: string[] = [];
  const names: string[] = [];
  files.forEach((file, index) => {
    const at = `${where} (${name} file ${index + 1})`;
    if (!isRecord(file)) throw malformed(fileName, at, 'a file is not a table');
    const fileNameOf = typeof file.name === 'string' ? file.name : lastSegment(file.url ?? file.path);
    if (fileNameOf === undefined) throw malformed(fileName, at, 'a file has no "name", "url" or "path"');
    const unsafe = unsafeSegmentReason(fileNameOf);
    if (unsafe !== undefined) throw malformed(fileName, at, `file name ${JSON.stringify(fileNameOf)}: ${unsafe}`);
    if (!isRecord(file.hashes)) throw malformed(fileName, at, `${fileNameOf} has no "hashes" table`);
    for (const [algorithm, hex] of Object.entries(file.hashes)) {
      if (!SRI_ALGORITHMS.includes(algorithm)) continue;
      if (typeof hex !== 'string') throw malformed(fileName, at, `${algorithm} of ${fileNameOf} is not a string`);
      const sri = hexToSri(algorithm, hex, fileName, at);
      if (!integrities.includes(sri)) integrities.push(sri);
    }
    if (!names.includes(fileNameOf)) names.push(fileNameOf);
  });
  return { format: 'pypi', name, version, integrities, files: names };
}

/** The last path segment of a URL or path: the file's name when `name` is left out (PEP 751 allows that). */
function lastSegment(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const segment = value.replace(/[?#].*$/, '').split(/[/\\]/).pop();
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    void error; // a stray `%`: the segment as written is still the best name there is
    return segment;
  }
}
