/**
 * Where tarballs are fetched from and where clients are sent for them.
 *
 * Upstream: only ever the connection's own origin (DESIGN §5: a `dist.tarball` on another host
 * is a credential leak and an SSRF waiting to happen). Clients: always larder, at the canonical
 * path built from validated coordinates.
 */
import { isExactVersion, tarballPath } from './names.js';
import { isJsonObject, type Packument, type VersionManifest } from './packument.js';

/** A segment that is, or decodes to, `.` or `..`, or hides a separator, NUL or a second escape. */
function isUnsafeSegment(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Malformed escapes: the path is not one a registry would publish; refuse it (caller falls back).
    return true;
  }
  if (decoded.includes('%') || decoded.includes('\0')) return true;
  return decoded.split(/[/\\]/).some((piece) => piece === '.' || piece === '..');
}

/**
 * The pathname of `tarball` when it is an absolute URL on `base`'s origin whose path is free of
 * dot segments in any spelling; undefined otherwise. The raw string is checked, not just the
 * parsed URL, because `new URL` would already have resolved `a/../b` into `b`.
 */
function sameOriginPathname(tarball: string, base: URL): string | undefined {
  // WHATWG URL parsing treats `\` as `/` and drops tabs and newlines: refuse such input outright.
  if (/[\\\s\u0000-\u001f\u007f]/.test(tarball)) return undefined; // eslint-disable-line no-control-regex
  // Only `scheme://authority/…`: a relative URL, or `http:host/x` (which WHATWG parses
  // leniently), has no raw path we could check.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(tarball)) return undefined;
  let url: URL;
  try {
    url = new URL(tarball);
  } catch {
    // Unparseable: not usable as an upstream location; the caller uses the canonical path.
    return undefined;
  }
  if (url.origin !== base.origin || url.username !== '' || url.password !== '') return undefined;
  // The raw path runs from the first `/` after the authority to `?`, `#` or the end.
  const afterScheme = tarball.slice(tarball.indexOf('//') + 2);
  const pathStart = afterScheme.search(/[/?#]/);
  const rawPath = pathStart === -1 || afterScheme[pathStart] !== '/' ? '' : afterScheme.slice(pathStart).split(/[?#]/, 1)[0] ?? '';
  // No path (`http://host?x`) or the root is no tarball location either.
  if (rawPath === '' || rawPath === '/' || rawPath.split('/').some(isUnsafeSegment)) return undefined;
  return url.pathname;
}

/** `basePath` (the upstream's path, e.g. `/` or `/npm/team/`) joined with a relative path. */
function underBase(basePath: string, relative: string): string {
  return `${basePath.endsWith('/') ? basePath : `${basePath}/`}${relative}`;
}

/**
 * The path to request a version's tarball with, on the upstream connection's own origin:
 * `dist.tarball`'s pathname when it is on that origin and free of dot segments, otherwise the
 * canonical `tarballPath(name, version)` under the upstream base path. A `dist.tarball` on another
 * host is never followed. Only the pathname is used: a query string in `dist.tarball` is dropped.
 * Throws E_BAD_REQUEST when `name` or `version` is invalid.
 */
export function upstreamTarballPath(doc: Packument, version: string, name: string, upstreamBase: URL): string {
  const canonical = underBase(upstreamBase.pathname, tarballPath(name, version));
  const manifest = Object.hasOwn(doc.versions, version) ? doc.versions[version] : undefined;
  const dist = manifest?.dist;
  const tarball = isJsonObject(dist) ? dist.tarball : undefined;
  if (typeof tarball !== 'string') return canonical;
  return sameOriginPathname(tarball, upstreamBase) ?? canonical;
}

function rewriteVersion(manifest: VersionManifest, tarball: string): VersionManifest {
  const dist = manifest.dist;
  return isJsonObject(dist) ? { ...manifest, dist: { ...dist, tarball } } : manifest;
}

/**
 * The document as a client of larder sees it: every `versions[v].dist.tarball` points at
 * `publicBase + tarballPath(name, v)` (`publicBase` like `http://127.0.0.1:7878/npm/default/`);
 * `dist.integrity` and `dist.shasum` are untouched. Versions whose key is not a valid semver
 * version are left out, since larder could not serve their tarball. Returns a new object, which
 * shares everything but the rewritten `dist` objects with `doc`: treat it as read-only.
 */
export function rewriteForClient(doc: Packument, publicBase: string): Packument {
  const base = publicBase.endsWith('/') ? publicBase : `${publicBase}/`;
  const versions = Object.fromEntries(
    Object.entries(doc.versions)
      .filter(([version]) => isExactVersion(version))
      .map(([version, manifest]) => [version, rewriteVersion(manifest, base + tarballPath(doc.name, version))]),
  );
  return { ...doc, versions };
}
