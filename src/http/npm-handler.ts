/**
 * The npm registry protocol at `/npm/REPO/`: packuments (full and abbreviated), versions,
 * tarballs, ping, and pass-through of everything else under `/-/` to the external connection.
 */
import type { AssetService } from '../engine/asset-service.js';
import { chainFor, type ChainContext } from '../engine/chain.js';
import { viewMetadata, type MetadataViewDeps } from '../engine/metadata-view.js';
import { LarderError } from '../errors.js';
import { ABBREVIATED_MEDIA_TYPE, FULL_MEDIA_TYPE, packumentAudience, wantsAbbreviated } from '../formats/npm/accept.js';
import { classifyNpmPath } from '../formats/npm/names.js';
import { resolveSpec, type Packument } from '../formats/npm/packument.js';
import { npmProtocol } from '../formats/npm/protocol.js';
import type { UnionAudience } from '../formats/protocol.js';
import { rewriteForClient } from '../formats/npm/tarball-url.js';
import type { BlobStore } from '../store/types.js';
import type { Exchange } from './exchange.js';
import { handleNpmWrite, npmWriteRequest } from './npm-publish.js';
import type { PublishingDeps } from './writer-auth.js';
import type { FormatHandler } from './router.js';
import { bodyEtag, type PreparedResponse, type PreparedResponses } from './prepared-responses.js';
import { serveAsset } from './serve-asset.js';

export interface Passthrough {
  forward(exchange: Exchange, target: URL): Promise<void>;
}

export interface NpmHandlerDeps {
  metadata: MetadataViewDeps;
  assets: AssetService;
  chain: ChainContext;
  passthrough: Passthrough;
  offline: boolean;
  blobs: Pick<BlobStore, 'readRange'>;
  prepared: PreparedResponses;
  /** Absent: every write is refused (405). */
  publishing?: PublishingDeps;
}

export function createNpmHandler(deps: NpmHandlerDeps): FormatHandler {
  return async (exchange, repository, rest, query) => {
    const method = exchange.req.method ?? 'GET';
    const write = deps.publishing === undefined ? undefined : npmWriteRequest(method, rest, query);
    // `?write=true` on a repository that publishes nothing is an ordinary read.
    const reading = method === 'GET' || method === 'HEAD';
    if (write !== undefined && deps.publishing !== undefined && (write.kind === 'dist-tags' || !reading || deps.publishing.publisher.accepts(repository))) {
      return handleNpmWrite({ publishing: deps.publishing, metadata: deps.metadata }, exchange, repository, write);
    }
    const request = classifyNpmPath(rest);
    if (request.kind === 'passthrough') return forward(deps, exchange, repository, rest, query);
    if (method !== 'GET' && method !== 'HEAD') {
      throw new LarderError('E_METHOD_NOT_ALLOWED', `${method} is not supported on ${exchange.req.url}; larder serves GET and HEAD here`, { operation: 'npm.route' });
    }
    switch (request.kind) {
      case 'ping':
        exchange.sendJson(200, {});
        return;
      case 'packument': {
        exchange.facts.package = request.name;
        const abbreviated = wantsAbbreviated(exchange.req.headers.accept);
        const audience = packumentAudience(abbreviated, exchange.req.headers['npm-command']);
        await sendPackument(deps, exchange, repository, request.name, abbreviated, audience);
        return;
      }
      case 'version': {
        exchange.facts.package = request.name;
        // one version asked for by name: an exact request, so an Unlisted version answers too
        const { doc } = await packument(deps, exchange, repository, request.name, false, 'resolver');
        const version = resolveSpec(doc, request.spec);
        const manifest = version === undefined ? undefined : doc.versions[version];
        if (manifest === undefined) {
          throw new LarderError('E_NOT_FOUND', `${request.name} has no version matching "${request.spec}" in ${repository}`, { operation: 'npm.version' });
        }
        exchange.facts.version = version;
        sendPrepared(exchange, prepareDocument(manifest, FULL_MEDIA_TYPE));
        return;
      }
      case 'tarball':
        exchange.facts.package = request.name;
        exchange.facts.version = request.version;
        await serveAsset(exchange, await deps.assets.serve(npmProtocol, { repository, pkg: request.name, version: request.version, assetName: request.filename }), { blobs: deps.blobs });
        return;
    }
  };
}

async function packument(deps: NpmHandlerDeps, exchange: Exchange, repository: string, name: string, abbreviated: boolean, audience: UnionAudience): Promise<{ doc: Packument; freshUntil?: number }> {
  const view = await viewMetadata(deps.metadata, npmProtocol, repository, name, abbreviated ? 'abbreviated' : 'full', audience);
  exchange.setCache(view.outcome);
  const doc = rewriteForClient(view.doc, `${exchange.origin}/npm/${repository}/`);
  return view.freshUntil === undefined ? { doc } : { doc, freshUntil: view.freshUntil };
}

/**
 * A packument, from the prepared responses when its inputs have not changed since it was built
 * (see prepared-responses.ts). The key holds everything the bytes depend on: the repository, the
 * variant, the audience and the origin the tarball URLs point at.
 */
async function sendPackument(deps: NpmHandlerDeps, exchange: Exchange, repository: string, name: string, abbreviated: boolean, audience: UnionAudience): Promise<void> {
  const key = [repository, name, abbreviated ? 'abbreviated' : 'full', audience, exchange.origin].join('\u0000');
  const { ticket, ready } = deps.prepared.lookup(key, 'npm', name, deps.chain.repositories);
  if (ready !== undefined) {
    exchange.setCache('hit');
    sendPrepared(exchange, ready);
    return;
  }
  const { doc, freshUntil } = await packument(deps, exchange, repository, name, abbreviated, audience);
  const response = prepareDocument(doc, abbreviated ? ABBREVIATED_MEDIA_TYPE : FULL_MEDIA_TYPE);
  deps.prepared.keep(ticket, response, freshUntil);
  sendPrepared(exchange, response);
}

/**
 * JSON with a strong ETag of its own, so clients can revalidate against larder. It varies by
 * `npm-command` too: an installing command sees Unlisted versions that `npm view` does not.
 */
function prepareDocument(value: unknown, contentType: string): PreparedResponse {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return { body, etag: bodyEtag(body), contentType: `${contentType}; charset=utf-8`, headers: { vary: 'Accept, npm-command', 'cache-control': 'no-cache' } };
}

function sendPrepared(exchange: Exchange, response: PreparedResponse): void {
  const headers = { ...response.headers, etag: response.etag };
  if (exchange.sentNotModified(headers)) return;
  exchange.sendBytes(200, response.body, response.contentType, headers);
}

/**
 * Read-only endpoints (search, dist-tags, …) and the audit endpoints npm POSTs to. Anything
 * else — login, publish, token and user management — carries credentials or changes state,
 * and larder passes neither through.
 */
function mayPassThrough(method: string, rest: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && rest.startsWith('-/npm/v1/security/');
}

async function forward(deps: NpmHandlerDeps, exchange: Exchange, repository: string, rest: string, query: string): Promise<void> {
  exchange.setCache('bypass');
  const method = exchange.req.method ?? 'GET';
  if (!mayPassThrough(method, rest)) {
    throw new LarderError('E_METHOD_NOT_ALLOWED', `larder does not pass ${method} /${rest} through to the upstream registry: only searches, reads and audits are forwarded, never credentials or changes`, {
      operation: 'npm.passthrough',
    });
  }
  if (deps.offline) {
    throw new LarderError('E_OFFLINE', `larder is offline; /-/${rest.slice(2)} is only answered by the upstream registry`, { operation: 'npm.passthrough' });
  }
  const gateway = chainFor(deps.chain, repository, 'npm').find((stop) => stop.gateway);
  if (gateway === undefined) {
    throw new LarderError('E_NOT_FOUND', `${repository} has no npm external connection to pass /${rest} to`, { operation: 'npm.passthrough' });
  }
  const base = await deps.chain.connectionBase(gateway.repository);
  // `rest` was classified: a `-/…` path with no traversal, safe to place under the base.
  const target = new URL(base.href + rest + (query === '' ? '' : `?${query}`));
  await deps.passthrough.forward(exchange, target);
}
