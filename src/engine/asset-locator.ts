/**
 * Where one asset is on a gateway's external connection and what its bytes must hash to. Most
 * formats list digests in a metadata document (npm's packument, PyPI's project page); Maven
 * publishes a `.sha1` sidecar beside each file instead. Both end in an AssetLocation, checked
 * against the origins the connection allows.
 */
import type { RepositoryConfig } from '../config/types.js';
import { integrityFromHex } from '../domain/integrity.js';
import { LarderError } from '../errors.js';
import type { AssetLocation, FormatProtocol } from '../formats/protocol.js';
import { readBodyText } from '../upstream/read-body.js';
import type { UpstreamClient } from '../upstream/types.js';
import type { OriginBreaker } from './breaker.js';
import { metadataPolicy } from './chain.js';
import { guardedRequest } from './guarded-request.js';
import type { MetadataCache } from './metadata-cache.js';

export interface LocateRequest {
  pkg: string;
  version: string;
  assetName: string;
}

export interface LocatorDeps {
  cache: MetadataCache;
  client: UpstreamClient;
  breaker: OriginBreaker;
  offline: boolean;
}

export interface Located<Doc> {
  location: AssetLocation;
  /** The document that listed the asset, when its format lists assets in one. */
  doc: Doc | undefined;
}

/** A sidecar holds one digest line; anything longer is not a sidecar. */
const MAX_SIDECAR_BYTES = 4096;

/** Undefined when this connection does not have the asset. */
export async function locateAsset<Doc>(deps: LocatorDeps, protocol: FormatProtocol<Doc>, gateway: RepositoryConfig, upstreamBase: URL, request: LocateRequest): Promise<Located<Doc> | undefined> {
  const located = protocol.digestSidecar
    ? await bySidecar(deps, protocol, upstreamBase, request)
    : await byDocument(deps, protocol, gateway, upstreamBase, request);
  if (located === undefined) return undefined;
  const allowed = [upstreamBase.origin, ...(gateway.external?.assetOrigins ?? [])];
  if (!allowed.includes(located.location.url.origin)) {
    throw new LarderError(
      'E_UPSTREAM_BAD_RESPONSE',
      `${gateway.name}'s upstream links ${request.assetName} to ${located.location.url.origin}, which is not an origin of that connection; larder fetches artifacts only from ${allowed.join(', ')} (add the origin to the connection's assetOrigins to allow it)`,
      { operation: 'asset.locate', details: { url: located.location.url.href } },
    );
  }
  return located;
}

export function offlineMiss(request: LocateRequest): LarderError {
  return new LarderError('E_OFFLINE', `larder is offline and ${request.pkg}@${request.version} is not retained`, { operation: 'asset.fetch' });
}

/**
 * The gateway's metadata document that lists the version: a cached variant that has it
 * (stale is fine, a digest never changes), else a fetch — forced when the cached copy is fresh
 * but lacks the version (published since).
 */
async function byDocument<Doc>(deps: LocatorDeps, protocol: FormatProtocol<Doc>, gateway: RepositoryConfig, upstreamBase: URL, request: LocateRequest): Promise<Located<Doc> | undefined> {
  const targets = protocol.assetMetadataVariants.map((variant) => ({ repository: gateway.name, upstreamBase, protocol, pkg: request.pkg, variant }));
  const listing = (doc: Doc): Located<Doc> | undefined => {
    const location = protocol.locateAsset(doc, upstreamBase, request.pkg, request.version, request.assetName);
    return location === undefined ? undefined : { location, doc };
  };
  let cachedFirst = false;
  for (const [index, target] of targets.entries()) {
    const entry = await deps.cache.peek(target);
    if (entry === undefined) continue;
    if (index === 0) cachedFirst = true;
    const doc = deps.cache.decode(protocol, request.pkg, entry);
    if (protocol.hasVersion(doc, request.version)) return listing(doc);
  }
  const first = targets[0];
  if (first === undefined) return undefined;
  if (deps.offline) throw offlineMiss(request);
  const lookup = await deps.cache.lookup(first, metadataPolicy(gateway, protocol.format), cachedFirst);
  const doc = lookup.entry ? deps.cache.decode(protocol, request.pkg, lookup.entry) : undefined;
  if (doc !== undefined && protocol.hasVersion(doc, request.version)) return listing(doc);
  if (lookup.upstreamError) throw lookup.upstreamError;
  return undefined;
}

/**
 * No sidecar: a HEAD of the asset tells whether it exists, and its X-Checksum-<ALGORITHM> header
 * (sent by Nexus, Artifactory and Maven Central) can stand in for the sidecar.
 */
async function byChecksumHeader<Doc>(deps: LocatorDeps, assetUrl: URL, algorithm: 'sha1' | 'sha256' | 'sha512' | 'md5', request: LocateRequest): Promise<Located<Doc> | undefined> {
  const head = await guardedRequest(deps.client, deps.breaker, assetUrl, { method: 'HEAD' });
  head.body.resume();
  if (head.status === 404 || head.status === 410) return undefined;
  const hex = head.headers[`x-checksum-${algorithm}`]?.trim().toLowerCase();
  if (head.status !== 200 || algorithm === 'md5' || hex === undefined || !/^[0-9a-f]+$/.test(hex)) {
    throw new LarderError('E_UPSTREAM_BAD_RESPONSE', `the upstream has ${request.assetName} but neither a .${algorithm} sidecar nor an X-Checksum-${algorithm === 'sha1' ? 'Sha1' : algorithm} header; larder never stores unverified bytes`, {
      operation: 'asset.sidecar',
      details: { url: assetUrl.href, status: head.status },
    });
  }
  return { location: { url: assetUrl, integrity: integrityFromHex(algorithm, hex) }, doc: undefined };
}

/** The digest from the asset's sidecar on the connection itself (Maven's `.sha1`). */
async function bySidecar<Doc>(deps: LocatorDeps, protocol: FormatProtocol<Doc>, upstreamBase: URL, request: LocateRequest): Promise<Located<Doc> | undefined> {
  const sidecar = protocol.digestSidecar?.(upstreamBase, request.pkg, request.version, request.assetName);
  if (sidecar === undefined) return undefined;
  if (deps.offline) throw offlineMiss(request);
  const response = await guardedRequest(deps.client, deps.breaker, sidecar.sidecarUrl);
  if (response.status === 404 || response.status === 410) {
    response.body.resume();
    return byChecksumHeader(deps, sidecar.assetUrl, sidecar.algorithm, request);
  }
  if (response.status !== 200) {
    response.body.resume();
    throw new LarderError('E_UPSTREAM_STATUS', `${sidecar.sidecarUrl.origin} answered ${response.status} for ${request.assetName}.${sidecar.algorithm}`, {
      operation: 'asset.sidecar',
      details: { url: sidecar.sidecarUrl.href, status: response.status },
    });
  }
  const hex = sidecar.parse(await readBodyText(response, MAX_SIDECAR_BYTES, 'asset.sidecar'));
  if (hex === undefined || sidecar.algorithm === 'md5') {
    throw new LarderError('E_UPSTREAM_BAD_RESPONSE', `the upstream's ${request.assetName}.${sidecar.algorithm} holds no usable digest; larder never stores unverified bytes`, {
      operation: 'asset.sidecar',
      details: { url: sidecar.sidecarUrl.href },
    });
  }
  return { location: { url: sidecar.assetUrl, integrity: integrityFromHex(sidecar.algorithm, hex) }, doc: undefined };
}
