/**
 * The paths npm writes to (issue 9 §1): `npm publish`, `npm unpublish`, `npm deprecate` and
 * `npm dist-tag`. Names are validated by the same classifier the read paths use; the `-rev/REV`
 * the registry protocol appends (CouchDB's document revision) is accepted and ignored, since
 * larder serialises every change of a package record itself.
 */
import { LarderError, quoteInput } from '../../errors.js';
import { classifyNpmPath } from './names.js';

export type NpmWriteRequest =
  /** `NAME` or `NAME/-rev/REV`: publish, or change the package document (deprecate, unpublish one version); DELETE unpublishes all. */
  | { kind: 'package'; name: string }
  /** `NAME/-/FILE/-rev/REV`: npm deletes the tarball after unpublishing its version. */
  | { kind: 'tarball'; name: string }
  /** `-/package/NAME/dist-tags[/TAG]` */
  | { kind: 'dist-tags'; name: string; tag?: string };

const REV_SUFFIX = /\/-rev\/[A-Za-z0-9._-]{1,128}$/;
const DIST_TAGS = /^-\/package\/([^/]+(?:\/[^/]+)?)\/dist-tags(?:\/([^/]+))?$/;

/** A dist-tag npm would accept: not a version or range, so `npm install name@TAG` means the tag. */
export function validTagName(tag: string): boolean {
  return /^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(tag);
}

function packageName(rawPath: string, rawName: string): string {
  const request = classifyNpmPath(rawName);
  if (request.kind !== 'packument') throw new LarderError('E_BAD_REQUEST', `${quoteInput(rawPath)} does not name an npm package`, { operation: 'npm.write' });
  return request.name;
}

/** Undefined when `rawPath` (after `/npm/REPO/`) is not a path npm writes to. */
export function classifyNpmWritePath(rawPath: string): NpmWriteRequest | undefined {
  const tags = DIST_TAGS.exec(rawPath);
  if (tags !== null) {
    const name = packageName(rawPath, tags[1] ?? '');
    const tag = tags[2] === undefined ? undefined : decodeURIComponent(tags[2]);
    if (tag !== undefined && !validTagName(tag)) {
      throw new LarderError('E_BAD_REQUEST', `${quoteInput(tag)} is not a dist-tag: a tag starts with a letter and holds letters, digits, ".", "_" and "-"`, { operation: 'npm.write' });
    }
    return tag === undefined ? { kind: 'dist-tags', name } : { kind: 'dist-tags', name, tag };
  }
  if (rawPath.startsWith('-/')) return undefined;
  const withoutRev = rawPath.replace(REV_SUFFIX, '');
  const request = classifyNpmPath(withoutRev);
  if (request.kind === 'packument') return { kind: 'package', name: request.name };
  if (request.kind === 'tarball' && withoutRev !== rawPath) return { kind: 'tarball', name: request.name };
  return undefined;
}
