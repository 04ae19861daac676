/**
 * npm packuments (package documents): the types, parsing an upstream body, and reading the few
 * facts larder needs from one. Pure functions; inputs are never mutated.
 *
 * A packument comes in two shapes (npm/registry docs, "package-metadata"): the full document
 * (`application/json`) and the abbreviated "corgi" (`application/vnd.npm.install-v1+json`),
 * which keeps only what an install needs. Both parse into `Packument`.
 */
// Single functions rather than the whole package: loading all of semver costs ~30 ms at start.
import validVersion from 'semver/functions/valid.js';
import maxSatisfying from 'semver/ranges/max-satisfying.js';
import validRange from 'semver/ranges/valid.js';
import { LarderError, isLarderError, quoteInput } from '../../errors.js';
import { integrityFromHex, parseIntegrity } from '../../domain/integrity.js';
import { validatePackageName } from './names.js';

export type JsonObject = { [key: string]: unknown };

/** One version's object (`versions[v]`): a package.json plus the registry's additions. */
export type VersionManifest = JsonObject;

export interface Packument {
  name: string;
  /** Tag → version. Only string entries are kept (nothing else is usable by a client). */
  'dist-tags': Record<string, string>;
  versions: Record<string, VersionManifest>;
  /** Full documents: version → ISO publish time, plus `created` and `modified`. */
  time?: Record<string, string>;
  /** Abbreviated documents: ISO time of the last change. */
  modified?: string;
  [key: string]: unknown;
}

/**
 * Field that `versionManifest` adds to a retained version's snapshot: the ISO time the version
 * was published (`time[version]` of the full document), so a later merge can restore
 * `time[version]` when the upstream no longer lists it. Stripped before a client sees it.
 */
export const RETAINED_TIME_FIELD = '_larderTime';

const OPERATION = 'npm.packument';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The string-valued entries of an object; built with fromEntries so `__proto__` stays data. */
function stringEntries(value: JsonObject): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function badResponse(expectedName: string, problem: string, cause?: unknown): LarderError {
  return new LarderError('E_UPSTREAM_BAD_RESPONSE', `The upstream packument for ${expectedName} ${problem}.`, {
    operation: OPERATION,
    cause,
    details: { package: expectedName },
  });
}

/**
 * Parse an upstream packument body. It must be a JSON object whose `name` is `expectedName` and
 * whose `versions` is an object; otherwise E_UPSTREAM_BAD_RESPONSE (the caller answers 502 or
 * falls back to what it has). Entries no client could use are left out rather than failing the
 * whole document: `versions` entries that are not objects or whose own `version` contradicts
 * their key (a document must not make larder retain one version's bytes under another's name),
 * `dist-tags` and `time` entries that are not strings.
 */
export function parsePackument(body: string, expectedName: string): Packument {
  validatePackageName(expectedName);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw badResponse(expectedName, 'is not valid JSON', cause);
  }
  if (!isJsonObject(parsed)) throw badResponse(expectedName, 'is not a JSON object');
  if (parsed.name !== expectedName) {
    throw badResponse(expectedName, `names another package (${quoteInput(String(parsed.name))})`);
  }
  const { versions, time } = parsed;
  const distTags = parsed['dist-tags'];
  if (!isJsonObject(versions)) throw badResponse(expectedName, 'has no "versions" object');
  if (distTags !== undefined && !isJsonObject(distTags)) throw badResponse(expectedName, 'has a malformed "dist-tags"');
  if (time !== undefined && !isJsonObject(time)) throw badResponse(expectedName, 'has a malformed "time"');
  const doc: Packument = {
    ...parsed,
    name: expectedName,
    'dist-tags': distTags === undefined ? {} : stringEntries(distTags),
    versions: Object.fromEntries(
      Object.entries(versions).filter(
        (entry): entry is [string, VersionManifest] => isJsonObject(entry[1]) && (entry[1].version === undefined || entry[1].version === entry[0]),
      ),
    ),
  };
  if (time !== undefined) doc.time = stringEntries(time);
  if (typeof parsed.modified !== 'string') delete doc.modified;
  return doc;
}

/** Deeper than any real packument (a manifest is a few levels): a document built to exhaust the stack. */
export const MAX_DOCUMENT_DEPTH = 100;

/** True when `value` nests objects or arrays more than `limit` levels deep. Iterative: no recursion to exhaust. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= limit) return true;
    for (const child of Object.values(item.value)) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: item.depth + 1 });
  }
  return false;
}

/** Epoch ms of the document's last change: `time.modified` (full) or `modified` (abbreviated). */
export function modifiedAt(doc: Packument): number | undefined {
  const stamp = doc.time?.modified ?? doc.modified;
  if (stamp === undefined) return undefined;
  const ms = Date.parse(stamp);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The snapshot of one version to keep with a retained version (`RetainedVersion.manifest`): a deep
 * copy of `versions[version]`, plus `RETAINED_TIME_FIELD` when the document has `time[version]`.
 */
export function versionManifest(doc: Packument, version: string): Record<string, unknown> | undefined {
  const manifest = Object.hasOwn(doc.versions, version) ? doc.versions[version] : undefined;
  if (manifest === undefined) return undefined;
  const snapshot: Record<string, unknown> = structuredClone(manifest);
  const published = doc.time !== undefined && Object.hasOwn(doc.time, version) ? doc.time[version] : undefined;
  if (published !== undefined) snapshot[RETAINED_TIME_FIELD] = published;
  return snapshot;
}

function versionDist(doc: Packument, version: string): JsonObject | undefined {
  const manifest = Object.hasOwn(doc.versions, version) ? doc.versions[version] : undefined;
  const dist = manifest?.dist;
  return isJsonObject(dist) ? dist : undefined;
}

/**
 * The SRI digest a version's tarball must match: `dist.integrity` (normalised by
 * `parseIntegrity`), else `dist.shasum` as a sha1 SRI. A digest that is present but invalid gives
 * undefined, and so does a `dist.integrity` that is invalid next to a valid shasum: the npm client
 * checks the integrity it is shown, so bytes that only match the shasum would fail there anyway.
 * The caller answers 502 when there is no digest.
 */
export function tarballDigest(doc: Packument, version: string): string | undefined {
  const dist = versionDist(doc, version);
  if (dist === undefined) return undefined;
  try {
    if (dist.integrity !== undefined) {
      return typeof dist.integrity === 'string' ? parseIntegrity(dist.integrity) : undefined;
    }
    if (typeof dist.shasum === 'string') return integrityFromHex('sha1', dist.shasum.toLowerCase());
    return undefined;
  } catch (error) {
    // An invalid digest means "no usable digest" (documented above); anything else is a bug.
    if (isLarderError(error, 'E_BAD_DIGEST')) return undefined;
    throw error;
  }
}

/**
 * The version the `name/SPEC` endpoint answers with: a dist-tag, an exact version, or the highest
 * version satisfying a semver range. Undefined when nothing listed matches.
 */
export function resolveSpec(doc: Packument, spec: string): string | undefined {
  const listed = (version: string): boolean => Object.hasOwn(doc.versions, version);
  const tagged = Object.hasOwn(doc['dist-tags'], spec) ? doc['dist-tags'][spec] : undefined;
  if (tagged !== undefined) return listed(tagged) ? tagged : undefined;
  if (listed(spec)) return spec;
  if (validRange(spec) === null) return undefined;
  return maxSatisfying(Object.keys(doc.versions).filter((v) => validVersion(v) !== null), spec) ?? undefined;
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

/**
 * Registry dependencies of one version, for prefetching: `dependencies`, `optionalDependencies`
 * and `peerDependencies`, de-duplicated. Aliases (`npm:other@^1`) name the real package. Specs
 * that do not come from a registry (git, URLs, `file:`, `link:`, `workspace:`) and invalid names
 * are left out: there is nothing to prefetch for them.
 */
export function dependencyRanges(manifest: unknown): Array<{ name: string; range: string }> {
  if (!isJsonObject(manifest)) return [];
  const seen = new Set<string>();
  const out: Array<{ name: string; range: string }> = [];
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field];
    if (!isJsonObject(deps)) continue;
    for (const [key, value] of Object.entries(deps)) {
      if (typeof value !== 'string') continue;
      const dependency = registryDependency(key, value.trim());
      if (dependency === undefined) continue;
      const id = `${dependency.name}@${dependency.range}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(dependency);
    }
  }
  return out;
}

function registryDependency(key: string, spec: string): { name: string; range: string } | undefined {
  let name = key;
  let range = spec;
  if (spec.startsWith('npm:')) {
    const target = spec.slice('npm:'.length);
    const at = target.indexOf('@', 1);
    name = at === -1 ? target : target.slice(0, at);
    range = at === -1 ? '*' : target.slice(at + 1);
  }
  try {
    validatePackageName(name);
  } catch (error) {
    if (isLarderError(error, 'E_BAD_REQUEST')) return undefined; // not a registry package name
    throw error;
  }
  if (range === '') range = '*';
  const isTag = /^[A-Za-z][A-Za-z0-9._-]*$/.test(range) && validRange(range) === null;
  if (!isTag && validRange(range) === null) return undefined;
  return { name, range };
}
