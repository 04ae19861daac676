/**
 * PEP 440 versions: parse, normalise, order. Pure code.
 *
 * Retention keys a PyPI version by its normalised spelling (`1.0RC1`, `1.0-rc.1` and `1.0rc1` are
 * one version), so every place that derives a version from a file name goes through
 * `normalizeVersion`. Modern pip refuses versions that are not PEP 440, so larder does too.
 */

/** packaging's VERSION_PATTERN, anchored, without the surrounding whitespace it tolerates. */
const PATTERN = new RegExp(
  [
    '^v?',
    '(?:(\\d+)!)?', // epoch
    '(\\d+(?:\\.\\d+)*)', // release
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\\d+)?)?', // pre-release
    '(?:-(\\d+)|[-_.]?(post|rev|r)[-_.]?(\\d+)?)?', // post-release (two spellings)
    '(?:[-_.]?(dev)[-_.]?(\\d+)?)?', // dev release
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$', // local version
  ].join(''),
  'i',
);

type PreLabel = 'a' | 'b' | 'rc';

export interface Pep440Version {
  epoch: bigint;
  release: bigint[];
  pre?: { label: PreLabel; number: bigint };
  post?: bigint;
  dev?: bigint;
  /** Lowercase segments; numeric ones as numbers (they order above alphanumeric ones). */
  local?: Array<string | bigint>;
}

const PRE_LABELS: Record<string, PreLabel> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' };
const PRE_RANK: Record<PreLabel, number> = { a: 0, b: 1, rc: 2 };

const num = (digits: string | undefined): bigint => BigInt(digits === undefined || digits === '' ? 0 : digits);

/** The parsed version, or undefined when `value` is not PEP 440. */
export function parseVersion(value: string): Pep440Version | undefined {
  const match = PATTERN.exec(value);
  if (match === null) return undefined;
  const [, epoch, release = '', preLabel, preNumber, postDash, postLabel, postNumber, dev, devNumber, local] = match;
  const version: Pep440Version = { epoch: num(epoch), release: release.split('.').map((part) => BigInt(part)) };
  if (preLabel !== undefined) {
    const label = PRE_LABELS[preLabel.toLowerCase()];
    if (label !== undefined) version.pre = { label, number: num(preNumber) };
  }
  // `1.0-1` is `1.0.post1`; a label without a number (`1.0.post`) means 0.
  if (postDash !== undefined) version.post = BigInt(postDash);
  else if (postLabel !== undefined) version.post = num(postNumber);
  if (dev !== undefined) version.dev = num(devNumber);
  if (local !== undefined) {
    version.local = local
      .toLowerCase()
      .split(/[-_.]/)
      .map((part) => (/^\d+$/.test(part) ? BigInt(part) : part));
  }
  return version;
}

/** PEP 440's normal form (`1.0-RC.1` → `1.0rc1`), or undefined when `value` is not PEP 440. */
export function normalizeVersion(value: string): string | undefined {
  const version = parseVersion(value);
  return version === undefined ? undefined : formatVersion(version);
}

export function formatVersion(version: Pep440Version): string {
  let out = version.epoch === 0n ? '' : `${version.epoch}!`;
  out += version.release.join('.');
  if (version.pre) out += `${version.pre.label}${version.pre.number}`;
  if (version.post !== undefined) out += `.post${version.post}`;
  if (version.dev !== undefined) out += `.dev${version.dev}`;
  if (version.local) out += `+${version.local.join('.')}`;
  return out;
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Release segments compare with trailing zeros ignored (`1.0` == `1`). */
function compareRelease(a: bigint[], b: bigint[]): number {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const order = compareBig(a[index] ?? 0n, b[index] ?? 0n);
    if (order !== 0) return order;
  }
  return 0;
}

/** A dev release without pre/post sorts before every pre-release of its release; a final release after them. */
function preKey(version: Pep440Version): [number, bigint] {
  if (version.pre) return [PRE_RANK[version.pre.label], version.pre.number];
  if (version.post === undefined && version.dev !== undefined) return [-1, 0n];
  return [3, 0n];
}

function compareLocal(a: Array<string | bigint> | undefined, b: Array<string | bigint> | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const x = a[index] as string | bigint;
    const y = b[index] as string | bigint;
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      const order = compareBig(x, y);
      if (order !== 0) return order;
    } else if (typeof x === 'bigint' || typeof y === 'bigint') {
      return typeof x === 'bigint' ? 1 : -1; // numeric segments rank above alphanumeric ones
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

export function compareParsed(a: Pep440Version, b: Pep440Version): number {
  const [aPre, aPreNumber] = preKey(a);
  const [bPre, bPreNumber] = preKey(b);
  const steps = [
    () => compareBig(a.epoch, b.epoch),
    () => compareRelease(a.release, b.release),
    () => aPre - bPre || compareBig(aPreNumber, bPreNumber),
    // No post-release sorts before any; no dev release sorts after every dev release.
    () => (a.post === undefined || b.post === undefined ? Number(b.post === undefined) - Number(a.post === undefined) : compareBig(a.post, b.post)),
    () => (a.dev === undefined || b.dev === undefined ? Number(a.dev === undefined) - Number(b.dev === undefined) : compareBig(a.dev, b.dev)),
    () => compareLocal(a.local, b.local),
  ];
  for (const step of steps) {
    const order = step();
    if (order !== 0) return Math.sign(order);
  }
  return 0;
}

/** PEP 440 order; strings that are not PEP 440 sort first, among themselves by code point. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (x && y) return compareParsed(x, y) || (a < b ? -1 : a > b ? 1 : 0);
  if (x || y) return x ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Distinct versions in PEP 440 order. */
export function sortVersions(versions: Iterable<string>): string[] {
  return [...new Set(versions)].sort(compareVersions);
}
