/**
 * npm's writes to `/npm/REPO/` (issue 9 §1): `npm publish`, `npm unpublish`, `npm deprecate`,
 * `npm dist-tag`, and the `?write=true` read npm makes before changing a package. Every write
 * needs a token (writer-auth.ts) and a repository with `publish: true`; a publish passes the
 * guard (engine/publishing/guard.ts) before its tarball is stored.
 */
import { Readable } from 'node:stream';
import type { RetainedVersion } from '../domain/types.js';
import { viewMetadata, type MetadataViewDeps } from '../engine/metadata-view.js';
import { LarderError } from '../errors.js';
import { tarballFilename } from '../formats/npm/names.js';
import { isJsonObject } from '../formats/npm/packument.js';
import { npmProtocol } from '../formats/npm/protocol.js';
import { parseNpmWriteBody, type NpmDocumentChange, type NpmPublish } from '../formats/npm/publish-doc.js';
import { rewriteForClient } from '../formats/npm/tarball-url.js';
import { classifyNpmWritePath, type NpmWriteRequest } from '../formats/npm/write-paths.js';
import { highestVersion } from '../formats/npm/merge.js';
import type { Exchange } from './exchange.js';
import { readJsonBody } from './json-body.js';
import { admitWriter, type PublishingDeps } from './writer-auth.js';

/** A publish body carries the tarball in base64: a third more than the tarball itself. */
const MAX_PUBLISH_BODY_BYTES = 256 * 1024 * 1024;
const OPERATION = 'npm.publish';

export interface NpmWriteDeps {
  publishing: PublishingDeps;
  metadata: MetadataViewDeps;
}

/** The write request `rest` names, or undefined when it is none (the caller answers 405). */
export function npmWriteRequest(method: string, rest: string, query: string): NpmWriteRequest | undefined {
  const reading = method === 'GET' || method === 'HEAD';
  // The hot path: reads of packuments and tarballs are no writes; classify them once, later.
  if (reading && !rest.startsWith('-/package/') && !query.includes('write=true')) return undefined;
  const request = classifyNpmWritePath(rest);
  if (request === undefined) return undefined;
  if (request.kind === 'dist-tags') return request;
  if (reading) return request.kind === 'package' && new URLSearchParams(query).get('write') === 'true' ? request : undefined;
  return request;
}

export async function handleNpmWrite(deps: NpmWriteDeps, exchange: Exchange, repository: string, request: NpmWriteRequest): Promise<void> {
  const method = exchange.req.method ?? 'GET';
  exchange.facts.package = request.name;
  if (request.kind === 'dist-tags' && (method === 'GET' || method === 'HEAD')) return sendTags(deps, exchange, repository, request.name);
  const { publisher } = deps.publishing;
  const user = admitWriter(deps.publishing, exchange, repository, `${method} is a publish`);
  if (request.kind === 'dist-tags') return changeTag(deps, exchange, repository, request.name, request.tag, method);
  if (request.kind === 'tarball') {
    // npm deletes the tarball after the PUT that dropped its version: nothing is left to do
    // (`larder gc` reclaims bytes no repository holds any more).
    if (method !== 'DELETE') throw notAllowed(method);
    exchange.sendJson(200, { ok: true });
    return;
  }
  switch (method) {
    case 'GET':
    case 'HEAD':
      return sendWriteView(deps, exchange, repository, request.name);
    case 'PUT': {
      const body = await readJsonBody(exchange.req, 'http.npm-publish', MAX_PUBLISH_BODY_BYTES);
      const parsed = parseNpmWriteBody(body, request.name, publisher.now());
      if (parsed.kind === 'publish') return publish(deps, exchange, repository, request.name, parsed, user);
      return changeDocument(deps, exchange, repository, request.name, parsed);
    }
    case 'DELETE':
      await publisher.update(repository, 'npm', request.name, (record) => ({ versions: notPublished(record.versions), distTags: {} }));
      exchange.sendJson(200, { ok: true, id: request.name });
      return;
    default:
      throw notAllowed(method);
  }
}

function notAllowed(method: string): LarderError {
  return new LarderError('E_METHOD_NOT_ALLOWED', `${method} is not an npm registry write larder takes here`, { operation: OPERATION });
}

async function publish(deps: NpmWriteDeps, exchange: Exchange, repository: string, name: string, parsed: NpmPublish, user: string): Promise<void> {
  const { publisher } = deps.publishing;
  exchange.facts.version = parsed.version;
  await publisher.admit(npmProtocol, { repository, pkg: name, version: parsed.version, assetNames: [parsed.tarball.filename] });
  const what = `the tarball of ${name}@${parsed.version}`;
  const blob = await publisher.store(Readable.from([parsed.tarball.bytes]), { integrity: parsed.tarball.integrity, size: parsed.tarball.bytes.length }, what);
  await publisher.record(
    {
      repository,
      format: 'npm',
      pkg: name,
      version: parsed.version,
      assets: [{ name: tarballFilename(name, parsed.version), integrity: blob.integrity, size: blob.size, contentType: 'application/octet-stream' }],
      manifest: parsed.manifest,
      user,
    },
    (current) => {
      const tags = { ...current };
      for (const tag of parsed.tags) tags[tag] = parsed.version;
      // npm expects every package to have `latest`: the first publish sets it whatever its tag.
      tags.latest ??= parsed.version;
      return tags;
    },
  );
  exchange.sendJson(201, { ok: true, id: name, rev: parsed.version });
}

/** Versions this repository holds that it did not publish (only published ones can be unpublished here). */
function notPublished(versions: Record<string, RetainedVersion>): Record<string, RetainedVersion> {
  return Object.fromEntries(Object.entries(versions).filter(([, version]) => version.origin.published !== true));
}

/**
 * The package document npm sent back: versions published here that it left out are unpublished,
 * and `deprecated` notices are taken from it. Versions not published here are never touched.
 */
async function changeDocument(deps: NpmWriteDeps, exchange: Exchange, repository: string, name: string, change: NpmDocumentChange): Promise<void> {
  await deps.publishing.publisher.update(repository, 'npm', name, (record) => {
    const versions: Record<string, RetainedVersion> = {};
    for (const [number, held] of Object.entries(record.versions)) {
      if (held.origin.published !== true) versions[number] = held;
      else if (Object.hasOwn(change.versions, number)) versions[number] = withDeprecation(held, change.versions[number]?.deprecated);
    }
    for (const number of Object.keys(change.versions)) {
      if (!Object.hasOwn(record.versions, number)) {
        throw new LarderError('E_BAD_REQUEST', `${name}@${number} is not published in ${repository}; publish it with its tarball (npm publish)`, { operation: OPERATION });
      }
    }
    const distTags = Object.fromEntries(Object.entries(change.distTags).filter(([, version]) => versions[version]?.origin.published === true));
    const latest = highestVersion(Object.values(versions).filter((held) => held.origin.published === true).map((held) => held.version));
    if (distTags.latest === undefined && latest !== undefined) distTags.latest = latest;
    return { versions, distTags };
  });
  exchange.sendJson(200, { ok: true, id: name });
}

function withDeprecation(held: RetainedVersion, notice: unknown): RetainedVersion {
  if (!isJsonObject(held.manifest)) return held;
  const current = held.manifest.deprecated;
  const wanted = typeof notice === 'string' && notice !== '' ? notice : undefined;
  if (current === wanted) return held;
  const manifest: Record<string, unknown> = { ...held.manifest };
  if (wanted === undefined) delete manifest.deprecated;
  else manifest.deprecated = wanted;
  return { ...held, manifest };
}

async function changeTag(deps: NpmWriteDeps, exchange: Exchange, repository: string, name: string, tag: string | undefined, method: string): Promise<void> {
  if (tag === undefined || (method !== 'PUT' && method !== 'DELETE')) throw notAllowed(method);
  let version: string | undefined;
  if (method === 'PUT') {
    const text = await readTagBody(exchange);
    version = text;
  } else if (tag === 'latest') {
    throw new LarderError('E_BAD_REQUEST', 'the latest tag cannot be removed; point it at another version instead', { operation: OPERATION });
  }
  await deps.publishing.publisher.update(repository, 'npm', name, (record) => {
    if (version !== undefined && record.versions[version]?.origin.published !== true) {
      throw new LarderError('E_BAD_REQUEST', `${name}@${version} is not published in ${repository}, so no tag can point at it there`, { operation: OPERATION });
    }
    const distTags = { ...record.published.distTags };
    if (version === undefined) delete distTags[tag];
    else distTags[tag] = version;
    return { versions: record.versions, distTags };
  });
  exchange.sendJson(200, { ok: true });
}

/** npm sends the version as a JSON string (`"1.2.3"`). */
async function readTagBody(exchange: Exchange): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of exchange.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024) throw new LarderError('E_BAD_REQUEST', 'a dist-tag body is one version string', { operation: OPERATION });
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new LarderError('E_BAD_REQUEST', 'a dist-tag body is a JSON string such as "1.2.3"', { operation: OPERATION, cause: error });
  }
  if (typeof value !== 'string') throw new LarderError('E_BAD_REQUEST', 'a dist-tag body is a JSON string such as "1.2.3"', { operation: OPERATION });
  return value;
}

/** `npm dist-tag ls`: the tags a client of this repository sees. */
async function sendTags(deps: NpmWriteDeps, exchange: Exchange, repository: string, name: string): Promise<void> {
  const view = await viewMetadata(deps.metadata, npmProtocol, repository, name, 'abbreviated', 'browser');
  exchange.sendJson(200, view.doc['dist-tags'], { 'cache-control': 'no-cache' });
}

/** What npm reads before it changes a package: only what this repository published, with a `_rev`. */
async function sendWriteView(deps: NpmWriteDeps, exchange: Exchange, repository: string, name: string): Promise<void> {
  const record = await deps.publishing.publisher.published(repository, 'npm', name);
  const mine = Object.values(record?.versions ?? {}).filter((version) => version.origin.published === true);
  const doc = record === undefined ? undefined : npmProtocol.union([npmProtocol.publishedDocument?.(name, record.published, mine, 'full') ?? { name, 'dist-tags': {}, versions: {} }], name, mine, 'full', 'browser');
  if (record === undefined || doc === undefined) {
    throw new LarderError('E_NOT_FOUND', `${name} is not published in ${repository}`, { operation: OPERATION });
  }
  const client = rewriteForClient(doc, `${exchange.origin}/npm/${repository}/`);
  exchange.sendJson(200, { ...client, _id: name, _rev: `1-${record.published.modified.replace(/[^0-9]/g, '')}` }, { 'cache-control': 'no-store' });
}
