/**
 * `mvn deploy` to `/maven/REPO/` (issue 9 §1–3): the PUTs maven-deploy-plugin makes over HTTP.
 *
 * - a file of a release version (pom, jar, classifier jars, signatures): the guard first, then
 *   the body streamed into the store and the version recorded with origin `published`;
 * - its `.md5` / `.sha1` / `.sha256` / `.sha512`: checked against what larder stored, so a file
 *   corrupted on the way fails the deploy (and is withdrawn, so the deploy can be run again);
 * - `maven-metadata.xml` and its checksums: accepted and not stored, because larder serves the
 *   metadata merged from what the repository retains and its upstreams offer.
 *
 * Release files never change (as in a Nexus release repository): a second PUT of one is a 409.
 * SNAPSHOT versions are refused: larder takes release deploys only.
 */
import type { IncomingMessage } from 'node:http';
import type { AssetDigests } from '../engine/asset-digests.js';
import { LarderError, isLarderError } from '../errors.js';
import { parseChecksumFile, type ChecksumAlgorithm } from '../formats/maven/checksum.js';
import { ARTIFACT_VARIANT, classifyMavenPath, type MavenRequest } from '../formats/maven/path.js';
import { mavenProtocol } from '../formats/maven/protocol.js';
import { isSnapshot } from '../formats/maven/version.js';
import { withoutAsset } from '../formats/maven/withdraw.js';
import type { Exchange } from './exchange.js';
import { reasonPhrase } from './reason-phrase.js';
import { admitWriter, type PublishingDeps } from './writer-auth.js';

export interface MavenDeployDeps {
  publishing: PublishingDeps;
  /** Remembers a deployed file's digests, so its sidecars and X-Checksum headers are served at once. */
  digests: AssetDigests;
}

type AssetRequest = Extract<MavenRequest, { kind: 'asset' }>;

const OPERATION = 'maven.deploy';
/** A checksum sidecar is one digest (128 hex digits at most) and perhaps a file name. */
const MAX_CHECKSUM_BODY_BYTES = 4 * 1024;
/** maven-metadata.xml of an artifact with thousands of versions stays well under this. */
const MAX_METADATA_BODY_BYTES = 4 * 1024 * 1024;

/** Handles one PUT under `/maven/REPO/`; `rest` is the raw path after the repository. */
export async function handleMavenPut(deps: MavenDeployDeps, exchange: Exchange, repository: string, rest: string): Promise<void> {
  try {
    const request = classifyMavenPath(rest);
    exchange.facts.package = request.pkg;
    if (request.kind === 'asset') exchange.facts.version = request.version;
    refuseSnapshots(request);
    const user = admitWriter(deps.publishing, exchange, repository, 'PUT is a deploy');
    if (request.kind === 'metadata') return await acceptMetadata(exchange, request.checksum === undefined ? 'maven-metadata.xml' : 'a maven-metadata.xml checksum');
    if (request.checksum !== undefined) return await verifyChecksum(deps, exchange, repository, request, request.checksum);
    return await deployFile(deps, exchange, repository, request, user);
  } catch (error) {
    settleBody(exchange.req);
    if (isLarderError(error) && !exchange.res.headersSent) exchange.res.statusMessage = reasonPhrase(error.message);
    throw error;
  }
}

function refuseSnapshots(request: MavenRequest): void {
  const version = request.kind === 'asset' ? request.version : request.variant === ARTIFACT_VARIANT ? undefined : request.variant;
  if (version === undefined || !isSnapshot(version)) return;
  throw new LarderError(
    'E_BAD_REQUEST',
    `larder takes release deploys only, and ${request.pkg}:${version} is a SNAPSHOT; deploy a release version, or keep SNAPSHOTs in a repository manager that takes them`,
    { operation: OPERATION },
  );
}

/**
 * One file of a release version: guard, store, remember its digests, record. The body streams
 * into the store (never held whole); a client that goes away leaves no blob and no record.
 */
async function deployFile(deps: MavenDeployDeps, exchange: Exchange, repository: string, request: AssetRequest, user: string): Promise<void> {
  const { publisher } = deps.publishing;
  const size = declaredLength(exchange.req, request.filename);
  const coordinates = { repository, pkg: request.pkg, version: request.version };
  await publisher.admit(mavenProtocol, { ...coordinates, assetNames: [request.filename] });
  const blob = await publisher.store(exchange.req, { size }, `${request.filename} of ${request.pkg}:${request.version}`);
  deps.digests.remember(blob.integrity, blob.digests);
  await publisher.record({
    ...coordinates,
    format: 'maven',
    assets: [{ name: request.filename, integrity: blob.integrity, size: blob.size, contentType: mavenProtocol.assetContentType(request.filename) }],
    manifest: mavenProtocol.versionManifest({ groupId: request.groupId, artifactId: request.artifactId, plugins: [] }, request.version),
    user,
  });
  exchange.sendText(201, '', 'text/plain; charset=utf-8');
}

/** The body's length; the store needs it to tell a complete upload from one cut short. */
function declaredLength(req: IncomingMessage, filename: string): number {
  const header = req.headers['content-length'];
  const size = header === undefined ? Number.NaN : Number(header);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new LarderError('E_BAD_REQUEST', `the PUT of ${filename} has no Content-Length; send the file with its length (not chunked), as Maven's HTTP transports do`, {
      operation: OPERATION,
    });
  }
  return size;
}

/**
 * `FILE.sha1` and its siblings: FILE must be deployed in this repository's version, and the
 * digest must be the one larder computed from the bytes it stored. A mismatch means FILE was
 * corrupted on the way: it is withdrawn (it was never good) so that the deploy can be repeated.
 */
async function verifyChecksum(deps: MavenDeployDeps, exchange: Exchange, repository: string, request: AssetRequest, algorithm: ChecksumAlgorithm): Promise<void> {
  const sidecar = `${request.filename}.${algorithm}`;
  const text = await readSmallBody(exchange.req, MAX_CHECKSUM_BODY_BYTES, sidecar);
  const { publisher } = deps.publishing;
  const record = await publisher.published(repository, 'maven', request.pkg);
  const version = record !== undefined && Object.hasOwn(record.versions, request.version) ? record.versions[request.version] : undefined;
  const asset = version?.origin.published === true ? version.assets.find((held) => held.name === request.filename) : undefined;
  if (asset === undefined) {
    throw new LarderError('E_NOT_FOUND', `${request.filename} of ${request.pkg}:${request.version} is not deployed in ${repository}; PUT the file before its ${algorithm} checksum`, {
      operation: OPERATION,
    });
  }
  const stored = deps.digests.known(asset.integrity) ?? (await deps.digests.ofStored(asset.integrity));
  if (stored === undefined) {
    throw new LarderError('E_STORE', `the bytes of ${request.filename} (${asset.integrity}) are missing from the store; deploy a new version`, { operation: OPERATION });
  }
  const sent = parseChecksumFile(text, algorithm);
  if (sent === undefined) {
    throw new LarderError('E_BAD_REQUEST', `${sidecar} does not hold a ${algorithm} digest; send the hex digest of ${request.filename}`, { operation: OPERATION });
  }
  if (sent !== stored[algorithm]) {
    await publisher.update(repository, 'maven', request.pkg, (current) => ({
      versions: withoutAsset(current.versions, request.version, asset),
      distTags: current.published.distTags,
    }));
    throw new LarderError(
      'E_BAD_REQUEST',
      `${sidecar} says ${sent} but the ${request.filename} larder received has ${algorithm} ${stored[algorithm]}: the file was corrupted on the way. ` +
        `larder withdrew it from ${repository}; deploy again`,
      { operation: OPERATION, details: { expected: sent, received: stored[algorithm] } },
    );
  }
  exchange.sendText(201, '', 'text/plain; charset=utf-8');
}

/** Read and dropped: larder renders maven-metadata.xml itself from what the repository holds. */
async function acceptMetadata(exchange: Exchange, what: string): Promise<void> {
  await readSmallBody(exchange.req, MAX_METADATA_BODY_BYTES, what);
  exchange.sendText(201, '', 'text/plain; charset=utf-8');
}

async function readSmallBody(req: IncomingMessage, limit: number, what: string): Promise<string> {
  const tooLarge = (): LarderError => new LarderError('E_TOO_LARGE', `${what} is larger than the ${limit} bytes larder takes for it`, { operation: 'http.maven-deploy' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A refused PUT's body is read to the end and dropped, so the client, still sending, reads the
 * answer and the connection stays usable. A body the store was reading is already destroyed.
 */
function settleBody(req: IncomingMessage): void {
  if (!req.complete && !req.destroyed) req.resume();
}
