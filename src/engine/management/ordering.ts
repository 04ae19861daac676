/**
 * Version ordering per format, in one table: management lists versions in the order the format's
 * own clients use, and picks the default display version without asking which format it is.
 */
// Single functions rather than the whole package: loading all of semver costs ~30 ms at start.
import compareSemver from 'semver/functions/compare.js';
import prereleaseParts from 'semver/functions/prerelease.js';
import validVersion from 'semver/functions/valid.js';
import type { Format } from '../../domain/types.js';
import { compareMavenVersions, isSnapshot } from '../../formats/maven/version.js';
import { compareVersions, parseVersion } from '../../formats/pypi/version.js';

export interface VersionOrdering {
  /** Negative when `a` sorts before `b`. Total over any strings (invalid ones sort first, by text). */
  compare(a: string, b: string): number;
  /** A pre-release (npm `-beta.1`, PEP 440 `rc1` / `.dev0`, Maven SNAPSHOT / alpha / beta / milestone / rc). */
  isPrerelease(version: string): boolean;
}

function compareNpm(a: string, b: string): number {
  const validA = validVersion(a) !== null;
  const validB = validVersion(b) !== null;
  if (validA && validB) return compareSemver(a, b) || (a < b ? -1 : a > b ? 1 : 0);
  if (validA !== validB) return validA ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const MAVEN_PRERELEASE = /(?:^|[-.])(?:alpha|beta|milestone|rc|cr|preview|[abm])[-.]?\d*(?:$|[-.])/i;

export const VERSION_ORDERING: Readonly<Record<Format, VersionOrdering>> = {
  npm: {
    compare: compareNpm,
    isPrerelease: (version) => validVersion(version) === null || prereleaseParts(version) !== null,
  },
  pypi: {
    compare: compareVersions,
    isPrerelease: (version) => {
      const parsed = parseVersion(version);
      return parsed === undefined || parsed.pre !== undefined || parsed.dev !== undefined;
    },
  },
  maven: {
    compare: compareMavenVersions,
    isPrerelease: (version) => isSnapshot(version) || MAVEN_PRERELEASE.test(version),
  },
};
