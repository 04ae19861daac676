/**
 * The PyPI simple API as pure code: names, versions, project pages (HTML and JSON) in and out,
 * content negotiation, the union with retained files. No disk, no sockets.
 */
export { SIMPLE_HTML, SIMPLE_JSON, contentTypeFor, negotiate, renderFormOf, type SimpleForm } from './accept.js';
export { decodeStoredPage, toPypiFile, type ProjectPage, type PypiFile } from './file.js';
export { cleanHashes, parseHashPair, preferredHash, type Hashes } from './hashes.js';
export { decodeEntities, escapeHtml, scanHtml } from './html.js';
export {
  MAX_FILENAME_LENGTH,
  MAX_PROJECT_NAME_LENGTH,
  METADATA_SUFFIX,
  classifyFilename,
  distributionVersion,
  normalizeProjectName,
  parseAssetName,
  parseDistributionFilename,
  validateProjectName,
  type DistributionKind,
} from './names.js';
export { parseProjectPage } from './page.js';
export { PYPI_PAGE_VARIANT, pypiProtocol } from './protocol.js';
export { REPOSITORY_VERSION, pageVersions, renderHtml, renderJson, renderProjectList, servedCoreMetadata } from './render.js';
export { UNLISTED_YANK_REASON, unionPages } from './union.js';
export { compareVersions, normalizeVersion, parseVersion, sortVersions } from './version.js';
