/**
 * A Maven dependency list, in either of two shapes:
 *
 * 1. What `mvn dependency:list` prints (or writes with `-DoutputFile`): sections headed "The
 *    following files have been resolved:" (also "were skipped:" and "have NOT been resolved:"),
 *    one artifact per indented line, `groupId:artifactId:type[:classifier]:version:scope`, maybe
 *    followed by ` (optional)` and ` -- module NAME [auto]` / ` (auto)`. Everything outside the
 *    sections (the build log) is ignored; `[INFO] ` prefixes and ANSI colours are removed.
 * 2. Coordinates, one per line: `g:a:v`, `g:a:type:v`, `g:a:type:classifier:v` (and, so that
 *    pasted dependency:list lines work too, the same with a trailing scope), `#` comments.
 *
 * `type` becomes the file extension Maven fetches for it (its default artifact handlers:
 * `test-jar` is a jar with classifier `tests`, `maven-plugin` and `ejb` are jars …). `system`
 * scope artifacts are files on the build machine, in no repository, and are passed over.
 */
import type { LockfileContents, MavenWarmItem } from '../types.js';
import { ItemList, malformed, type Skipped } from './common.js';

const SCOPES = new Set(['compile', 'provided', 'runtime', 'test', 'system', 'import']);
const ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const SECTION = /^The following files (have been resolved|were skipped|have NOT been resolved):\s*$/;
const SUFFIX = /^(\s+\(optional\))?(\s+--\s+module\s+\S+(\s+(\[auto\]|\(auto\)))?)?\s*$/;

/** Maven's default artifact handlers whose extension or classifier differs from the type. */
const HANDLERS: Record<string, { extension: string; classifier?: string }> = {
  'test-jar': { extension: 'jar', classifier: 'tests' },
  'maven-plugin': { extension: 'jar' },
  ejb: { extension: 'jar' },
  'ejb-client': { extension: 'jar', classifier: 'client' },
  'java-source': { extension: 'jar', classifier: 'sources' },
  javadoc: { extension: 'jar', classifier: 'javadoc' },
};

export function readMavenList(text: string, fileName: string): LockfileContents {
  // eslint-disable-next-line no-control-regex -- ANSI colour sequences are exactly what this removes
  const lines = text.split(/\r?\n/).map((line) => line.replace(/\u001b\[[0-9;]*m/g, ''));
  const isOutput = lines.some((line) => /^\[(INFO|WARNING|WARN|ERROR|DEBUG)\]/.test(line) || SECTION.test(line.replace(/^\[[A-Z]+\] ?/, '').trim()));
  const items = new ItemList<MavenWarmItem>(
    (item) => [item.groupId, item.artifactId, item.version, item.type, item.classifier ?? ''].join(':'),
    () => undefined, // two lines for one artifact carry nothing to merge
  );
  const skipped: Skipped = [];
  const add = (coordinates: string, line: number): void => {
    const parsed = parseCoordinates(coordinates, fileName, line);
    if (parsed.scope === 'system') skipped.push({ entry: coordinates, reason: 'system scope: a file on the build machine, in no repository' });
    else items.add(parsed.item);
  };
  if (isOutput) readOutput(lines, fileName, add);
  else readCoordinateLines(lines, fileName, add);
  return { kind: isOutput ? 'mvn dependency:list output' : 'Maven coordinates', format: 'maven', items: items.items, skipped };
}

function readOutput(lines: string[], fileName: string, add: (coordinates: string, line: number) => void): void {
  let inSection = false;
  let sections = 0;
  lines.forEach((raw, index) => {
    const text = raw.replace(/^\[[A-Z]+\] ?/, '');
    if (SECTION.test(text.trim())) {
      inSection = true;
      sections += 1;
      return;
    }
    if (!inSection) return;
    if (text.trim() === '' || !/^\s/.test(text)) {
      inSection = false;
      return;
    }
    if (text.trim() === 'none') return;
    const coordinates = text.trim().split(/\s/)[0] ?? '';
    if (!SUFFIX.test(text.trim().slice(coordinates.length))) throw malformed(fileName, `line ${index + 1}`, `cannot read ${JSON.stringify(text.trim())}`);
    add(coordinates, index + 1);
  });
  if (sections === 0) {
    throw malformed(fileName, undefined, 'no "The following files have been resolved:" section: is this the output of a successful `mvn dependency:list`?');
  }
}

function readCoordinateLines(lines: string[], fileName: string, add: (coordinates: string, line: number) => void): void {
  lines.forEach((raw, index) => {
    const text = raw.replace(/(^|\s)#.*$/, '').trim();
    if (text === '') return;
    const coordinates = text.split(/\s/)[0] ?? '';
    if (!SUFFIX.test(text.slice(coordinates.length))) throw malformed(fileName, `line ${index + 1}`, `expected groupId:artifactId:version, found ${JSON.stringify(text)}`);
    add(coordinates, index + 1);
  });
}

/** `g:a:v`, `g:a:type:v`, `g:a:type:classifier:v`, each maybe with `:scope`. */
function parseCoordinates(coordinates: string, fileName: string, line: number): { item: MavenWarmItem; scope: string | undefined } {
  const fail = (why: string): never => {
    throw malformed(fileName, `line ${line}`, `${JSON.stringify(coordinates)} ${why} (expected groupId:artifactId[:type[:classifier]]:version[:scope])`);
  };
  const parts = coordinates.split(':');
  const last = parts[parts.length - 1] ?? '';
  const scope = (parts.length === 5 || parts.length === 6) && SCOPES.has(last) ? parts.pop() : undefined;
  const [groupId = '', artifactId = '', ...rest] = parts;
  if (rest.length < 1 || rest.length > 3) fail(`has ${parts.length} parts`);
  const version = rest.pop() ?? '';
  const [type = 'jar', classifier] = rest;
  for (const [what, value] of [['groupId', groupId], ['artifactId', artifactId], ['type', type], ['classifier', classifier ?? 'x']] as const) {
    if (!ID.test(value) || value.includes('..')) fail(`has a bad ${what} ${JSON.stringify(value)}`);
  }
  if (!VERSION.test(version) || version.includes('..')) fail(`has a bad version ${JSON.stringify(version)}`);
  const handler = HANDLERS[type];
  const fileClassifier = classifier ?? handler?.classifier;
  const item: MavenWarmItem = { format: 'maven', groupId, artifactId, version, type: handler?.extension ?? type };
  if (fileClassifier !== undefined) item.classifier = fileClassifier;
  return { item, scope };
}
