/**
 * The body of an npm write to `/npm/REPO/NAME` (issue 9 §1), checked field by field:
 * - a publish carries one version in `versions`, its tarball base64 in `_attachments`, and the
 *   tags to point at it in `dist-tags`;
 * - without attachments it is the package document npm read with `?write=true`, sent back
 *   changed: `npm deprecate` edits `deprecated` fields, `npm unpublish NAME@V` drops a version.
 * Pure: the tarball's digest is checked against `dist.integrity` / `dist.shasum` here, before
 * anything is stored.
 */
import { createHash } from 'node:crypto';
import { LarderError } from '../../errors.js';
import { integrityFromHex, parseIntegrity } from '../../domain/integrity.js';
import { isExactVersion, tarballFilename } from './names.js';
import { MAX_DOCUMENT_DEPTH, RETAINED_TIME_FIELD, isJsonObject, nestedDeeperThan } from './packument.js';
import { validTagName } from './write-paths.js';

export interface NpmPublish {
  kind: 'publish';
  version: string;
  /** The version object to retain (with the time larder received it). */
  manifest: Record<string, unknown>;
  tarball: { filename: string; bytes: Buffer; integrity: string };
  /** Tags the publish points at this version (`npm publish --tag`); `latest` by default. */
  tags: string[];
}

export interface NpmDocumentChange {
  kind: 'change';
  /** Each version npm sent back, by version. */
  versions: Record<string, Record<string, unknown>>;
  distTags: Record<string, string>;
}

const OPERATION = 'npm.publish';

function bad(message: string): LarderError {
  return new LarderError('E_BAD_REQUEST', message, { operation: OPERATION });
}

export function parseNpmWriteBody(body: Record<string, unknown>, name: string, now: Date): NpmPublish | NpmDocumentChange {
  if (nestedDeeperThan(body, MAX_DOCUMENT_DEPTH)) throw bad(`the document nests more than ${MAX_DOCUMENT_DEPTH} levels deep`);
  if (body.name !== undefined && body.name !== name) throw bad(`the document is for "${String(body.name)}" but was sent to ${name}`);
  const versions = body.versions;
  if (!isJsonObject(versions)) throw bad('the document has no "versions" object');
  const distTags = body['dist-tags'] ?? {};
  if (!isJsonObject(distTags)) throw bad('"dist-tags" must be an object of tag → version');
  const tags: Record<string, string> = {};
  for (const [tag, version] of Object.entries(distTags)) {
    if (!validTagName(tag)) throw bad(`"${tag}" is not a valid dist-tag`);
    if (typeof version !== 'string' || !isExactVersion(version)) throw bad(`dist-tag "${tag}" must name an exact version`);
    tags[tag] = version;
  }
  const manifests: Record<string, Record<string, unknown>> = {};
  for (const [version, manifest] of Object.entries(versions)) {
    if (!isExactVersion(version)) throw bad(`"${version}" is not a valid semver version`);
    if (!isJsonObject(manifest)) throw bad(`versions["${version}"] must be an object`);
    if (manifest.version !== undefined && manifest.version !== version) throw bad(`versions["${version}"] says it is version ${String(manifest.version)}`);
    if (manifest.name !== undefined && manifest.name !== name) throw bad(`versions["${version}"] is for another package (${String(manifest.name)})`);
    manifests[version] = manifest;
  }
  const attachments = body._attachments;
  if (attachments === undefined || (isJsonObject(attachments) && Object.keys(attachments).length === 0)) {
    return { kind: 'change', versions: manifests, distTags: tags };
  }
  return parsePublish(attachments, manifests, tags, name, now);
}

function parsePublish(attachments: unknown, manifests: Record<string, Record<string, unknown>>, tags: Record<string, string>, name: string, now: Date): NpmPublish {
  const entries = Object.entries(manifests);
  const [only] = entries;
  if (only === undefined || entries.length !== 1) throw bad(`a publish carries exactly one version, this one has ${entries.length}`);
  const [version, manifest] = only;
  if (!isJsonObject(attachments)) throw bad('"_attachments" must be an object');
  const files = Object.entries(attachments);
  const canonical = tarballFilename(name, version);
  const [file] = files;
  if (file === undefined || files.length !== 1 || (file[0] !== canonical && file[0] !== `${name}-${version}.tgz`)) {
    throw bad(`a publish of ${name}@${version} carries one attachment, ${canonical}`);
  }
  const attachment = file[1];
  if (!isJsonObject(attachment) || typeof attachment.data !== 'string') throw bad(`_attachments["${file[0]}"].data must hold the tarball in base64`);
  const bytes = Buffer.from(attachment.data, 'base64');
  if (typeof attachment.length === 'number' && attachment.length !== bytes.length) {
    throw bad(`_attachments["${file[0]}"] says ${attachment.length} bytes but its data holds ${bytes.length}`);
  }
  const integrity = checkTarball(manifest, bytes, `${name}@${version}`);
  const pointed = Object.entries(tags).filter(([, tagged]) => tagged === version).map(([tag]) => tag);
  const stored: Record<string, unknown> = { ...manifest, name, version, [RETAINED_TIME_FIELD]: now.toISOString() };
  return { kind: 'publish', version, manifest: stored, tarball: { filename: canonical, bytes, integrity }, tags: pointed.length > 0 ? pointed : ['latest'] };
}

/** The tarball's SRI, after checking it against every digest the manifest declares (at least one). */
function checkTarball(manifest: Record<string, unknown>, bytes: Buffer, what: string): string {
  const dist = manifest.dist;
  if (!isJsonObject(dist)) throw bad(`${what} has no "dist" with the tarball's integrity`);
  const declared: string[] = [];
  try {
    if (typeof dist.integrity === 'string') declared.push(parseIntegrity(dist.integrity));
    if (typeof dist.shasum === 'string') declared.push(integrityFromHex('sha1', dist.shasum));
  } catch (error) {
    throw bad(`${what} declares a malformed digest: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (declared.length === 0) throw bad(`${what} declares neither dist.integrity nor dist.shasum; larder never stores unverified bytes`);
  for (const sri of declared) {
    const algorithm = sri.slice(0, sri.indexOf('-'));
    const actual = `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
    if (actual !== sri) throw bad(`the tarball of ${what} does not match its declared ${algorithm} (declared ${sri}, got ${actual})`);
  }
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}
