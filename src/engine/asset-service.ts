/**
 * Serving one asset of one package version through repository R (DESIGN.md §1): the first
 * repository in search order that retains it serves it; else the first gateway whose external
 * connection has it fetches it, verified, into the store; the version is then retained in R and
 * in that gateway. Concurrent requests for the same asset share one upstream fetch.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { RepositoryConfig } from '../config/types.js';
import { retentionTargets } from '../domain/repository-graph.js';
import { assetRevision } from '../domain/retention.js';
import type { Format, RetainedVersion, VersionStatus } from '../domain/types.js';
import { LarderError, asLarderError } from '../errors.js';
import type { FormatProtocol } from '../formats/protocol.js';
import type { BlobStore, StoredBlob } from '../store/types.js';
import type { UpstreamClient } from '../upstream/types.js';
import type { AssetFill, AssetFiller } from './asset-fill.js';
import { isOriginFailure, type OriginBreaker } from './breaker.js';
import { locateAsset, offlineMiss } from './asset-locator.js';
import { unavailable, type ChainContext } from './chain.js';
import { withinDeadline } from './deadline.js';
import { ingestionInProgress, type MetadataCache } from './metadata-cache.js';
import { blockedNote, packageChain } from './package-chain.js';
import type { CacheOutcome, NotFoundStore, Retention } from './ports.js';
import type { IngestedVersion } from './prefetcher.js';

export interface AssetRequest {
  repository: string;
  pkg: string;
  version: string;
  assetName: string;
}

export interface ServedAsset {
  outcome: CacheOutcome;
  size: number | undefined;
  integrity: string;
  contentType: string;
  /** When larder first stored it (now, for a fetch in progress). */
  lastModified: Date;
  body: Readable;
  /** The whole asset when the store holds it in memory (then `body` may be destroyed unread). */
  bytes?: Buffer;
}

export interface AssetServiceDeps {
  chain: ChainContext;
  cache: MetadataCache;
  retention: Retention;
  notFound: NotFoundStore;
  blobs: BlobStore;
  filler: AssetFiller;
  client: UpstreamClient;
  breaker: OriginBreaker;
  offline: boolean;
  log: Logger;
  now?: () => number;
  /** How long a digest mismatch is answered from memory before trying the upstream again. */
  mismatchMemoryMs?: number;
  /** Told after a version came in through an external connection and was retained (prefetch). */
  onIngested?<Doc>(protocol: FormatProtocol<Doc>, version: IngestedVersion): void;
}

const INSTALLABLE: ReadonlySet<VersionStatus> = new Set(['Published', 'Unlisted']);

export class AssetService {
  readonly #deps: AssetServiceDeps;
  readonly #now: () => number;
  readonly #fills = new Map<string, AssetFill>();
  /** Retention writes still running after their fill committed. */
  readonly #retaining = new Set<Promise<void>>();
  /** Recent digest mismatches, so a client's retry gets the 502 at once. */
  readonly #mismatches = new Map<string, { error: LarderError; until: number }>();

  constructor(deps: AssetServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  async serve<Doc>(protocol: FormatProtocol<Doc>, request: AssetRequest): Promise<ServedAsset> {
    const { stops, upstreamBlocked } = await packageChain(this.#deps.chain, this.#deps.retention, request.repository, protocol.format, request.pkg);
    const failures: LarderError[] = [];
    const mutable = protocol.isMutableAsset?.(request.version, request.assetName) ?? false;
    let lostIn: string | undefined;
    for (const { repository, gateway, record } of stops) {
      const retained = mutable || record === undefined || !Object.hasOwn(record.versions, request.version) ? undefined : record.versions[request.version];
      if (retained) {
        const served = await this.#serveRetained(retained, repository.name, request);
        if (served) return served;
        // Retained with this asset, yet no bytes: its blob was evicted (corrupt) or removed.
        if (retained.assets.some((asset) => asset.name === request.assetName)) lostIn ??= repository.name;
      }
      if (!gateway) continue;
      // Formats located through metadata remember "not found" there; sidecar formats here.
      const remembersMisses = protocol.digestSidecar !== undefined;
      const coordinates = [repository.name, protocol.format, request.pkg, request.version, request.assetName] as const;
      const until = remembersMisses ? await this.#deps.notFound.until(...coordinates) : undefined;
      const remembered = until === undefined ? undefined : until > this.#now() ? 'fresh' : 'expired';
      if (remembered === 'fresh') continue;
      try {
        const fetched = await this.#fetchThrough(protocol, repository, request);
        if (fetched) return fetched;
        if (remembersMisses) await this.#deps.notFound.remember(...coordinates, this.#now() + repository.notFoundTtlMs);
      } catch (error) {
        const failure = asLarderError(error);
        if (failure.code === 'E_INGESTION_IN_PROGRESS' || failure.code === 'E_INTEGRITY_MISMATCH') throw failure;
        if (remembered === 'expired' && isUpstreamTrouble(failure)) continue; // still not found there
        failures.push(failure);
      }
    }
    const searched = stops.map((stop) => stop.repository.name);
    throw unavailable(`${request.pkg}@${request.version} (${request.assetName})${blockedNote(upstreamBlocked)}`, searched, failures, lostIn);
  }

  async #serveRetained(retained: RetainedVersion, holder: string, request: AssetRequest): Promise<ServedAsset | undefined> {
    if (!INSTALLABLE.has(retained.status)) {
      throw new LarderError('E_NOT_FOUND', `${request.pkg}@${request.version} is ${retained.status} in ${holder} and cannot be installed`, {
        operation: 'asset.retained',
        details: { status: retained.status, repository: holder },
      });
    }
    const asset = retained.assets.find((candidate) => candidate.name === request.assetName);
    if (asset === undefined) return undefined;
    const blob = await this.#deps.blobs.read(asset.integrity);
    if (blob === null) {
      this.#deps.log.warn({ pkg: request.pkg, version: request.version, repository: holder }, 'retained asset is missing from the blob store; fetching it again');
      return undefined;
    }
    if (holder !== request.repository) await this.#retainQuietly(request.repository, { ...retained, retainedAt: new Date(this.#now()).toISOString() });
    const served: ServedAsset = { outcome: 'hit', size: blob.size, integrity: asset.integrity, contentType: asset.contentType ?? 'application/octet-stream', lastModified: new Date(retained.retainedAt), body: blob.stream };
    return blob.bytes === undefined ? served : { ...served, bytes: blob.bytes };
  }

  async #fetchThrough<Doc>(protocol: FormatProtocol<Doc>, gateway: RepositoryConfig, request: AssetRequest): Promise<ServedAsset | undefined> {
    const deadlineAt = this.#now() + gateway.ingestionDeadlineMs;
    const upstreamBase = await this.#deps.chain.connectionBase(gateway);
    const located = await locateAsset(this.#deps, protocol, gateway, upstreamBase, request);
    if (located === undefined) return undefined; // this connection does not have that file
    const { location, doc } = located;
    const remembered = this.#mismatches.get(location.integrity);
    if (remembered && remembered.until > this.#now()) throw remembered.error;
    if (remembered) this.#mismatches.delete(location.integrity);
    const contentType = protocol.assetContentType(request.assetName);
    const retain = (blob: StoredBlob): Promise<void> => this.#retain(protocol, doc, gateway, request, blob, contentType);

    const mutable = protocol.isMutableAsset?.(request.version, request.assetName) ?? false;
    const stored = await this.#deps.blobs.read(location.integrity);
    if (stored) {
      if (!mutable) await retain({ integrity: location.integrity, size: stored.size });
      return { outcome: 'hit', size: stored.size, integrity: location.integrity, contentType, lastModified: new Date(this.#now()), body: stored.stream };
    }
    if (this.#deps.offline) throw offlineMiss(request);

    const existing = this.#fills.get(location.integrity);
    const fill = existing ?? this.#startFill(location, request);
    const retained = fill.committed.then((blob) => (mutable ? undefined : retain(blob)));
    this.#retaining.add(retained);
    if (!existing && !mutable && doc !== undefined) {
      const ingested = { repository: request.repository, pkg: request.pkg, version: request.version, manifest: protocol.versionManifest(doc, request.version) };
      // A fill that fails is logged where it fails (#startFill); nothing to prefetch then.
      retained.then(() => this.#deps.onIngested?.(protocol, ingested), () => undefined);
    }
    retained.then(
      () => this.#retaining.delete(retained),
      (error: unknown) => {
        this.#retaining.delete(retained);
        this.#deps.log.debug({ err: asLarderError(error).message }, 'fill not retained');
      },
    );
    const remaining = Math.max(0, deadlineAt - this.#now());

    if (existing) {
      // A follower: wait for the leader's fill, then serve from the store.
      const settled = await withinDeadline(retained, remaining);
      if (!settled.done) throw ingestionInProgress(gateway.name, request.pkg);
      const blob = await this.#deps.blobs.read(location.integrity);
      if (blob === null) throw new LarderError('E_STORE', `${request.pkg}@${request.version} was fetched but is not in the store`, { operation: 'asset.follow' });
      return { outcome: 'miss', size: blob.size, integrity: location.integrity, contentType, lastModified: new Date(this.#now()), body: blob.stream };
    }
    const started = await withinDeadline(fill.ready, remaining);
    if (!started.done) {
      // Past the deadline: answer now, let the fill land in the store for the client's retry.
      fill.ready.then((start) => start.body.destroy(), () => undefined);
      throw ingestionInProgress(gateway.name, request.pkg);
    }
    return { outcome: 'miss', size: started.value.size, integrity: location.integrity, contentType, lastModified: new Date(this.#now()), body: started.value.body };
  }

  #startFill(location: { url: URL; integrity: string; size?: number }, request: AssetRequest): AssetFill {
    const fill = this.#deps.filler.start(location, { package: request.pkg, version: request.version });
    this.#fills.set(location.integrity, fill);
    fill.committed.then(
      () => this.#fills.delete(location.integrity),
      (error: unknown) => {
        this.#fills.delete(location.integrity);
        const failure = asLarderError(error);
        if (failure.code === 'E_INTEGRITY_MISMATCH') this.#rememberMismatch(location.integrity, failure);
        this.#deps.log.warn({ pkg: request.pkg, version: request.version, err: failure.message }, 'asset fetch failed; nothing retained');
      },
    );
    return fill;
  }

  async #retain<Doc>(protocol: FormatProtocol<Doc>, doc: Doc | undefined, gateway: RepositoryConfig, request: AssetRequest, blob: StoredBlob, contentType: string): Promise<void> {
    const listing = doc === undefined ? undefined : protocol.assetListing(doc, request.version, request.assetName);
    const asset = { name: request.assetName, integrity: blob.integrity, size: blob.size, contentType, ...(listing === undefined ? {} : { listing }) };
    const version: RetainedVersion = {
      format: protocol.format,
      package: request.pkg,
      version: request.version,
      status: 'Published',
      revision: assetRevision([asset]),
      assets: [asset],
      manifest: doc === undefined ? {} : protocol.versionManifest(doc, request.version),
      origin: { repository: gateway.name, connection: gateway.external?.name },
      retainedAt: new Date(this.#now()).toISOString(),
    };
    for (const target of retentionTargets(request.repository, { repository: gateway.name, viaExternal: true })) {
      await this.#retainQuietly(target, version);
    }
  }

  /**
   * Recording retention never fails a response: the bytes are in the store either way, and the
   * next request through this repository records it again.
   */
  async #retainQuietly(repository: string, version: RetainedVersion): Promise<void> {
    // A fill that outlived its repository (deleted by a reload meanwhile) must not bring it back.
    if (!this.#deps.chain.repositories.has(repository)) return;
    try {
      await this.#deps.retention.retain(repository, version);
    } catch (error) {
      this.#deps.log.warn({ repository, pkg: version.package, version: version.version, err: asLarderError(error).message }, 'could not record retention; the bytes are stored and the next request records it');
    }
  }

  #rememberMismatch(integrity: string, error: LarderError): void {
    const now = this.#now();
    // Bounded: expired entries go whenever a new one comes.
    for (const [key, value] of this.#mismatches) if (value.until <= now) this.#mismatches.delete(key);
    this.#mismatches.set(integrity, { error, until: now + (this.#deps.mismatchMemoryMs ?? 60_000) });
  }

  /** The package's metadata changed upstream: files it said were missing may be there now. */
  async forgetNotFound(repository: string, format: Format, pkg: string): Promise<void> {
    await this.#deps.notFound.forgetPackage(repository, format, pkg);
  }

  /** Waits for fills in flight (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#fills.values()].map((fill) => fill.committed));
    await Promise.allSettled([...this.#retaining]);
  }
}


/**
 * The connection could not answer properly (down, cooling down, 5xx, garbage): a remembered
 * "not found" then stands — Maven tolerates a 404 for an optional file, a 5xx fails the build.
 */
function isUpstreamTrouble(failure: LarderError): boolean {
  if (isOriginFailure(failure) || failure.code === 'E_UPSTREAM_COOLDOWN' || failure.code === 'E_UPSTREAM_BAD_RESPONSE') return true;
  return failure.code === 'E_UPSTREAM_STATUS' && (Number(failure.details.status) >= 500 || failure.details.status === 429);
}
