/**
 * The npm protocol as pure code: request paths, names, packuments. No disk, no sockets.
 * Import from here; the files behind it are one job each.
 */
export { ABBREVIATED_MEDIA_TYPE, FULL_MEDIA_TYPE, packumentAudience, wantsAbbreviated } from './accept.js';
export { INSTALL_FIELDS, abbreviate, abbreviateVersion, isAbbreviated } from './abbreviate.js';
export { highestVersion, mergeRetained, UNLISTED_NOTICE } from './merge.js';
export {
  MAX_NAME_LENGTH,
  classifyNpmPath,
  isExactVersion,
  isScoped,
  packumentPath,
  tarballFilename,
  tarballPath,
  unscopedName,
  validatePackageName,
  validateVersion,
  type NpmRequest,
} from './names.js';
export {
  MAX_DOCUMENT_DEPTH,
  RETAINED_TIME_FIELD,
  dependencyRanges,
  isJsonObject,
  modifiedAt,
  nestedDeeperThan,
  parsePackument,
  resolveSpec,
  tarballDigest,
  versionManifest,
  type JsonObject,
  type Packument,
  type VersionManifest,
} from './packument.js';
export { rewriteForClient, upstreamTarballPath } from './tarball-url.js';
