/**
 * Maven checksum sidecars (`FILE.md5`, `.sha1`, `.sha256`, `.sha512`), the standard-named assets
 * of a version, and the content types a Maven repository serves. Pure code.
 */
import { isSnapshot } from './version.js';

export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The sidecar suffix of each algorithm, as Maven names them. */
export const CHECKSUM_SUFFIXES: Readonly<Record<ChecksumAlgorithm, string>> = Object.freeze({
  md5: '.md5',
  sha1: '.sha1',
  sha256: '.sha256',
  sha512: '.sha512',
});

/** Hex digits of each digest. */
export const CHECKSUM_HEX_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = Object.freeze({
  md5: 32,
  sha1: 40,
  sha256: 64,
  sha512: 128,
});

/** The file a sidecar name belongs to and its algorithm; `checksum` undefined when `name` is no sidecar. */
export function splitChecksumSuffix(name: string): { name: string; checksum?: ChecksumAlgorithm } {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const suffix = CHECKSUM_SUFFIXES[algorithm];
    if (name.length > suffix.length && name.endsWith(suffix)) {
      return { name: name.slice(0, -suffix.length), checksum: algorithm };
    }
  }
  return { name };
}

/** `MD5 (file.jar) = HEX` (BSD `md5`) and `SHA1(file.jar)= HEX` (openssl). */
const TAGGED_LINE = /^[A-Za-z0-9-]+ ?\(.*\) ?= ?(\S+)$/;

/**
 * The digest a sidecar holds, lowercase hex, or undefined when it holds none of the right length.
 *
 * Maven writes the bare hex; other tools and old uploads wrote `HEX  file.jar`, `HEX *file.jar`
 * or the tagged `MD5 (file.jar) = HEX` form. Like Maven's resolver, only the first non-empty
 * line counts. Anything else (an HTML error page, a digest of another length) is undefined:
 * the caller never trusts a digest it cannot read.
 */
export function parseChecksumFile(text: string, algorithm: ChecksumAlgorithm): string | undefined {
  const line = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n|\r/)
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate !== '');
  if (line === undefined) return undefined;
  const tagged = TAGGED_LINE.exec(line);
  const token = tagged === null ? line.split(/\s+/)[0] : tagged[1];
  if (token === undefined) return undefined;
  const wanted = CHECKSUM_HEX_LENGTH[algorithm];
  if (token.length !== wanted || !/^[0-9a-fA-F]+$/.test(token)) return undefined;
  return token.toLowerCase();
}

/**
 * The standard-named assets of a release version that ingestion fetches in the background: the
 * pom, the main jar, sources, javadoc and the Gradle module file. Their sidecars are computed by
 * larder from the stored bytes, so they are not listed. A SNAPSHOT version has no stable names
 * (its files are timestamped per build): empty.
 */
export function siblingAssetNames(artifactId: string, version: string): string[] {
  if (isSnapshot(version)) return [];
  const base = `${artifactId}-${version}`;
  return [`${base}.pom`, `${base}.jar`, `${base}-sources.jar`, `${base}-javadoc.jar`, `${base}.module`];
}

/** Content types by extension, as Maven Central serves them. */
const CONTENT_TYPES: ReadonlyArray<readonly [suffix: string, type: string]> = [
  ['.pom', 'text/xml'],
  ['.xml', 'text/xml'],
  ['.jar', 'application/java-archive'],
  ['.war', 'application/java-archive'],
  ['.ear', 'application/java-archive'],
  ['.module', 'application/json'],
  ['.json', 'application/json'],
  ['.asc', 'application/pgp-signature'],
  ['.zip', 'application/zip'],
  ['.tar.gz', 'application/gzip'],
  ['.tgz', 'application/gzip'],
  ['.txt', 'text/plain'],
];

/** The Content-Type of a file in a Maven repository; sidecars are plain text. */
export function contentTypeFor(filename: string): string {
  const lower = filename.toLowerCase();
  if (splitChecksumSuffix(lower).checksum !== undefined) return 'text/plain';
  for (const [suffix, type] of CONTENT_TYPES) {
    if (lower.endsWith(suffix)) return type;
  }
  return 'application/octet-stream';
}
