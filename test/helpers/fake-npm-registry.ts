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
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { FakeNpmPackages, tarballPath, type FakePackageSpec, type FakeVersionSpec, type TarballInfo } from './fake-npm-packages.js';
import { respond } from './fake-npm-respond.js';
import { routeRequest, type Routing } from './fake-npm-routes.js';

export type { FakePackageSpec, FakeVersionSpec, TarballInfo };

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

/** Which requests a fault applies to: a path prefix, a regular expression on the path, or a predicate. */
export type FaultMatch = string | RegExp | ((request: { method: string; path: string }) => boolean);

/**
 * A switchable misbehaviour. Applies to every request unless `match` narrows it, and to the next
 * `times` matching requests only when `times` is given (then it switches itself off).
 *   down          close the connection without any response (client sees a reset / socket hang up).
 *                 For a real ECONNREFUSED use stop().
 *   slow          wait `delayMs` before the response headers, then answer normally
 *   status        answer `status` (e.g. 500, 503, 429) with `body` and `headers`
 *   reset         send headers and the first `afterBytes` (default 0) body bytes, then RST the socket
 *   truncate      advertise the full Content-Length, send `afterBytes` (default half) and close cleanly
 *   wrong-digest  tarballs only: serve a valid tarball whose bytes do not match dist.integrity
 *   hang          never answer; with `afterBytes`, send headers and that many bytes, then stall
 */
export type FakeFault = (
  | { kind: 'down' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'reset'; afterBytes?: number }
  | { kind: 'truncate'; afterBytes?: number }
  | { kind: 'wrong-digest' }
  | { kind: 'hang'; afterBytes?: number }
) & { match?: FaultMatch; times?: number };

export type FaultKind = FakeFault['kind'];

export interface RecordedRequest {
  method: string;
  /** The raw request target, query string included, exactly as the client sent it. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Date.now() on arrival. */
  at: number;
  /** The fault applied to this request, if any. */
  fault?: FaultKind;
  /** The status sent, once the response has started (absent for down / hang / slow in progress). */
  status?: number;
}


function matches(match: FaultMatch | undefined, request: { method: string; path: string }): boolean {
  if (match === undefined) return true;
  if (typeof match === 'string') return request.path.startsWith(match);
  if (match instanceof RegExp) return match.test(request.path);
  return match(request);
}

export class FakeNpmRegistry {
  readonly requests: RecordedRequest[] = [];
  private readonly state: FakeNpmPackages;
  private readonly server: Server;
  private currentFault: { fault: FakeFault; remaining: number } | undefined;
  private boundPort: number;

  constructor(private readonly options: FakeNpmRegistryOptions = {}) {
    this.state = new FakeNpmPackages(options.packages ?? [], options.tarballSize);
    this.boundPort = options.port ?? 0;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the fake must show up in the test, not hang it: answer 500 and say why.
        const message = error instanceof Error ? error.stack ?? error.message : String(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake npm registry failed: ${message}`);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}/`;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  get fault(): FakeFault | undefined {
    return this.currentFault?.fault;
  }

  set fault(fault: FakeFault | undefined) {
    this.currentFault = fault === undefined ? undefined : { fault, remaining: fault.times ?? Infinity };
  }

  count(filter?: string | ((request: RecordedRequest) => boolean)): number {
    if (filter === undefined) return this.requests.length;
    if (typeof filter === 'string') return this.requests.filter((r) => r.path.startsWith(filter)).length;
    return this.requests.filter(filter).length;
  }

  clearRequests(): void {
    this.requests.length = 0;
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

  async start(): Promise<void> {
    if (this.server.listening) return;
    this.server.listen(this.boundPort, '127.0.0.1');
    await once(this.server, 'listening');
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and destroys every open socket, hanging requests included. */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    this.server.closeAllConnections();
    await closed;
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

  /** The fault for this request, consuming one of its `times`. */
  private takeFault(request: { method: string; path: string }): FakeFault | undefined {
    const current = this.currentFault;
    if (current === undefined || !matches(current.fault.match, request)) return undefined;
    // A wrong digest only means something for tarballs; other requests must not use up `times`.
    if (current.fault.kind === 'wrong-digest' && !/\.tgz(\?|$)/.test(request.path)) return undefined;
    current.remaining -= 1;
    if (current.remaining <= 0) this.currentFault = undefined;
    return current.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: RecordedRequest = { method, path, headers: req.headers, at: Date.now() };
    this.requests.push(record);
    const recordStatus = (): void => {
      record.status = res.statusCode;
    };
    res.once('finish', recordStatus);
    res.once('close', () => {
      if (res.headersSent) recordStatus();
    });
    req.resume(); // bodies (the audit POST) are not needed; drain them so the socket stays usable

    const fault = this.takeFault({ method, path });
    if (fault !== undefined) record.fault = fault.kind;
    if (fault?.kind === 'down') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang' && fault.afterBytes === undefined) return; // stop() destroys the socket
    if (fault?.kind === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (req.socket.destroyed) return;
    }
    if (fault?.kind === 'status') {
      const body = fault.body ?? JSON.stringify({ error: `fake upstream answers ${fault.status}` });
      res.writeHead(fault.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...fault.headers });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    const reply = await routeRequest(this.routing, { method, path, headers: req.headers, wrongDigest: fault?.kind === 'wrong-digest' });
    respond(req, res, reply, { validators: this.options.validators !== false, gzip: this.options.gzip === true }, fault);
  }
}

export async function startFakeNpmRegistry(options: FakeNpmRegistryOptions = {}): Promise<FakeNpmRegistry> {
  const registry = new FakeNpmRegistry(options);
  await registry.start();
  return registry;
}
