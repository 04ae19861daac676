/**
 * PyPI project names and distribution file names, as pure functions.
 *
 * A file name reaches larder from a request path and becomes part of a store key and of an
 * upstream lookup, so it must be one safe path segment and must name a file of the project it
 * was asked under (DESIGN §5: never build keys from unchecked request paths).
 */
import { LarderError, quoteInput } from '../../errors.js';
import { normalizeVersion } from './version.js';

const OPERATION = 'pypi.name';

/** PyPI's own limit is lower in practice; long enough for every real name, short enough to bound keys. */
export const MAX_PROJECT_NAME_LENGTH = 200;
/** The usual file-system limit for one path segment. */
export const MAX_FILENAME_LENGTH = 255;

/** PEP 508's name rule. */
const NAME_RULE = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** Every character a wheel or sdist name can hold (name, PEP 440 version with `+` and `!`, tags). */
const FILENAME_CHARACTERS = /^[A-Za-z0-9._+!-]+$/;

/** Suffix of the PEP 658 core metadata file served beside a distribution. */
export const METADATA_SUFFIX = '.metadata';

/** sdist archive suffixes pip accepts; longest first so `.tar.gz` wins over a shorter match. */
const SDIST_SUFFIXES = ['.tar.bz2', '.tar.gz', '.tar.xz', '.tgz', '.zip'] as const;

export type DistributionKind = 'wheel' | 'sdist';

/** PEP 503: lowercase, and every run of `-`, `_`, `.` becomes one `-`. */
export function normalizeProjectName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Checks a project name against PEP 508's rule and returns it unchanged (not normalised). */
export function validateProjectName(raw: string): string {
  const fail = (rule: string): never => {
    throw new LarderError('E_BAD_REQUEST', `Invalid PyPI project name ${quoteInput(raw)}: ${rule}.`, {
      operation: OPERATION,
      details: { name: raw },
    });
  };
  if (raw.length === 0) fail('the name is empty');
  if (raw.length > MAX_PROJECT_NAME_LENGTH) fail(`a name may have at most ${MAX_PROJECT_NAME_LENGTH} characters`);
  if (!NAME_RULE.test(raw)) {
    fail('a name is ASCII letters, digits, ".", "-" and "_", and starts and ends with a letter or digit (PEP 508)');
  }
  return raw;
}

/** Why a file name is no distribution of the project, or what it is. */
export type FilenameClass =
  | { kind: 'file'; type: DistributionKind; version: string }
  | { kind: 'foreign'; reason: string }
  | { kind: 'invalid'; reason: string };

/** The reason `filename` is not a single safe path segment, or undefined when it is one. */
export function unsafeSegmentReason(filename: string): string | undefined {
  if (filename.length === 0) return 'it is empty';
  if (filename.length > MAX_FILENAME_LENGTH) return `a file name has at most ${MAX_FILENAME_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  if (/[\u0000-\u001f\u007f]/.test(filename)) return 'it contains a control character';
  if (filename.includes('/') || filename.includes('\\')) return 'it contains a path separator';
  if (filename.includes('..')) return 'it contains ".."';
  if (filename.startsWith('.')) return 'it starts with "."';
  if (!FILENAME_CHARACTERS.test(filename)) return 'it contains characters no wheel or sdist name has';
  return undefined;
}

function belongs(namePart: string, project: string): boolean {
  return normalizeProjectName(namePart) === normalizeProjectName(project);
}

function classifyWheel(stem: string, project: string): FilenameClass {
  // {name}-{version}(-{build})?-{python}-{abi}-{platform}; the name and version hold no "-".
  const parts = stem.split('-');
  if (parts.length !== 5 && parts.length !== 6) return { kind: 'invalid', reason: 'a wheel name has 5 or 6 "-"-separated parts' };
  if (parts.some((part) => part === '')) return { kind: 'invalid', reason: 'a wheel name part is empty' };
  const [name = '', version = ''] = parts;
  if (!belongs(name, project)) return { kind: 'foreign', reason: `it is a wheel of "${name}"` };
  if (parts.length === 6 && !/^\d/.test(parts[2] ?? '')) return { kind: 'invalid', reason: 'a wheel build tag starts with a digit' };
  const normalized = normalizeVersion(version);
  if (normalized === undefined) return { kind: 'invalid', reason: `"${version}" is not a PEP 440 version` };
  return { kind: 'file', type: 'wheel', version: normalized };
}

function classifySdist(stem: string, project: string): FilenameClass {
  // The name may itself contain "-" (legacy sdists): split where the part before normalises to the
  // project, as pip does, and take the first split whose remainder is a version.
  let badVersion: string | undefined;
  for (let index = stem.indexOf('-'); index > 0; index = stem.indexOf('-', index + 1)) {
    if (!belongs(stem.slice(0, index), project)) continue;
    const version = stem.slice(index + 1);
    const normalized = normalizeVersion(version);
    if (normalized !== undefined) return { kind: 'file', type: 'sdist', version: normalized };
    // "requests-oauthlib-2.0.0" under "requests": the rest goes on with a name, not a version.
    if (version === '' || /^v?\d/i.test(version)) badVersion ??= version;
  }
  if (badVersion !== undefined) return { kind: 'invalid', reason: `"${badVersion}" is not a PEP 440 version` };
  return { kind: 'foreign', reason: 'its name part is another project' };
}

/** Classifies a file name without throwing: a file of `project`, another project's, or neither. */
export function classifyFilename(project: string, filename: string): FilenameClass {
  const unsafe = unsafeSegmentReason(filename);
  if (unsafe !== undefined) return { kind: 'invalid', reason: `it is not a single safe path segment (${unsafe})` };
  const lower = filename.toLowerCase();
  if (lower.endsWith('.whl')) return classifyWheel(filename.slice(0, -'.whl'.length), project);
  const suffix = SDIST_SUFFIXES.find((candidate) => lower.endsWith(candidate));
  if (suffix !== undefined) return classifySdist(filename.slice(0, -suffix.length), project);
  return { kind: 'invalid', reason: `it is neither a wheel (.whl) nor an sdist (${SDIST_SUFFIXES.join(', ')})` };
}

/** The normalised version of a file of `project`, or undefined when it is not one. */
export function distributionVersion(project: string, filename: string): string | undefined {
  const found = classifyFilename(project, filename);
  return found.kind === 'file' ? found.version : undefined;
}

function badFilename(project: string, filename: string, reason: string): LarderError {
  const shown = filename.length > 300 ? `${filename.slice(0, 300)}…` : filename;
  return new LarderError('E_BAD_REQUEST', `Invalid file name ${quoteInput(shown)} for PyPI project "${project}": ${reason}.`, {
    operation: OPERATION,
    details: { project, filename: shown },
  });
}

/**
 * The version (PEP 440 normal form) and kind of a distribution file of `project`:
 * a wheel `{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl` or an sdist `{name}-{ver}.tar.gz`
 * (`.zip`, and the legacy `.tar.bz2`, `.tar.xz`, `.tgz`). Throws E_BAD_REQUEST when the name is
 * not one safe path segment, is no wheel or sdist, has no PEP 440 version, or belongs to another
 * project.
 */
export function parseDistributionFilename(project: string, filename: string): { version: string; kind: DistributionKind } {
  validateProjectName(project);
  const found = classifyFilename(project, filename);
  if (found.kind === 'foreign') throw badFilename(project, filename, `file ${filename} does not belong to project ${project} (${found.reason})`);
  if (found.kind === 'invalid') throw badFilename(project, filename, found.reason);
  return { version: found.version, kind: found.type };
}

/**
 * An asset name as a client asks for it: a distribution file, or its PEP 658 core metadata
 * (`FILENAME.metadata`). Throws E_BAD_REQUEST as parseDistributionFilename does.
 */
export function parseAssetName(project: string, assetName: string): { version: string; filename: string; metadata: boolean } {
  const unsafe = unsafeSegmentReason(assetName);
  if (unsafe !== undefined) {
    validateProjectName(project);
    throw badFilename(project, assetName, `it is not a single safe path segment (${unsafe})`);
  }
  const metadata = assetName.endsWith(METADATA_SUFFIX);
  const filename = metadata ? assetName.slice(0, -METADATA_SUFFIX.length) : assetName;
  const { version } = parseDistributionFilename(project, filename);
  return { version, filename, metadata };
}
