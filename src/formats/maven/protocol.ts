/**
 * Maven as a FormatProtocol. Metadata is maven-metadata.xml: variant `artifact` (artifact- and
 * group-level documents) or a SNAPSHOT version (version-level documents), stored re-rendered.
 * Assets are not located through metadata: each file's digest is in its `.sha1` sidecar on the
 * same connection (digestSidecar).
 */
import { LarderError } from '../../errors.js';
import type { FormatProtocol, ParsedMetadata } from '../protocol.js';
import { contentTypeFor, parseChecksumFile, splitChecksumSuffix } from './checksum.js';
import { METADATA_FILENAME, fileBelongsTo, mavenPath, parseMavenPackage, segmentProblem } from './coordinates.js';
import {
  MAVEN_METADATA_CONTENT_TYPE,
  decodeStoredMetadata,
  parseMavenMetadata,
  parseMavenTimestamp,
  renderMavenMetadata,
  type MavenMetadata,
} from './metadata.js';
import { ARTIFACT_VARIANT, isSnapshotDirectory } from './path.js';
import { unionMavenMetadata } from './union.js';

const ACCEPT = 'application/xml, text/xml, */*';

/** The version directory a variant names (undefined for artifact-level metadata); throws for other variants. */
function variantVersion(variant: string, operation: string): string | undefined {
  if (variant === ARTIFACT_VARIANT) return undefined;
  if (isSnapshotDirectory(variant) && segmentProblem(variant) === undefined) return variant;
  throw new LarderError('E_INTERNAL', `unknown maven metadata variant ${JSON.stringify(variant)} (use "${ARTIFACT_VARIANT}" or a SNAPSHOT version)`, {
    operation,
  });
}

export const mavenProtocol: FormatProtocol<MavenMetadata> = {
  format: 'maven',
  assetMetadataVariants: [],
  versionListVariant: ARTIFACT_VARIANT,

  metadataRequest(upstreamBase, pkg, variant) {
    const version = variantVersion(variant, 'maven.metadataRequest');
    const { groupId, artifactId } = parseMavenPackage(pkg);
    // Built from validated segments: no dot segment or scheme can reach new URL (DESIGN §5).
    const url = new URL(mavenPath(groupId, artifactId, version, METADATA_FILENAME), upstreamBase);
    return { url, headers: { accept: ACCEPT } };
  },

  parseMetadata(body, _contentType, _pkg, variant, _requestUrl): ParsedMetadata<MavenMetadata> {
    variantVersion(variant, 'maven.parseMetadata');
    const doc = parseMavenMetadata(body);
    return {
      doc,
      body: renderMavenMetadata(doc),
      contentType: MAVEN_METADATA_CONTENT_TYPE,
      // An upstream (or a mirror behind it) answering older metadata than the cached copy loses.
      modifiedAt: parseMavenTimestamp(doc.versioning?.lastUpdated),
    };
  },

  decodeStored(body) {
    return decodeStoredMetadata(body);
  },

  hasVersion(doc, version) {
    return (doc.versioning?.versions.includes(version) ?? false) || doc.version === version;
  },

  assetContentType(assetName) {
    return contentTypeFor(assetName);
  },

  locateAsset() {
    return undefined; // Maven assets are located by their sidecar (digestSidecar), not by metadata
  },

  digestSidecar(upstreamBase, pkg, version, assetName) {
    const { groupId, artifactId } = parseMavenPackage(pkg);
    const versionDir = mavenPath(groupId, artifactId, version); // throws E_BAD_REQUEST for a bad version
    if (segmentProblem(assetName) !== undefined || splitChecksumSuffix(assetName).checksum !== undefined) return undefined;
    if (!fileBelongsTo(assetName, artifactId, version)) return undefined;
    const path = `${versionDir}/${assetName}`;
    return {
      assetUrl: new URL(path, upstreamBase),
      sidecarUrl: new URL(`${path}.sha1`, upstreamBase),
      algorithm: 'sha1',
      parse: (text: string) => parseChecksumFile(text, 'sha1'),
    };
  },

  isMutableAsset(version, assetName) {
    // `lib-1.0-SNAPSHOT.jar` is redeployed under the same name; timestamped builds
    // (`lib-1.0-20240101.120000-3.jar`) are unique and as immutable as releases.
    return version.endsWith('-SNAPSHOT') && assetName.includes('-SNAPSHOT');
  },

  versionManifest() {
    return {}; // the pom is an asset; maven-metadata.xml says nothing per version
  },

  assetListing() {
    return undefined;
  },

  union(docs, pkg, retained, variant) {
    variantVersion(variant, 'maven.union');
    return unionMavenMetadata(docs, pkg, retained, variant);
  },
};
