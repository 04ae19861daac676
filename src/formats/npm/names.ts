/**
 * npm package names, versions and the registry's path shapes, as pure functions.
 *
 * Every upstream URL and store key is built from coordinates validated here, never from a
 * request path (DESIGN §5: `new URL` resolves dot segments, so `@scope/../lodash` would turn into
 * `/lodash` if a request path were concatenated onto a base).
 */
// Single functions rather than the whole package: loading all of semver costs ~30 ms at start.
import validVersion from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';
import { LarderError, quoteInput } from '../../errors.js';

const OPERATION = 'npm.name';

/** npm's length limit for names, scope included. */
export const MAX_NAME_LENGTH = 214;

/**
 * Validate a package name as the registry serves it and return it unchanged.
 *
 * The rules are npm's (`validate-npm-package-name`) for names that already exist, which is
 * what a proxy sees: uppercase letters and the characters `~'!()*` are accepted because old
 * packages use them, even though new packages may not. Everything else is refused:
 * - at most 214 characters, not empty;
 * - unscoped names may not start with `.` or `_`; scoped names are `@scope/name` with both parts
 *   non-empty, and (as npm allows) the parts themselves may start with `.` or `_`;
 * - every part must survive `encodeURIComponent` unchanged (no `/`, `%`, `\`, whitespace, NUL,
 *   control or non-ASCII characters);
 * - no part may be `.`, `..` or `node_modules` (or `favicon.ico`, npm's other reserved name).
 */
export function validatePackageName(name: string): string {
  const fail = (rule: string): never => {
    throw new LarderError('E_BAD_REQUEST', `Invalid npm package name ${quoteInput(name)}: ${rule}.`, {
      operation: OPERATION,
      details: { name },
    });
  };
  if (name.length === 0) fail('the name is empty');
  if (name.length > MAX_NAME_LENGTH) fail(`a name may have at most ${MAX_NAME_LENGTH} characters`);
  let parts: string[];
  if (name.startsWith('@')) {
    parts = name.slice(1).split('/');
    if (parts.length !== 2) fail('a scoped name has exactly one "/" (@scope/name)');
  } else {
    if (name.startsWith('.') || name.startsWith('_')) fail('an unscoped name may not start with "." or "_"');
    parts = [name];
  }
  for (const part of parts) {
    if (part.length === 0) fail('a name part is empty');
    if (part === '.' || part === '..') fail('"." and ".." are not names');
    if (part === 'node_modules' || part === 'favicon.ico') fail(`"${part}" is a reserved name`);
    if (encodeURIComponent(part) !== part) fail('only URL-safe characters are allowed');
  }
  return name;
}

/** True when `name` is `@scope/name`. Assumes a validated name. */
export function isScoped(name: string): boolean {
  return name.startsWith('@');
}

/** The part after the scope (`@scope/name` → `name`); unscoped names are returned as they are. */
export function unscopedName(name: string): string {
  return isScoped(name) ? name.slice(name.indexOf('/') + 1) : name;
}

/**
 * True when `version` is a plain semver version string as npm stores it: what `validVersion`
 * accepts, without the leading `v`/`=` or surrounding space that semver tolerates and npm
 * strips at publish time (those would make two spellings of one tarball path).
 */
export function isExactVersion(version: string): boolean {
  return validVersion(version) !== null && /^[0-9][0-9A-Za-z.+-]*$/.test(version);
}

/** Validate a version string (see isExactVersion) and return it unchanged. */
export function validateVersion(version: string, name?: string): string {
  if (!isExactVersion(version)) {
    const of = name === undefined ? '' : ` of ${name}`;
    throw new LarderError('E_BAD_REQUEST', `Invalid npm version ${quoteInput(version)}${of}: not a semver version.`, {
      operation: OPERATION,
      details: { name, version },
    });
  }
  return version;
}

/** The tarball's file name: `name-1.2.3.tgz`, without the scope for scoped names. */
export function tarballFilename(name: string, version: string): string {
  validatePackageName(name);
  validateVersion(version, name);
  return `${unscopedName(name)}-${version}.tgz`;
}

/**
 * The registry's canonical tarball path, relative to the registry root:
 * `@scope/name/-/name-1.2.3.tgz` or `name/-/name-1.2.3.tgz`. Names are URL-safe by validation,
 * so nothing needs escaping.
 */
export function tarballPath(name: string, version: string): string {
  return `${name}/-/${tarballFilename(name, version)}`;
}

/** The packument path as npm clients request it: `@scope%2fname` or `name`. */
export function packumentPath(name: string): string {
  validatePackageName(name);
  return isScoped(name) ? name.replace('/', '%2f') : name;
}

/** What a request under `/npm/REPO/` asks for. Names and versions in it are validated. */
export type NpmRequest =
  | { kind: 'ping' }
  | { kind: 'packument'; name: string }
  | { kind: 'version'; name: string; spec: string }
  | { kind: 'tarball'; name: string; version: string; filename: string }
  | { kind: 'passthrough' };

/** Longer raw paths are refused before any decoding: no registry path comes close. */
const MAX_RAW_PATH_LENGTH = 2048;
/** The deepest registry path we know (`-/npm/v1/security/advisories/bulk`) has six segments. */
const MAX_SEGMENTS = 8;
const MAX_SPEC_LENGTH = 256;

function badPath(rawPath: string, rule: string): LarderError {
  return new LarderError('E_BAD_REQUEST', `Refused npm request path ${quoteInput(rawPath)}: ${rule}.`, {
    operation: 'npm.classify',
  });
}

/**
 * Decode one raw segment and refuse every spelling of traversal or smuggling in it. Returns the
 * decoded text, which may contain `/` only where it came from an encoded slash (the caller
 * decides whether that position allows one).
 */
function decodeSegment(rawPath: string, raw: string): string {
  if (raw.length === 0) throw badPath(rawPath, 'empty path segment');
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) throw badPath(rawPath, 'invalid percent-encoding');
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch (cause) {
    // Well-formed escapes that are not UTF-8 (`%ff`): refused like any other bad encoding.
    throw badPath(rawPath, `invalid percent-encoding (${String(cause)})`);
  }
  // A `%` left after one decoding is double encoding (`%252e` → `%2e`): some later decoder
  // would turn it into a dot or slash. No npm name, version or endpoint contains `%`.
  if (text.includes('%')) throw badPath(rawPath, 'double percent-encoding');
  if (text.includes('\\')) throw badPath(rawPath, 'backslash');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\u0000-\u001f\u007f]/.test(text)) throw badPath(rawPath, 'control character (NUL, CR, LF, …)');
  if (/[^\u0020-\u007e]/.test(text)) throw badPath(rawPath, 'non-ASCII character');
  // Pieces between encoded slashes: empty ones are refused later (name validation, noSlash).
  if (text.split('/').some((piece) => piece === '.' || piece === '..')) throw badPath(rawPath, 'dot segment');
  return text;
}

function noSlash(rawPath: string, text: string): string {
  if (text.includes('/')) throw badPath(rawPath, 'encoded slash outside the scope position (@scope%2fname)');
  return text;
}

/** A version spec for the `name/SPEC` endpoint: an exact version, a dist-tag or a semver range. */
function validateSpec(rawPath: string, spec: string): string {
  if (spec.length > MAX_SPEC_LENGTH) throw badPath(rawPath, 'version spec too long');
  const tagLike = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec);
  if (!tagLike && validRange(spec) === null) throw badPath(rawPath, 'not a version, dist-tag or range');
  return spec;
}

function parseTarballFilename(rawPath: string, name: string, filename: string): string {
  // Current shape `name-1.2.3.tgz`; the older one for scoped packages is `@scope/name-1.2.3.tgz`.
  const prefix = filename.startsWith('@') ? `${name}-` : `${unscopedName(name)}-`;
  if (!filename.startsWith(prefix) || !filename.endsWith('.tgz')) {
    throw badPath(rawPath, `tarball ${quoteInput(filename)} does not belong to ${name}`);
  }
  const version = filename.slice(prefix.length, -'.tgz'.length);
  if (!isExactVersion(version)) throw badPath(rawPath, `tarball ${quoteInput(filename)} has no valid version`);
  return version;
}

/**
 * Classify a request path. `rawPath` is the path after `/npm/REPO/`, still percent-encoded,
 * without the query string. Throws E_BAD_REQUEST for anything that is not a well-formed registry
 * path: traversal in any spelling, encoded slashes outside the scope position, NUL, backslash,
 * CR/LF, bad percent-encoding, empty or too many segments.
 *
 * The `filename` of a tarball request is the canonical `tarballFilename(name, version)`, whichever
 * of the registry's spellings the client used.
 */
export function classifyNpmPath(rawPath: string): NpmRequest {
  if (rawPath.length === 0) throw badPath(rawPath, 'empty path');
  if (rawPath.length > MAX_RAW_PATH_LENGTH) throw badPath(rawPath, 'path too long');
  if (/[^\u0021-\u007e]/.test(rawPath)) throw badPath(rawPath, 'raw control, space or non-ASCII character');
  const rawSegments = rawPath.split('/');
  if (rawSegments.length > MAX_SEGMENTS) throw badPath(rawPath, 'too many path segments');
  const segments = rawSegments.map((raw) => decodeSegment(rawPath, raw));
  const [first = '', ...others] = segments;

  if (first === '-') {
    others.forEach((segment) => noSlash(rawPath, segment));
    return others.length === 1 && others[0] === 'ping' ? { kind: 'ping' } : { kind: 'passthrough' };
  }

  let name: string;
  let rest: string[];
  if (first.startsWith('@') && first.includes('/')) {
    name = first; // `@scope%2fname`: the one place an encoded slash is allowed
    rest = others;
  } else if (first.startsWith('@')) {
    const [second, ...after] = others;
    if (second === undefined) throw badPath(rawPath, 'a scope without a package name');
    name = `${first}/${noSlash(rawPath, second)}`;
    rest = after;
  } else {
    name = noSlash(rawPath, first);
    rest = others;
  }
  try {
    validatePackageName(name);
  } catch (error) {
    throw badPath(rawPath, (error instanceof Error ? error.message : String(error)).replace(/\.$/, ''));
  }

  const [third, ...tail] = rest;
  if (third === undefined) return { kind: 'packument', name };
  if (third !== '-') {
    if (tail.length > 0) throw badPath(rawPath, 'not an npm registry path');
    return { kind: 'version', name, spec: validateSpec(rawPath, noSlash(rawPath, third)) };
  }
  // `name/-/FILE`, or `@scope/name/-/@scope/name-1.2.3.tgz` spread over two segments.
  tail.forEach((segment) => noSlash(rawPath, segment));
  const filename = tail.length === 1 || (tail.length === 2 && isScoped(name)) ? tail.join('/') : undefined;
  if (filename === undefined) throw badPath(rawPath, 'not an npm tarball path');
  if (tail.length === 2 && tail[0] !== name.slice(0, name.indexOf('/'))) {
    throw badPath(rawPath, `tarball ${quoteInput(filename)} does not belong to ${name}`);
  }
  const version = parseTarballFilename(rawPath, name, filename);
  return { kind: 'tarball', name, version, filename: tarballFilename(name, version) };
}
