/**
 * A fake npm registry for tests: a real node:http server on 127.0.0.1 (port 0 by default) that
 * serves the packages a test defines in the registry's real formats, counts every request, and
 * misbehaves on demand. It is the independent reference for larder's npm support, so it imports
 * nothing from src/.
 *
 *   const registry = await startFakeNpmRegistry({ packages: [
 *     { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {} } },
 *     { name: '@acme/util', versions: { '2.0.0': { dependencies: { 'left-pad': '^1.0.0' } } } },
 *   ] });
 *   t.teardown(() => registry.stop());
 *
 * Routes (GET and HEAD unless noted):
 *   /NAME, /@scope%2fname, /@scope%2Fname, /@scope/name  packument: full JSON, or abbreviated when
 *                                        Accept names application/vnd.npm.install-v1+json
 *   /NAME/VERSION, /NAME/TAG             one version's manifest
 *   /NAME/-/NAME-VER.tgz, /@scope/name/-/name-VER.tgz   a real gzipped tar (package/package.json,
 *                                        package/index.js) whose sha512/sha1 match the packument
 *   /-/ping → {}   /-/v1/search?text=… → search results   POST /-/npm/v1/security/advisories/bulk → {}
 * Packuments and tarballs carry a strong ETag (digest of the bytes sent) and Last-Modified, and
 * answer 304 to a matching If-None-Match (checked first) or If-Modified-Since. Unknown names and
 * versions are 404 `{"error":"Not found"}`; a bad percent-escape is 400; other methods 405.
 * Note: npm 11 asks for FULL packuments (Accept: application/json); pnpm/yarn and older npm ask
 * for the abbreviated form. With `gzip: true`, JSON goes out Content-Encoding: gzip when the client
 * accepts it, as the real registry's CDN does (undici `request` does not decode it for you).
 *
 * Members of the returned FakeNpmRegistry:
 *   url              'http://127.0.0.1:PORT/' (trailing slash); port; listening
 *   requests         every request in arrival order: { method, path, headers, at, fault?, status? }
 *   count(filter?)   how many requests; filter = path prefix string or predicate
 *   clearRequests()
 *   fault            set to a FakeFault to misbehave, undefined to behave (see FakeFault)
 *   addPackage / removePackage / addVersion / removeVersion / setDistTag   mutate upstream state;
 *                    each bumps time.modified (and so ETag and Last-Modified) by at least a second
 *   tarball(name, version)   the exact bytes and dist facts served, for assertions
 *   document(name, { abbreviated? })   the packument as it would be served now
 *   stop()           closes the listener and every socket: connections are refused afterwards
 *   start()          listens again on the same port
 * Always stop() in teardown: a `hang` fault otherwise holds a socket open and the test never ends.
 *
 * Split: fake-npm-packages.ts (state and documents), fake-npm-routes.ts (paths → replies),
 * fake-npm-respond.ts (validators, 304, body faults), tarball.ts (ustar + gzip).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeNpmPackages, tarballPath, type FakePackageSpec, type FakeVersionSpec, type TarballInfo } from './fake-npm-packages.js';
import { respond } from './fake-npm-respond.js';
import { routeRequest, type Routing } from './fake-npm-routes.js';
import { FakeServer, type AdmittedRequest, type Listener } from './fake-server.js';

export type { FakePackageSpec, FakeVersionSpec, TarballInfo };
// The fault and request-log types live with the shared plumbing; the other fakes' users import them from here.
export type { FakeFault, FaultKind, FaultMatch, RecordedRequest } from './fake-server.js';

export interface FakeNpmRegistryOptions {
  packages?: FakePackageSpec[];
  /** Always answer the full packument, whatever the Accept header asks (some registries do). */
  ignoreAbbreviatedAccept?: boolean;
  /** false: send no ETag / Last-Modified and ignore conditional headers. Default true. */
  validators?: boolean;
  /**
   * Default approximate .tgz size for every version without its own `tarballSize`. Every version
   * of a package is built (and kept in memory) when its packument is first rendered, so for big
   * artifacts prefer a per-version `tarballSize`.
   */
  tarballSize?: number;
  /** Rewrite `dist.tarball` (e.g. to point at another origin); gets the default URL. */
  tarballUrl?: (defaultUrl: string, name: string, version: string) => string;
  /**
   * Send JSON with Content-Encoding: gzip when Accept-Encoding allows it, as the real registry's
   * CDN does. Default false. Tarballs are never re-encoded.
   */
  gzip?: boolean;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
}

export class FakeNpmRegistry extends FakeServer {
  private readonly state: FakeNpmPackages;
  private readonly listener: Listener;

  constructor(private readonly options: FakeNpmRegistryOptions = {}) {
    super({
      name: 'fake npm registry',
      wrongDigestApplies: (path) => /\.tgz(\?|$)/.test(path),
      statusReply: (status) => ({ contentType: 'application/json', body: JSON.stringify({ error: `fake upstream answers ${status}` }) }),
    });
    this.state = new FakeNpmPackages(options.packages ?? [], options.tarballSize);
    this.listener = this.createListener(options.port ?? 0, (request) => request, (req, res, request) => this.route(req, res, request));
  }

  get url(): string {
    return `http://127.0.0.1:${this.listener.port}/`;
  }

  addPackage(spec: FakePackageSpec): void {
    this.state.addPackage(spec);
  }

  removePackage(name: string): void {
    this.state.removePackage(name);
  }

  /** Publishes a version and points `tag` (default `latest`, `null` for none) at it. */
  addVersion(name: string, version: string, spec?: FakeVersionSpec, options: { tag?: string | null } = {}): void {
    this.state.addVersion(name, version, spec, options.tag === undefined ? 'latest' : options.tag);
  }

  removeVersion(name: string, version: string): void {
    this.state.removeVersion(name, version);
  }

  /** Points a dist-tag at a version; `undefined` deletes the tag. */
  setDistTag(name: string, tag: string, version: string | undefined): void {
    this.state.setDistTag(name, tag, version);
  }

  /** The exact tarball bytes served for a version, with their integrity and shasum. */
  async tarball(name: string, version: string): Promise<TarballInfo> {
    const info = await this.state.tarball(name, version);
    if (info === undefined) throw new Error(`fake npm registry: no version ${name}@${version}`);
    return info;
  }

  /** The packument as it would be served right now. */
  async document(name: string, options: { abbreviated?: boolean } = {}): Promise<Record<string, unknown>> {
    const url = (n: string, v: string): string => this.tarballUrl(n, v);
    const doc = options.abbreviated === true ? await this.state.abbreviated(name, url) : await this.state.full(name, url);
    if (doc === undefined) throw new Error(`fake npm registry: no package ${name}`);
    return doc;
  }

  protected listeners(): [Listener] {
    return [this.listener];
  }

  private get routing(): Routing {
    return {
      packages: this.state,
      tarballUrl: (name, version) => this.tarballUrl(name, version),
      ignoreAbbreviatedAccept: this.options.ignoreAbbreviatedAccept === true,
    };
  }

  private tarballUrl(name: string, version: string): string {
    const url = `${this.url}${tarballPath(name, version)}`;
    return this.options.tarballUrl === undefined ? url : this.options.tarballUrl(url, name, version);
  }

  private async route(req: IncomingMessage, res: ServerResponse, { method, path, fault }: AdmittedRequest): Promise<void> {
    const reply = await routeRequest(this.routing, { method, path, headers: req.headers, wrongDigest: fault?.kind === 'wrong-digest' });
    respond(req, res, reply, { validators: this.options.validators !== false, gzip: this.options.gzip === true }, fault);
  }
}

export async function startFakeNpmRegistry(options: FakeNpmRegistryOptions = {}): Promise<FakeNpmRegistry> {
  const registry = new FakeNpmRegistry(options);
  await registry.start();
  return registry;
}
