/**
 * The Maven repository layout at `/maven/REPO/`: artifacts (release assets immutable, verified
 * against the upstream's .sha1), maven-metadata.xml merged with what the repository retains,
 * and the .md5/.sha1/.sha256/.sha512 sidecars of everything, computed from the bytes larder
 * serves. A release asset that is asked for brings its standard siblings in the background.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BackgroundTasks } from '../engine/background.js';
import { digestStream, digestText, type AssetDigests } from '../engine/asset-digests.js';
import type { AssetService, ServedAsset } from '../engine/asset-service.js';
import { viewMetadata, type MetadataViewDeps } from '../engine/metadata-view.js';
import { integrityToHex } from '../domain/integrity.js';
import { LarderError, isLarderError } from '../errors.js';
import { siblingAssetNames } from '../formats/maven/checksum.js';
import { parseMavenTimestamp, renderMavenMetadata } from '../formats/maven/metadata.js';
import { classifyMavenPath } from '../formats/maven/path.js';
import { mavenProtocol } from '../formats/maven/protocol.js';
import { isSnapshot } from '../formats/maven/version.js';
import type { BlobStore } from '../store/types.js';
import type { Exchange } from './exchange.js';
import { handleMavenPut } from './maven-deploy.js';
import type { PublishingDeps } from './writer-auth.js';
import type { FormatHandler } from './router.js';
import { serveAsset } from './serve-asset.js';

export interface MavenHandlerDeps {
  metadata: MetadataViewDeps;
  assets: AssetService;
  digests: AssetDigests;
  blobs: Pick<BlobStore, 'readRange'>;
  background: BackgroundTasks;
  log: Logger;
  /** Absent: every write is refused (405). */
  publishing?: PublishingDeps;
}

/** Repository-wide files some clients probe for (Maven 3.9's prefix file, archetype catalogs). */
const REPOSITORY_INDEX_FILES: ReadonlySet<string> = new Set(['.meta/prefixes.txt', 'archetype-catalog.xml']);

export function createMavenHandler(deps: MavenHandlerDeps): FormatHandler {
  const ingested = new Set<string>();
  return async (exchange, repository, rest) => {
    const method = exchange.req.method ?? 'GET';
    // mvn deploy (maven-deploy.ts); every other write is refused.
    if (method === 'PUT' && deps.publishing !== undefined) return handleMavenPut({ publishing: deps.publishing, digests: deps.digests }, exchange, repository, rest);
    if (method !== 'GET' && method !== 'HEAD') {
      throw new LarderError('E_METHOD_NOT_ALLOWED', `${method} is not supported on ${exchange.req.url}; this repository serves GET and HEAD`, { operation: 'maven.route' });
    }
    if (REPOSITORY_INDEX_FILES.has(rest)) {
      // Newer Maven asks mirrors for these; a 404 tells it to go without, a 400 would be noise.
      throw new LarderError('E_NOT_FOUND', `larder does not serve /${rest}`, { operation: 'maven.route' });
    }
    const request = classifyMavenPath(rest);
    exchange.facts.package = request.pkg;
    if (request.kind === 'metadata') {
      const view = await viewMetadata(deps.metadata, mavenProtocol, repository, request.pkg, request.variant);
      exchange.setCache(view.outcome);
      const xml = renderMavenMetadata(view.doc);
      const digests = digestText(xml);
      if (request.checksum) return sendChecksum(exchange, digests[request.checksum]);
      const headers: Record<string, string> = { 'cache-control': 'no-cache', etag: `"${digests.sha1}"` };
      const updated = parseMavenTimestamp(view.doc.versioning?.lastUpdated);
      if (updated !== undefined) headers['last-modified'] = new Date(updated).toUTCString();
      if (exchange.sentNotModified(headers)) return;
      exchange.sendText(200, xml, 'application/xml; charset=utf-8', headers);
      return;
    }
    exchange.facts.version = request.version;
    const served = await deps.assets.serve(mavenProtocol, { repository, pkg: request.pkg, version: request.version, assetName: request.filename });
    if (!isSnapshot(request.version) && served.outcome === 'miss') ingestSiblings(deps, ingested, repository, request);
    if (request.checksum) {
      exchange.setCache(served.outcome);
      const digests = deps.digests.known(served.integrity) ?? deps.digests.remember(served.integrity, await digestStream(served.body));
      served.body.destroy();
      return sendChecksum(exchange, digests[request.checksum]);
    }
    const headers = await checksumHeaders(deps, served).catch((error: unknown) => {
      served.body.destroy();
      throw error;
    });
    await serveAsset(exchange, served, { blobs: deps.blobs, headers });
  };
}

/** X-Checksum-* headers: sha1 is the verified digest itself; md5 once larder has hashed the blob. */
async function checksumHeaders(deps: MavenHandlerDeps, served: ServedAsset): Promise<Record<string, string>> {
  const digests = deps.digests.known(served.integrity) ?? (served.outcome === 'hit' ? await deps.digests.ofStored(served.integrity) : undefined);
  const headers: Record<string, string> = {};
  const verified = integrityToHex(served.integrity);
  if (verified.algorithm === 'sha1') headers['x-checksum-sha1'] = verified.hex;
  if (digests) {
    headers['x-checksum-sha1'] = digests.sha1;
    headers['x-checksum-md5'] = digests.md5;
  }
  return headers;
}

function sendChecksum(exchange: Exchange, hex: string): void {
  exchange.sendText(200, hex, 'text/plain; charset=utf-8');
}

/**
 * Waiting a moment before ingesting lets the client's own next requests (the jar after the pom)
 * lead their fills: a request that joins a fill in flight waits for the whole file within the
 * ingestion deadline, while the one that started it streams from the first bytes.
 */
const INGEST_DELAY_MS = 500;
const MAX_INGESTED_KEYS = 10_000;

/**
 * Maven ingestion: the first request for any asset of a release version fetches the version's
 * other standard-named assets in the background (dependencies wait until a client asks). A
 * version whose ingestion failed for another reason than "not there" is tried again later.
 */
function ingestSiblings(deps: MavenHandlerDeps, ingested: Set<string>, repository: string, request: { pkg: string; artifactId: string; version: string; filename: string }): void {
  const key = [repository, request.pkg, request.version].join('\u0000');
  if (ingested.has(key)) return;
  if (ingested.size >= MAX_INGESTED_KEYS) ingested.clear();
  ingested.add(key);
  const siblings = siblingAssetNames(request.artifactId, request.version).filter((name) => name !== request.filename);
  deps.background.run(async () => {
    await sleep(INGEST_DELAY_MS);
    for (const assetName of siblings) {
      try {
        const sibling = await deps.assets.serve(mavenProtocol, { repository, pkg: request.pkg, version: request.version, assetName });
        // Reading it to the end lets the fill land; a stored one needs no reading.
        if (sibling.outcome === 'hit') sibling.body.destroy();
        else deps.digests.remember(sibling.integrity, await digestStream(sibling.body));
      } catch (error) {
        // Optional assets (sources, javadoc, .module) are often absent: that is not a problem.
        if (!isLarderError(error, 'E_NOT_FOUND')) ingested.delete(key);
        deps.log.debug({ pkg: request.pkg, version: request.version, assetName, err: error instanceof Error ? error.message : String(error) }, 'sibling not ingested');
      }
    }
  });
}

