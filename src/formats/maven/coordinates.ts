/**
 * Maven coordinates (groupId, artifactId, version, file name) as validated path segments, and the
 * canonical repository paths built from them.
 *
 * Every upstream URL and store key is built from coordinates checked here, never from a request
 * path (DESIGN §5: `new URL` resolves dot segments and `//host`, so a request path concatenated
 * onto a base could leave the upstream's tree or its host).
 */
import { LarderError, quoteInput } from '../../errors.js';

const OPERATION = 'maven.path';

/** The characters of a Maven coordinate segment; nothing here needs escaping in a URL path. */
const SEGMENT_CHARACTERS = /^[A-Za-z0-9._+~-]+$/;
/** The usual file-system limit for one path segment. */
export const MAX_SEGMENT_LENGTH = 255;

/** The file name of Maven repository metadata, in an artifact, version or group directory. */
export const METADATA_FILENAME = 'maven-metadata.xml';

export function badPath(what: string, rule: string, details: Record<string, unknown> = {}): LarderError {
  return new LarderError('E_BAD_REQUEST', `Invalid Maven path ${what}: ${rule}.`, { operation: OPERATION, details });
}

/** The reason `segment` (already decoded) is no coordinate segment, or undefined when it is one. */
export function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'empty path segments are not allowed';
  if (segment === '.' || segment === '..') return '"." and ".." segments (path traversal) are not allowed';
  if (segment.length > MAX_SEGMENT_LENGTH) return `a path segment may have at most ${MAX_SEGMENT_LENGTH} characters`;
  if (!SEGMENT_CHARACTERS.test(segment)) return 'a Maven coordinate segment is ASCII letters, digits and "._+~-" only';
  return undefined;
}

function checkSegment(segment: string, role: string): string {
  const problem = segmentProblem(segment);
  if (problem !== undefined) throw badPath(`${role} ${quoteInput(segment)}`, problem, { [role]: segment });
  return segment;
}

/** A groupId (`org.apache.maven`) as its directory segments; every one a valid segment. */
export function groupSegments(groupId: string): string[] {
  if (groupId.length === 0) throw badPath('groupId ""', 'the groupId is empty');
  return groupId.split('.').map((segment) => checkSegment(segment, 'groupId'));
}

/**
 * `groupId:artifactId` (larder's package name for Maven), checked. Throws E_BAD_REQUEST for
 * anything else: the engine passes package names that came from requests.
 */
export function parseMavenPackage(pkg: string): { groupId: string; artifactId: string } {
  const colon = pkg.indexOf(':');
  if (colon === -1 || pkg.indexOf(':', colon + 1) !== -1) {
    throw badPath(`package ${quoteInput(pkg)}`, 'a Maven package is "groupId:artifactId"', { pkg });
  }
  const groupId = pkg.slice(0, colon);
  const artifactId = checkSegment(pkg.slice(colon + 1), 'artifactId');
  groupSegments(groupId);
  return { groupId, artifactId };
}

/**
 * The canonical repository path, relative to the repository root, of an artifact directory
 * (`org/example/demo`), one of its files (`org/example/demo/maven-metadata.xml`), a version
 * directory or a file in it. Throws E_BAD_REQUEST unless every part is a valid segment.
 */
export function mavenPath(groupId: string, artifactId: string, version?: string, filename?: string): string {
  const segments = [...groupSegments(groupId), checkSegment(artifactId, 'artifactId')];
  if (version !== undefined) segments.push(checkSegment(version, 'version'));
  if (filename !== undefined) segments.push(checkSegment(filename, 'filename'));
  return segments.join('/');
}

/** Timestamp and build number of a deployed SNAPSHOT file: `20240101.123456-3`. */
const SNAPSHOT_STAMP = /^\d{8}\.\d{6}-\d+/;
const SNAPSHOT_SUFFIX = '-SNAPSHOT';

/**
 * True when `filename` is a file of `artifactId` at `version`: `A-V` followed by a classifier
 * (`-sources`) or an extension (`.jar`), or for SNAPSHOT versions `A-BASE-TIMESTAMP-BUILD…`.
 * A checksum sidecar or signature belongs when its file does (`A-V.jar.sha1`, `A-V.jar.asc`).
 */
export function fileBelongsTo(filename: string, artifactId: string, version: string): boolean {
  const startsRight = (prefix: string, rest: (tail: string) => boolean): boolean =>
    filename.startsWith(prefix) && rest(filename.slice(prefix.length));
  const classifierOrExtension = (tail: string): boolean => /^[.-]./.test(tail);
  if (startsRight(`${artifactId}-${version}`, classifierOrExtension)) return true;
  if (!version.endsWith(SNAPSHOT_SUFFIX)) return false;
  const base = version.slice(0, -SNAPSHOT_SUFFIX.length);
  return startsRight(`${artifactId}-${base}-`, (tail) => {
    const stamp = SNAPSHOT_STAMP.exec(tail);
    return stamp !== null && classifierOrExtension(tail.slice(stamp[0].length));
  });
}
