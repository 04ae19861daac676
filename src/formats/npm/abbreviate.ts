/**
 * The abbreviated ("corgi", `application/vnd.npm.install-v1+json`) packument, derived from a full
 * one the way the registry derives it.
 *
 * Sources: npm/registry `docs/responses/package-metadata.md` ("Abbreviated version object"), the
 * registry's own minifier (npm/minify-registry-metadata `lib/index.js`), and npm/registry pull
 * requests #20, #21 and #24, which documented what the registry actually returns.
 *
 * Top level: `name`, `dist-tags`, `versions`, and `modified` (from `time.modified`). No `time`:
 * the registry does not send it in this shape.
 *
 * Per version, `INSTALL_FIELDS` below, each only when it is not empty (the registry leaves out
 * falsy values and empty objects/arrays, so `_hasShrinkwrap: false` and `directories: {}` are
 * absent), and:
 * - `bundledDependencies` is copied to `bundleDependencies` when the latter is absent;
 * - `hasInstallScript: true` when `scripts` has `preinstall`, `install` or `postinstall`
 *   (kept when the input already says so, which makes the function idempotent).
 * Deliberate difference: `libc` is kept. The registry leaves it out (npm/registry#26), but
 * npm ≥ 10 checks it when choosing optional platform packages, and an extra field costs nothing.
 * Not kept: `_npmOperationalInternal`, `scripts`, `description` and every other field.
 */
import { isJsonObject, type JsonObject, type Packument, type VersionManifest } from './packument.js';

export const INSTALL_FIELDS = [
  'name',
  'version',
  'deprecated',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'acceptDependencies',
  'bin',
  'directories',
  'dist',
  'engines',
  'os',
  'cpu',
  'libc',
  'funding',
  '_hasShrinkwrap',
] as const;

/** The only top-level keys of an abbreviated document. */
const ABBREVIATED_TOP_LEVEL = new Set(['name', 'dist-tags', 'versions', 'modified']);

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return true;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function hasInstallScript(manifest: VersionManifest): boolean {
  if (manifest.hasInstallScript === true) return true;
  const scripts = manifest.scripts;
  return isJsonObject(scripts) && INSTALL_SCRIPTS.some((script) => !isEmpty(scripts[script]));
}

/** One version object reduced to what an install needs (see the module comment). */
export function abbreviateVersion(manifest: VersionManifest): VersionManifest {
  const source: JsonObject =
    manifest.bundleDependencies === undefined && manifest.bundledDependencies !== undefined
      ? { ...manifest, bundleDependencies: manifest.bundledDependencies }
      : manifest;
  const small: VersionManifest = {};
  for (const field of INSTALL_FIELDS) {
    const value = source[field];
    if (!isEmpty(value)) small[field] = value;
  }
  if (hasInstallScript(manifest)) small.hasInstallScript = true;
  return small;
}

/** The abbreviated form of a packument. A new object; already abbreviated input comes back equal. */
export function abbreviate(full: Packument): Packument {
  const out: Packument = {
    name: full.name,
    'dist-tags': { ...full['dist-tags'] },
    versions: Object.fromEntries(
      Object.entries(full.versions).map(([version, manifest]) => [version, abbreviateVersion(manifest)]),
    ),
  };
  const modified = full.time?.modified ?? full.modified;
  if (modified !== undefined) out.modified = modified;
  return out;
}

/**
 * True when the document has the abbreviated shape: nothing at the top level beyond `name`,
 * `dist-tags`, `versions` and `modified`. Every full document carries more (`time`, `_id`, …);
 * larder's own synthesized full documents always carry `time` for this reason.
 */
export function isAbbreviated(doc: Packument): boolean {
  return Object.keys(doc).every((key) => ABBREVIATED_TOP_LEVEL.has(key));
}
