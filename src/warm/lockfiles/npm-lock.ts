/**
 * `package-lock.json` and `npm-shrinkwrap.json` (one format, two names). Lockfile v2 and v3 list
 * every installed package in the flat `packages` map, keyed by its folder; v1 has only the nested
 * `dependencies` tree, which is read the same way. An npm alias (`"pad": "npm:left-pad@1.1.0"`)
 * is installed under the alias's folder but fetched by its real name, which v2/v3 record as
 * `name` and v1 as a `version` of `npm:left-pad@1.1.0`.
 *
 * Passed over, each reported in `skipped`: links and the project's own folders (workspaces,
 * `file:` targets), packages bundled inside their parent's tarball, and git, file and URL
 * sources. The root entry `""` is the project itself and is not reported.
 */
import { basename } from 'node:path';
import type { LockfileContents, NpmWarmItem } from '../types.js';
import { type ItemList, isRecord, malformed, parseJson, parseSri, type Skipped } from './common.js';
import { checkedName, isExactVersion, nonRegistryReason, npmItem, npmItemList, splitSpec } from './npm-common.js';

const FOLDER = 'node_modules/';

export function readPackageLock(text: string, fileName: string): LockfileContents {
  const doc = parseJson(text, fileName);
  if (!isRecord(doc)) throw malformed(fileName, undefined, 'not a package-lock.json: the top level is not a JSON object');
  const version = doc.lockfileVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw malformed(fileName, undefined, `not a package-lock.json: "lockfileVersion" is ${JSON.stringify(version) ?? 'missing'}`);
  }
  const kind = `${basename(fileName) === 'npm-shrinkwrap.json' ? 'npm-shrinkwrap.json' : 'package-lock.json'} v${version}`;
  const items = npmItemList(fileName);
  const skipped: Skipped = [];
  if (doc.packages !== undefined) {
    if (!isRecord(doc.packages)) throw malformed(fileName, undefined, '"packages" is not an object');
    readPackages(doc.packages, fileName, items, skipped);
  } else if (version === 1 && isRecord(doc.dependencies)) {
    readTree(doc.dependencies, '', fileName, items, skipped);
  } else {
    throw malformed(fileName, undefined, `lockfileVersion ${version} without a "packages" map; rewrite it with \`npm install --lockfile-version 3\``);
  }
  return { kind, format: 'npm', items: items.items, skipped };
}

/** v2 / v3: `"node_modules/a/node_modules/@s/b": { version, resolved, integrity, name? }`. */
function readPackages(packages: Record<string, unknown>, fileName: string, items: ItemList<NpmWarmItem>, skipped: Skipped): void {
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '') continue; // the project itself
    const where = `entry ${JSON.stringify(key)}`;
    if (!isRecord(entry)) throw malformed(fileName, where, 'not an object');
    const skip = (reason: string): void => {
      skipped.push({ entry: key, reason });
    };
    if (entry.link === true) {
      skip('a link to a folder of the project');
      continue;
    }
    const folder = key.lastIndexOf(FOLDER);
    if (folder === -1) {
      skip('a folder of the project (a workspace or a link target), not a registry package');
      continue;
    }
    if (entry.inBundle === true) {
      skip("bundled inside its parent's tarball");
      continue;
    }
    const reason = sourceReason(entry, fileName, where);
    if (reason !== undefined) {
      skip(reason);
      continue;
    }
    const version = entry.version as string; // checked by sourceReason
    const name = entry.name === undefined ? key.slice(folder + FOLDER.length) : entry.name;
    if (typeof name !== 'string') throw malformed(fileName, where, '"name" is not a string');
    items.add(npmItem(checkedName(name, fileName, where), version, integrityOf(entry, fileName, where)));
  }
}

/** v1: `dependencies: { a: { version, resolved, integrity, dependencies: { … } } }`, nested. */
function readTree(dependencies: Record<string, unknown>, parent: string, fileName: string, items: ItemList<NpmWarmItem>, skipped: Skipped): void {
  for (const [alias, entry] of Object.entries(dependencies)) {
    const key = `${parent}${FOLDER}${alias}`;
    const where = `entry ${JSON.stringify(key)}`;
    if (!isRecord(entry)) throw malformed(fileName, where, 'not an object');
    if (isRecord(entry.dependencies)) readTree(entry.dependencies, `${key}/`, fileName, items, skipped);
    if (entry.bundled === true) {
      skipped.push({ entry: key, reason: "bundled inside its parent's tarball" });
      continue;
    }
    let name = alias;
    let version = entry.version;
    if (typeof version === 'string' && version.startsWith('npm:')) [name, version] = splitSpec(version.slice(4));
    const reason = sourceReason({ ...entry, version }, fileName, where);
    if (reason !== undefined) skipped.push({ entry: key, reason });
    else items.add(npmItem(checkedName(name, fileName, where), version as string, integrityOf(entry, fileName, where)));
  }
}

/** Why an entry is not a registry version (no version, a git / file / URL source), or undefined when it is one. */
function sourceReason(entry: Record<string, unknown>, fileName: string, where: string): string | undefined {
  const { version, resolved } = entry;
  if (version === undefined) return 'no version';
  if (typeof version !== 'string') throw malformed(fileName, where, '"version" is not a string');
  if (resolved !== undefined) {
    if (typeof resolved !== 'string') throw malformed(fileName, where, '"resolved" is not a string');
    const reason = nonRegistryReason(resolved);
    if (reason !== undefined) return reason;
  }
  if (isExactVersion(version)) return undefined;
  // v1 writes the source as the version: `file:…`, `git+ssh://…`, a URL.
  return (/[:/]/.test(version) ? nonRegistryReason(version) : undefined) ?? 'not an exact registry version';
}

function integrityOf(entry: Record<string, unknown>, fileName: string, where: string): string | undefined {
  return entry.integrity === undefined ? undefined : parseSri(entry.integrity, fileName, where);
}
