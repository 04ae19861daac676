/**
 * What a request under `/maven/REPO/` asks for: repository metadata or a file of an artifact
 * version, each possibly as a checksum sidecar. The raw (percent-encoded) path is decoded and
 * checked here, segment by segment; anything that could leave the directory tree is refused.
 */
import { quoteInput } from '../../errors.js';
import { splitChecksumSuffix, type ChecksumAlgorithm } from './checksum.js';
import { METADATA_FILENAME, badPath, fileBelongsTo, segmentProblem } from './coordinates.js';

export { mavenPath } from './coordinates.js';

/** Longer raw paths are refused before any decoding: no real coordinates come close. */
export const MAX_RAW_PATH_LENGTH = 1024;

export type MavenRequest =
  | {
      kind: 'metadata';
      /** The directory's segments (group…/artifact, or group…/artifact/version). */
      dir: string[];
      groupId: string;
      artifactId: string;
      /** `groupId:artifactId`; for group-level metadata the last group segment reads as the artifactId. */
      pkg: string;
      /** `artifact` for artifact- and group-level metadata, the version for SNAPSHOT version metadata. */
      variant: string;
      checksum?: ChecksumAlgorithm;
    }
  | {
      kind: 'asset';
      groupId: string;
      artifactId: string;
      version: string;
      /** The file asked for, without the sidecar suffix when `checksum` is set. */
      filename: string;
      pkg: string;
      checksum?: ChecksumAlgorithm;
    };

export const ARTIFACT_VARIANT = 'artifact';

/** A version directory whose metadata is version-level (timestamps and build numbers of a SNAPSHOT). */
export function isSnapshotDirectory(segment: string): boolean {
  return segment.endsWith('-SNAPSHOT');
}

const shown = (raw: string): string => quoteInput(raw);

/** One raw segment, percent-decoded and checked. */
function decodeSegment(raw: string, rawPath: string): string {
  const fail = (rule: string): never => {
    throw badPath(shown(rawPath), rule, { path: rawPath.slice(0, 200) });
  };
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) fail('invalid percent-encoding');
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch (error) {
    // decodeURIComponent throws URIError only, for escapes that are not UTF-8: that is the answer.
    if (!(error instanceof URIError)) throw error;
    return fail('invalid percent-encoding (not UTF-8)');
  }
  if (segment.includes('/') || segment.includes('\\')) fail('an encoded "/" or "\\" inside a segment (path traversal) is not allowed');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(segment)) fail('control characters (NUL, CR, LF …) are not allowed');
  const problem = segmentProblem(segment);
  if (problem !== undefined) fail(problem);
  return segment;
}

function splitPath(rawPath: string): string[] {
  if (rawPath.length === 0) throw badPath('""', 'the path is empty');
  if (rawPath.length > MAX_RAW_PATH_LENGTH) {
    throw badPath(shown(rawPath), `a path may have at most ${MAX_RAW_PATH_LENGTH} characters`, { length: rawPath.length });
  }
  if (rawPath.includes('\\')) throw badPath(shown(rawPath), '"\\" is not a path separator (path traversal) and is not allowed');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(rawPath)) throw badPath(shown(rawPath), 'control characters (NUL, CR, LF …) are not allowed');
  return rawPath.split('/').map((raw) => decodeSegment(raw, rawPath));
}

function metadataRequest(dir: string[], rawPath: string, checksum: ChecksumAlgorithm | undefined): MavenRequest {
  const last = dir[dir.length - 1] ?? '';
  const versionLevel = isSnapshotDirectory(last);
  const need = versionLevel ? 3 : 2;
  if (dir.length < need) {
    const shape = versionLevel ? 'GROUP/…/ARTIFACT/VERSION-SNAPSHOT/maven-metadata.xml' : 'GROUP/…/ARTIFACT/maven-metadata.xml';
    throw badPath(shown(rawPath), `metadata lives at ${shape} (at least ${need} directories)`);
  }
  const coordinates = versionLevel ? dir.slice(0, -1) : dir;
  const artifactId = coordinates[coordinates.length - 1] as string;
  const groupId = coordinates.slice(0, -1).join('.');
  return {
    kind: 'metadata',
    dir,
    groupId,
    artifactId,
    pkg: `${groupId}:${artifactId}`,
    variant: versionLevel ? last : ARTIFACT_VARIANT,
    ...(checksum === undefined ? {} : { checksum }),
  };
}

/**
 * Classifies the raw path after `/maven/REPO/`. Throws E_BAD_REQUEST, naming the rule, for
 * traversal in any spelling (`..`, `%2e%2e`, encoded `/` or `\`), NUL/CR/LF, invalid
 * percent-encoding, empty segments, characters outside Maven coordinates, paths over
 * MAX_RAW_PATH_LENGTH, assets with fewer than GROUP/ARTIFACT/VERSION/FILE segments and file
 * names that are not files of the artifact version whose directory they are in.
 */
export function classifyMavenPath(rawPath: string): MavenRequest {
  const segments = splitPath(rawPath);
  const requested = segments[segments.length - 1] as string;
  const { name, checksum } = splitChecksumSuffix(requested);
  const dir = segments.slice(0, -1);
  if (name === METADATA_FILENAME) return metadataRequest(dir, rawPath, checksum);

  if (segments.length < 4) {
    throw badPath(shown(rawPath), 'an asset path is GROUP/…/ARTIFACT/VERSION/FILE (at least 4 segments)');
  }
  const version = dir[dir.length - 1] as string;
  const artifactId = dir[dir.length - 2] as string;
  const groupId = dir.slice(0, -2).join('.');
  if (checksum !== undefined && splitChecksumSuffix(name).checksum !== undefined) {
    throw badPath(shown(rawPath), 'a checksum of a checksum file is not served');
  }
  if (!fileBelongsTo(name, artifactId, version)) {
    throw badPath(shown(rawPath), `the file name must start with "${artifactId}-${version}" (a file of ${artifactId} ${version})`, {
      artifactId,
      version,
      filename: name,
    });
  }
  return {
    kind: 'asset',
    groupId,
    artifactId,
    version,
    filename: name,
    pkg: `${groupId}:${artifactId}`,
    ...(checksum === undefined ? {} : { checksum }),
  };
}
