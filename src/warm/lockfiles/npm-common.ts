/**
 * What the four npm-family readers (package-lock, pnpm, yarn classic, yarn berry) share: the
 * name and version checks (an item's name becomes part of an upstream URL, so it is validated
 * with the same rules as a request path), alias and spec splitting, telling a registry tarball
 * from a git, file or URL source, and the deduplicating item list.
 */
import { isLarderError } from '../../errors.js';
import { isExactVersion, validatePackageName } from '../../formats/npm/names.js';
import type { NpmWarmItem } from '../types.js';
import { ItemList, malformed, strongerIntegrity } from './common.js';

/** `name` checked as the registry would serve it; E_USAGE (naming the entry) when it is not a package name. */
export function checkedName(name: string, fileName: string, where: string): string {
  try {
    return validatePackageName(name);
  } catch (error) {
    if (!isLarderError(error)) throw error;
    throw malformed(fileName, where, error.message, error);
  }
}

export { isExactVersion };

/**
 * A dependency spec or lockfile pattern split at the `@` that ends the name:
 * `@acme/util@^2.0.0` → [`@acme/util`, `^2.0.0`]; `left-pad` → [`left-pad`, ``].
 */
export function splitSpec(spec: string): [string, string] {
  const at = spec.indexOf('@', 1);
  return at === -1 ? [spec, ''] : [spec.slice(0, at), spec.slice(at + 1)];
}

/** The registry name behind an npm alias range (`npm:left-pad@1.1.0` → `left-pad`), else undefined. */
export function aliasTarget(range: string): string | undefined {
  if (!range.startsWith('npm:')) return undefined;
  return splitSpec(range.slice(4))[0];
}

/** Why a `resolved` URL or a dependency spec is not a registry tarball, or undefined when it is one. */
export function nonRegistryReason(source: string): string | undefined {
  if (/^(git\+|git:|git@|github:|gitlab:|bitbucket:|gist:)/.test(source)) return 'a git dependency';
  if (source.startsWith('file:')) return 'a local file: dependency';
  if (source.startsWith('link:') || source.startsWith('portal:')) return 'a link to a folder of the project';
  if (/^https?:\/\//.test(source)) {
    const path = source.replace(/[?#].*$/, '');
    if (/\.git$/.test(path)) return 'a git dependency';
    // The registry's layout is NAME/-/STEM-VERSION.tgz; anything else is a tarball from elsewhere.
    return /\/-\/[^/]+\.tgz$/.test(path) ? undefined : 'a tarball URL, not a registry version';
  }
  return 'a local folder, not a registry version';
}

/** npm items keyed by name@version; the stronger of two digests wins. */
export function npmItemList(fileName: string): ItemList<NpmWarmItem> {
  return new ItemList<NpmWarmItem>(
    (item) => `${item.name}@${item.version}`,
    (kept, next) => {
      const integrity = strongerIntegrity(kept.integrity, next.integrity, fileName, `${kept.name}@${kept.version}`);
      if (integrity !== undefined) kept.integrity = integrity;
    },
  );
}

/** An npm item without an `integrity` key when there is none (so deep equality in tests stays exact). */
export function npmItem(name: string, version: string, integrity: string | undefined): NpmWarmItem {
  return integrity === undefined ? { format: 'npm', name, version } : { format: 'npm', name, version, integrity };
}
