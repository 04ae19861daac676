/**
 * Maven's version order: org.apache.maven.artifact.versioning.ComparableVersion as Maven 3.9
 * implements it (the order `latest`/`release` in maven-metadata.xml and plugin resolution use).
 *
 * A version is parsed into a tree of items:
 * - `.` separates items of one list; `-` opens a sub-list, which ranks below anything after a dot
 *   (`1-1 < 1.1`); a change between letters and digits is a separator too (`1alpha2` → 1, [alpha, [2]]);
 *   a qualifier after a dot counts as after a hyphen (`1.0.RC1` = `1.0-RC1`);
 * - numbers compare by value; known qualifiers by their rank
 *   alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp,
 *   unknown qualifiers after all of them, alphabetically (case-insensitive);
 * - `a1`, `b1`, `m1` (a single letter followed by a digit) mean alpha-1, beta-1, milestone-1;
 * - trailing "null" items (0, "", empty lists) are dropped, so `1.0.0` = `1` and `1-ga` = `1`.
 *
 * Digits are ASCII only (Java's Character.isDigit also takes other scripts' digits; versions
 * larder serves are restricted to ASCII by path validation).
 */

type Item = { kind: 'number'; value: bigint } | { kind: 'string'; value: string } | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'] as const;
/** The rank of the empty qualifier: what a release is. */
const RELEASE_RANK = String(QUALIFIERS.indexOf(''));
const ALIASES: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };
/** `a1` = alpha-1 etc.: only a single letter directly followed by a digit. */
const SHORT_QUALIFIERS: Readonly<Record<string, string>> = { a: 'alpha', b: 'beta', m: 'milestone' };

const ZERO: Item = { kind: 'number', value: 0n };

function stringItem(text: string, followedByDigit: boolean): Item {
  const expanded = followedByDigit ? (SHORT_QUALIFIERS[text] ?? text) : text;
  return { kind: 'string', value: ALIASES[expanded] ?? expanded };
}

function parseItem(isDigit: boolean, text: string): Item {
  return isDigit ? { kind: 'number', value: BigInt(text) } : stringItem(text, false);
}

/**
 * A qualifier's sort key, compared as a string: known qualifiers are their rank ("0".."6"),
 * unknown ones "7-name", so they sort after every known one and among themselves by name.
 */
function qualifierKey(qualifier: string): string {
  const rank = (QUALIFIERS as readonly string[]).indexOf(qualifier);
  return rank === -1 ? `${QUALIFIERS.length}-${qualifier}` : String(rank);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'number':
      return item.value === 0n;
    case 'string':
      return qualifierKey(item.value) === RELEASE_RANK;
    case 'list':
      return item.items.length === 0;
  }
}

/** Drops trailing null items, looking past non-null sub-lists (as Maven does). */
function normalize(items: Item[]): void {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as Item;
    if (isNull(item)) items.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
}

const isAsciiDigit = (c: string): boolean => c >= '0' && c <= '9';

function parse(version: string): Item[] {
  const text = version.toLowerCase();
  const root: Item[] = [];
  let list = root;
  const opened: Item[][] = [root];
  const openList = (): void => {
    const next: Item[] = [];
    list.push({ kind: 'list', items: next });
    list = next;
    opened.push(next);
  };
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '.' || c === '-') {
      list.push(i === start ? ZERO : parseItem(isDigit, text.slice(start, i)));
      start = i + 1;
      if (c === '-') openList();
    } else if (isAsciiDigit(c)) {
      if (!isDigit && i > start) {
        // A qualifier directly followed by digits: after a dot it still counts as after a hyphen.
        if (list.length > 0) openList();
        list.push(stringItem(text.slice(start, i), true));
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(parseItem(true, text.slice(start, i)));
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (text.length > start) {
    if (!isDigit && list.length > 0) openList();
    list.push(parseItem(isDigit, text.slice(start)));
  }
  // Innermost first, so a sub-list emptied by normalising is itself dropped by its parent.
  for (let i = opened.length - 1; i >= 0; i--) normalize(opened[i] as Item[]);
  return root;
}

const sign = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Compares one item with another, or with nothing (`undefined`: the other version ended). */
function compareItem(left: Item, right: Item | undefined): number {
  switch (left.kind) {
    case 'number':
      if (right === undefined) return left.value === 0n ? 0 : 1;
      if (right.kind === 'number') return left.value < right.value ? -1 : left.value > right.value ? 1 : 0;
      return 1; // 1.1 > 1-sp, 1.1 > 1-1
    case 'string':
      if (right === undefined) return sign(qualifierKey(left.value), RELEASE_RANK); // 1-rc < 1 < 1-sp
      if (right.kind === 'string') return sign(qualifierKey(left.value), qualifierKey(right.value));
      return -1; // 1.any < 1.1, 1.any < 1-1
    case 'list':
      if (right === undefined) {
        for (const item of left.items) {
          const result = compareItem(item, undefined);
          if (result !== 0) return result;
        }
        return 0;
      }
      if (right.kind === 'number') return -1; // 1-1 < 1.0.x
      if (right.kind === 'string') return 1; // 1-1 > 1-sp
      return compareLists(left.items, right.items);
  }
}

function compareLists(left: Item[], right: Item[]): number {
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i];
    const r = right[i];
    const result = l === undefined ? (r === undefined ? 0 : -compareItem(r, undefined)) : compareItem(l, r);
    if (result !== 0) return result;
  }
  return 0;
}

/** Negative when `a` sorts before `b`, 0 when Maven considers them equal, positive otherwise. */
export function compareMavenVersions(a: string, b: string): number {
  return compareLists(parse(a), parse(b));
}

function canonicalOf(items: Item[]): string {
  let out = '';
  for (const item of items) {
    if (out !== '') out += item.kind === 'list' ? '-' : '.';
    out += item.kind === 'list' ? canonicalOf(item.items) : String(item.value);
  }
  return out;
}

/** Maven's canonical form (`1.0.0-GA` → `1`): two versions are equal exactly when these are. */
export function canonicalMavenVersion(version: string): string {
  return canonicalOf(parse(version));
}

/** Sorted ascending with compareMavenVersions, duplicates (same string) removed; input untouched. */
export function sortMavenVersions(versions: Iterable<string>): string[] {
  return [...new Set(versions)].sort(compareMavenVersions);
}

const TIMESTAMPED = /-\d{8}\.\d{6}-\d+$/;

/** A SNAPSHOT version: `1.0-SNAPSHOT`, or a deployed snapshot's timestamped form `1.0-20240101.123456-3`. */
export function isSnapshot(version: string): boolean {
  return version.endsWith('-SNAPSHOT') || TIMESTAMPED.test(version);
}
