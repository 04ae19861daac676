/**
 * The Maven repository layout as pure code: request paths, coordinates, version order,
 * maven-metadata.xml in and out, checksum sidecars. No disk, no sockets.
 */
export {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_HEX_LENGTH,
  CHECKSUM_SUFFIXES,
  contentTypeFor,
  parseChecksumFile,
  siblingAssetNames,
  splitChecksumSuffix,
  type ChecksumAlgorithm,
} from './checksum.js';
export { MAX_SEGMENT_LENGTH, METADATA_FILENAME, fileBelongsTo, groupSegments, mavenPath, parseMavenPackage, segmentProblem } from './coordinates.js';
export {
  MAVEN_METADATA_CONTENT_TYPE,
  decodeStoredMetadata,
  formatMavenTimestamp,
  mergeVersions,
  parseMavenMetadata,
  parseMavenTimestamp,
  renderMavenMetadata,
  type MavenMetadata,
  type MavenPlugin,
  type MavenSnapshot,
  type MavenSnapshotVersion,
  type MavenVersioning,
} from './metadata.js';
export { ARTIFACT_VARIANT, MAX_RAW_PATH_LENGTH, classifyMavenPath, isSnapshotDirectory, type MavenRequest } from './path.js';
export { mavenProtocol } from './protocol.js';
export { unionMavenMetadata } from './union.js';
export { canonicalMavenVersion, compareMavenVersions, isSnapshot, sortMavenVersions } from './version.js';
