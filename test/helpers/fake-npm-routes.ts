/**
 * Request routing for the fake npm registry: maps a method and raw request target to a Reply
 * (packument, manifest, tarball, ping, search, audit, 404/405/400). Faults and validators are
 * applied later by fake-npm-respond.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeNpmPackages, TarballUrl } from './fake-npm-packages.js';
import type { Reply } from './fake-npm-respond.js';
import { searchResults } from './fake-npm-search.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

/** What routing needs from the registry. */
export interface Routing {
  packages: FakeNpmPackages;
  tarballUrl: TarballUrl;
  ignoreAbbreviatedAccept: boolean;
}

export interface RouteRequest {
  method: string;
  /** Raw request target, query included. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Serve the impostor bytes for a tarball (the `wrong-digest` fault). */
  wrongDigest: boolean;
}

function reply(status: number, value: unknown): Reply {
  return { status, type: 'application/json', body: Buffer.from(JSON.stringify(value)), compressible: true };
}

const notFound = (): Reply => reply(404, { error: 'Not found' });
const notAllowed = (): Reply => reply(405, { error: 'Method not allowed' });

/** `/left-pad`, `/@acme%2futil`, `/@acme%2Futil`, `/%40acme/util/-/util-1.0.0.tgz` → name and the rest. */
function splitPackagePath(pathname: string): { name: string; rest: string[] } | undefined {
  let segments: string[];
  try {
    segments = pathname.slice(1).replace(/%2f/gi, '/').split('/').map(decodeURIComponent);
  } catch {
    return undefined; // a malformed escape (URIError) is the client's fault: the caller answers 400
  }
  const scoped = segments[0]?.startsWith('@') === true;
  const name = scoped ? `${segments[0]}/${segments[1] ?? ''}` : (segments[0] ?? '');
  return { name, rest: segments.slice(scoped ? 2 : 1) };
}

export async function routeRequest(routing: Routing, request: RouteRequest): Promise<Reply> {
  const { packages, tarballUrl } = routing;
  const query = request.path.indexOf('?');
  const pathname = query === -1 ? request.path : request.path.slice(0, query);
  if (pathname === '/-/npm/v1/security/advisories/bulk') {
    return request.method === 'POST' ? reply(200, {}) : notAllowed();
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return notAllowed();
  if (pathname === '/-/ping') return reply(200, {});
  if (pathname === '/-/v1/search') {
    return reply(200, searchResults(packages, new URLSearchParams(query === -1 ? '' : request.path.slice(query + 1))));
  }
  if (pathname.startsWith('/-/')) return notFound();

  const split = splitPackagePath(pathname);
  if (split === undefined) return reply(400, { error: 'Malformed percent-encoding in the request path' });
  const { name, rest } = split;

  if (rest.length === 0) {
    const abbreviated = !routing.ignoreAbbreviatedAccept && (request.headers.accept ?? '').includes(ABBREVIATED);
    const doc = abbreviated ? await packages.abbreviated(name, tarballUrl) : await packages.full(name, tarballUrl);
    if (doc === undefined) return notFound();
    return { ...reply(200, doc), type: abbreviated ? ABBREVIATED : 'application/json', lastModified: packages.lastModified(name), vary: true };
  }
  if (rest.length === 1) {
    const manifest = await packages.manifest(name, rest[0] ?? '', tarballUrl);
    return manifest === undefined ? notFound() : reply(200, manifest);
  }
  const file = rest[1] ?? '';
  const stem = `${name.slice(name.indexOf('/') + 1)}-`;
  if (rest.length !== 2 || rest[0] !== '-' || !file.startsWith(stem) || !file.endsWith('.tgz')) return notFound();
  const version = file.slice(stem.length, -'.tgz'.length);
  const info = await packages.tarball(name, version);
  if (info === undefined) return notFound();
  const bytes = request.wrongDigest ? await packages.impostorTarball(name, version) : info.bytes;
  return { status: 200, type: 'application/octet-stream', body: bytes ?? info.bytes, lastModified: packages.lastModified(name) };
}
