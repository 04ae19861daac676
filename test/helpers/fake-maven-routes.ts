/**
 * Request routing for the fake Maven repository: maps a method and raw request target to a reply —
 * an artifact file, a maven-metadata.xml document, a checksum sidecar (served as stored, or
 * computed from the bytes), 404 / 400 / 405. Memory (the test's artifacts) is searched before the
 * `from` directory. Faults and validators are applied afterwards by fake-npm-respond.ts's `respond`.
 */
import type { Reply } from './fake-npm-respond.js';
import type { FakeMavenRepo, RepoEntry } from './fake-maven-repo.js';
import type { LocalRepoDir } from './fake-maven-local.js';
import { checksums, type ChecksumAlgorithm } from './maven-artifacts.js';

/** A reply plus headers `respond` does not set itself (Allow, X-Checksum-*). */
export interface MavenReply extends Reply {
  headers?: Record<string, string>;
}

export interface MavenRouting {
  repo: FakeMavenRepo;
  local: LocalRepoDir | undefined;
  /** Serve computed `.md5/.sha1/.sha256/.sha512` for every file and metadata document. */
  sidecars: boolean;
  /** Sidecar content `HEX  filename` (as `sha1sum` writes it) instead of bare `HEX`. */
  sidecarFilename: boolean;
  /** Send X-Checksum-Sha1 / X-Checksum-MD5 with files and metadata. */
  checksumHeaders: boolean;
}

export interface MavenRouteRequest {
  method: string;
  /** Raw request target, query included. */
  path: string;
  /** Serve bytes that do not match the sidecars and headers (the `wrong-digest` fault). */
  wrongDigest: boolean;
}

const SIDECAR = /\.(md5|sha1|sha256|sha512)$/;

function text(status: number, message: string, headers?: Record<string, string>): MavenReply {
  return { status, type: 'text/plain; charset=utf-8', body: Buffer.from(`${message}\n`), ...(headers === undefined ? {} : { headers }) };
}

const notFound = (): MavenReply => text(404, '404 Not Found');

function contentType(name: string): string {
  if (SIDECAR.test(name)) return 'text/plain';
  if (name.endsWith('.pom') || name.endsWith('.xml')) return 'text/xml';
  if (name.endsWith('.jar') || name.endsWith('.war')) return 'application/java-archive';
  if (name.endsWith('.module') || name.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

/** An artifact file, as opposed to a sidecar or metadata: the only paths `wrong-digest` applies to. */
export function isArtifactFilePath(path: string): boolean {
  const pathname = path.split('?')[0] ?? '';
  const name = pathname.slice(pathname.lastIndexOf('/') + 1);
  return name !== '' && !SIDECAR.test(name) && name !== 'maven-metadata.xml';
}

/** The decoded path segments, or a reply refusing the request. */
function segmentsOf(path: string): string[] | MavenReply {
  const pathname = path.split('?')[0] ?? '';
  if (!pathname.startsWith('/')) return text(400, '400 Bad Request: not an absolute path');
  const segments: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return text(400, '400 Bad Request: malformed percent-encoding'); // URIError: the client's fault
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return text(400, `400 Bad Request: bad path segment ${JSON.stringify(segment)}`);
    segments.push(segment);
  }
  return segments;
}

/** Still a valid file, but with other bytes: a zip gets an archive comment, text a trailing line. */
export function tamper(bytes: Buffer, name: string): Buffer {
  if (bytes.length >= 22 && bytes.readUInt32LE(0) === 0x04034b50) {
    for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
      if (bytes.readUInt32LE(at) !== 0x06054b50) continue;
      const comment = Buffer.from('tampered by the fake Maven repository');
      const end = Buffer.from(bytes.subarray(at, at + 22));
      end.writeUInt16LE(comment.length, 20);
      return Buffer.concat([bytes.subarray(0, at), end, comment]);
    }
  }
  return Buffer.concat([bytes, Buffer.from(name.endsWith('.pom') || name.endsWith('.xml') ? '<!-- tampered -->\n' : '\n')]);
}

/** Memory first, then the `from` directory. */
export async function findEntry(routing: MavenRouting, segments: readonly string[]): Promise<RepoEntry | undefined> {
  return routing.repo.lookup(segments.join('/')) ?? (await routing.local?.lookup(segments));
}

function sidecar(routing: MavenRouting, base: RepoEntry, algorithm: ChecksumAlgorithm, baseName: string): MavenReply {
  if (!routing.sidecars || (algorithm === 'sha1' && base.noSha1)) return notFound();
  const hex = checksums(base.bytes)[algorithm];
  const body = routing.sidecarFilename ? `${hex}  ${baseName}` : hex;
  return { status: 200, type: 'text/plain', body: Buffer.from(body), lastModified: base.modified };
}

export async function routeMavenRequest(routing: MavenRouting, request: MavenRouteRequest): Promise<MavenReply> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, '405 Method Not Allowed', { allow: 'GET, HEAD' });
  const segments = segmentsOf(request.path);
  if (!Array.isArray(segments)) return segments;
  const name = segments.at(-1) ?? '';
  if (name === '' || segments.includes('')) return notFound(); // no directory listings, no `//`

  const algorithm = SIDECAR.exec(name)?.[1] as ChecksumAlgorithm | undefined;
  if (algorithm !== undefined) {
    const baseName = name.slice(0, -(algorithm.length + 1));
    const baseSegments = [...segments.slice(0, -1), baseName];
    const inMemory = routing.repo.lookup(baseSegments.join('/'));
    if (inMemory !== undefined) return sidecar(routing, inMemory, algorithm, baseName);
    // A sidecar stored in the directory is served as it is, even if it disagrees with the bytes.
    const stored = await routing.local?.lookup(segments);
    if (stored !== undefined) return { status: 200, type: 'text/plain', body: stored.bytes, lastModified: stored.modified };
    const base = await routing.local?.lookup(baseSegments);
    return base === undefined ? notFound() : sidecar(routing, base, algorithm, baseName);
  }

  const entry = await findEntry(routing, segments);
  if (entry === undefined) return notFound();
  const headers: Record<string, string> = {};
  if (routing.checksumHeaders) {
    const sums = checksums(entry.bytes);
    if (!entry.noSha1) headers['x-checksum-sha1'] = sums.sha1;
    headers['x-checksum-md5'] = sums.md5;
  }
  const body = request.wrongDigest && entry.kind === 'file' ? tamper(entry.bytes, name) : entry.bytes;
  return { status: 200, type: contentType(name), body, lastModified: entry.modified, headers };
}
