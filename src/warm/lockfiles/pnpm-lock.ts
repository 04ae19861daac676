/**
 * `pnpm-lock.yaml`: every package of the project is a key of `packages`, spelled differently by
 * each lockfile version:
 *   v5 (pnpm 7)    `/name/1.0.0`, `/@scope/name/1.0.0`, peers after `_`: `/a/1.0.0_b@2.0.0`
 *   v6 (pnpm 8)    `/name@1.0.0`, peers in parentheses: `/a@1.0.0(b@2.0.0)`
 *   v9 (pnpm 9+)   `name@1.0.0` (peers only in `snapshots`, which is not read)
 * A registry package's `resolution` holds its tarball's `integrity`. Local folders (`directory`),
 * git checkouts and tarball URLs have other resolutions and are passed over.
 */
import type { LockfileContents, NpmWarmItem } from '../types.js';
import { type ItemList, isRecord, malformed, parseSri, parseYamlDocuments, type Skipped } from './common.js';
import { checkedName, isExactVersion, nonRegistryReason, npmItem, npmItemList, splitSpec } from './npm-common.js';

export function readPnpmLock(text: string, fileName: string): LockfileContents {
  const documents = parseYamlDocuments(text, fileName);
  const items = npmItemList(fileName);
  const skipped: Skipped = [];
  let major: number | undefined;
  // Newer pnpm may put a second document (config dependencies) before the main one: read every one.
  for (const doc of documents) major = readDocument(doc, fileName, items, skipped);
  if (major === undefined) throw malformed(fileName, undefined, 'not a pnpm-lock.yaml: the file is empty');
  return { kind: `pnpm-lock.yaml v${major}`, format: 'npm', items: items.items, skipped };
}

/** One lockfile document's packages into `items`; returns its lockfile major version. */
function readDocument(doc: unknown, fileName: string, items: ItemList<NpmWarmItem>, skipped: Skipped): number {
  if (!isRecord(doc)) throw malformed(fileName, undefined, 'not a pnpm-lock.yaml: the top level is not a map');
  const major = lockfileMajor(doc.lockfileVersion);
  if (major === undefined) {
    throw malformed(fileName, undefined, `not a pnpm-lock.yaml: "lockfileVersion" is ${JSON.stringify(doc.lockfileVersion) ?? 'missing'}`);
  }
  if (major < 5) throw malformed(fileName, undefined, `lockfileVersion ${String(doc.lockfileVersion)} is older than larder reads (5 to 9); rewrite it with a current pnpm`);
  const packages = doc.packages ?? {};
  if (!isRecord(packages)) throw malformed(fileName, undefined, '"packages" is not a map');
  for (const [key, entry] of Object.entries(packages)) {
    const where = `entry ${JSON.stringify(key)}`;
    if (!isRecord(entry) || !isRecord(entry.resolution)) throw malformed(fileName, where, 'has no "resolution" map');
    const resolution = entry.resolution;
    const coordinates = major < 6 ? slashKey(key) : (atKey(key) ?? slashKey(key));
    const reason = resolutionReason(resolution);
    if (reason !== undefined || coordinates === undefined) {
      skipped.push({ entry: key, reason: reason ?? 'not a registry version' });
      continue;
    }
    const integrity = resolution.integrity === undefined ? undefined : parseSri(resolution.integrity, fileName, where);
    items.add(npmItem(checkedName(coordinates.name, fileName, where), coordinates.version, integrity));
  }
  return major;
}

/** `5.4` (a YAML number in v5), `'6.0'`, `'9.0'` → 5, 6, 9. */
function lockfileMajor(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  const major = text === undefined ? undefined : /^(\d+)(\.\d+)*$/.exec(text)?.[1];
  return major === undefined ? undefined : Number(major);
}

interface Coordinates {
  name: string;
  version: string;
}

function exact(name: string, version: string): Coordinates | undefined {
  return name !== '' && isExactVersion(version) ? { name, version } : undefined;
}

/** v6 `/a@1.0.0(b@2.0.0)` and v9 `a@1.0.0`; undefined for `file:…`, URLs and other non-registry keys. */
function atKey(key: string): Coordinates | undefined {
  const bare = key.replace(/^\//, '');
  const paren = bare.indexOf('(');
  const [name, version] = splitSpec(paren === -1 ? bare : bare.slice(0, paren));
  return exact(name, version);
}

/** v5 `/@scope/a/1.0.0_b@2.0.0`: the last segment is the version, peers after `_`. Only keys starting with `/` are registry packages. */
function slashKey(key: string): Coordinates | undefined {
  if (!key.startsWith('/')) return undefined;
  const slash = key.lastIndexOf('/');
  const version = key.slice(slash + 1).replace(/_.*$/, '').replace(/\(.*$/, '');
  return exact(key.slice(1, slash), version);
}

/** Why a `resolution` is not a registry tarball, or undefined when it is (an `integrity`, maybe a registry-shaped `tarball`). */
function resolutionReason(resolution: Record<string, unknown>): string | undefined {
  if (resolution.directory !== undefined || resolution.type === 'directory') return 'a local folder (file: or link:), not a registry version';
  if (resolution.type === 'git' || resolution.repo !== undefined) return 'a git dependency';
  if (typeof resolution.tarball === 'string') {
    const reason = nonRegistryReason(resolution.tarball);
    if (reason !== undefined) return reason;
  }
  if (resolution.integrity === undefined && resolution.tarball === undefined) return 'not a registry version';
  return undefined;
}
