/**
 * A fault-injecting npm upstream on raw `node:net` (or `node:tls`) sockets. HTTP libraries
 * repair or refuse exactly the faults these tests need (two Content-Lengths, a chunked body with
 * no terminator, a reset half-way through a body), so this server writes its responses byte by
 * byte itself.
 *
 * It speaks enough of the registry protocol for larder: `GET /NAME` answers a packument whose
 * `dist.tarball` points back at this server and whose `dist.integrity` is the sha512 of the
 * tarball it serves at `GET /NAME/-/NAME-VER.tgz`. Each test chooses, per request, how the
 * answer goes wrong (`plan`), and can read every request with its headers (`requests`) and the
 * number of TCP connections it accepted (`connections`), so a second instance doubles as a
 * "foreign host" that must never be contacted.
 */
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TarballInfo } from '../../helpers/tarball.js';
import { writeAnswer, type Afterwards, type Answer, type Behaviour } from './raw-behaviours.js';

export type { Behaviour } from './raw-behaviours.js';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent. */
  path: string;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** 1-based number of the TCP connection it came on. */
  connection: number;
}

export interface RawUpstreamOptions {
  /** Default 127.0.0.1 (127.0.0.2 works on Linux for an "other host" on loopback). */
  host?: string;
  /** Serve TLS with this key and certificate. */
  tls?: { key: string; cert: string };
}

interface Rule {
  match: (request: RawRequest) => boolean;
  behaviour: Behaviour;
  remaining: number;
}

/** Sent with every normal answer, so tests can check larder never relays an upstream cookie. */
export const UPSTREAM_COOKIE = 'upstream_session=raw-upstream-cookie; Path=/';

export class RawUpstream {
  readonly requests: RawRequest[] = [];
  /** TCP connections accepted since start (or the last `resetCounters`). */
  connections = 0;
  readonly #server: Server;
  readonly #host: string;
  readonly #sockets = new Set<Socket>();
  readonly #rules: Rule[] = [];
  readonly #packages = new Map<string, Map<string, TarballInfo>>();
  readonly #documents = new Map<string, string>();
  #stopping = new AbortController();
  #port = 0;
  #scheme: 'http' | 'https';

  constructor(options: RawUpstreamOptions = {}) {
    this.#host = options.host ?? '127.0.0.1';
    this.#scheme = options.tls ? 'https' : 'http';
    this.#server = options.tls
      ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, (socket) => this.#serve(socket))
      : net.createServer((socket) => this.#serve(socket));
    // Counted on the TCP accept, before any TLS handshake, so a foreign listener sees every attempt.
    this.#server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      // Clients that hang up mid-answer are the point of these tests, not a failure of the server.
      socket.on('error', () => undefined);
    });
    // A TLS handshake a client abandons (larder refusing a redirect) is expected too.
    this.#server.on('tlsClientError', () => undefined);
  }

  get port(): number {
    return this.#port;
  }

  get origin(): string {
    return `${this.#scheme}://${this.#host}:${this.#port}`;
  }

  /** Base URL with a trailing slash: what larder's connection `url` is set to. */
  get url(): string {
    return `${this.origin}/`;
  }

  /** Sockets currently open on the server side. */
  get openSockets(): number {
    return this.#sockets.size;
  }

  async start(): Promise<this> {
    await this.#listen(0);
    return this;
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, this.#host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Serves `name` with these versions (their tarballs built by the caller, once). */
  addPackage(name: string, versions: Record<string, TarballInfo>): void {
    this.#packages.set(name, new Map(Object.entries(versions)));
  }

  tarball(name: string, version: string): TarballInfo {
    const info = this.#packages.get(name)?.get(version);
    if (info === undefined) throw new Error(`raw upstream: no ${name}@${version}`);
    return info;
  }

  /** The packument this server answers for `name` when no document was set for it. */
  packument(name: string): Record<string, unknown> {
    const versions = this.#packages.get(name) ?? new Map<string, TarballInfo>();
    const listed = [...versions.keys()];
    return {
      name,
      'dist-tags': listed.length === 0 ? {} : { latest: listed[listed.length - 1] },
      versions: Object.fromEntries(
        [...versions].map(([version, info]) => [
          version,
          { name, version, dist: { tarball: `${this.url}${name}/-/${name}-${version}.tgz`, integrity: info.integrity, shasum: info.shasum } },
        ]),
      ),
    };
  }

  /** Answers `GET /name` with exactly this text (or this value as JSON) instead of the packument. */
  setDocument(name: string, document: unknown): void {
    this.#documents.set(name, typeof document === 'string' ? document : JSON.stringify(document));
  }

  /**
   * The next `times` requests whose path matches get `behaviour` instead of a normal answer.
   * Earlier plans win; a spent plan is skipped.
   */
  plan(match: RegExp | string | ((request: RawRequest) => boolean), behaviour: Behaviour, times = Number.POSITIVE_INFINITY): void {
    const test = typeof match === 'function' ? match : typeof match === 'string' ? (r: RawRequest) => r.path === match : (r: RawRequest) => match.test(r.path);
    this.#rules.push({ match: test, behaviour, remaining: times });
  }

  clearPlans(): void {
    this.#rules.length = 0;
  }

  resetCounters(): void {
    this.requests.length = 0;
    this.connections = 0;
  }

  count(match: RegExp): number {
    return this.requests.filter((request) => match.test(request.path)).length;
  }

  /** Ends every open connection (stalled answers included) and waits until they are closed. */
  async dropConnections(): Promise<void> {
    this.#stopping.abort();
    this.#stopping = new AbortController();
    for (const socket of this.#sockets) socket.destroy();
    for (let waited = 0; this.#sockets.size > 0 && waited < 2000; waited += 10) await sleep(10);
  }

  /** Closes the listener and every connection: the port now refuses connections. */
  async refuse(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await this.dropConnections();
    await closed;
  }

  /** Listens again on the same port after `refuse`. */
  async accept(): Promise<void> {
    await this.#listen(this.#port);
  }

  async stop(): Promise<void> {
    if (this.#server.listening) await this.refuse();
    else await this.dropConnections();
  }

  #serve(socket: Socket): void {
    const connection = this.connections;
    let buffered = Buffer.alloc(0);
    let busy = false;
    const next = (): void => {
      if (busy || socket.destroyed) return;
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffered.subarray(0, end).toString('latin1');
      buffered = buffered.subarray(end + 4);
      const request = parseHead(head, connection);
      if (request === undefined) {
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      this.requests.push(request);
      busy = true;
      this.#answer(socket, request).then(
        (afterwards) => {
          busy = false;
          if (afterwards === 'keep-alive') next();
          else if (afterwards === 'close') socket.end();
        },
        () => socket.destroy(),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      next();
    });
  }

  #answer(socket: Socket, request: RawRequest): Promise<Afterwards> {
    const rule = this.#rules.find((candidate) => candidate.remaining > 0 && candidate.match(request));
    if (rule) rule.remaining -= 1;
    return writeAnswer(socket, request.method, this.#normalAnswer(request.path), rule?.behaviour ?? { kind: 'ok' }, this.#stopping.signal);
  }

  /** What a healthy registry would answer. */
  #normalAnswer(target: string): Answer {
    // A query string changes nothing (a same-origin redirect may add one).
    const path = target.split('?', 1)[0] ?? '';
    const headers = { 'set-cookie': UPSTREAM_COOKIE };
    const tarball = /^\/([^/?]+)\/-\/([^/?]+)\.tgz$/.exec(path);
    if (tarball) {
      const [, name = '', file = ''] = tarball;
      const version = file.startsWith(`${name}-`) ? file.slice(name.length + 1) : '';
      const info = this.#packages.get(name)?.get(version);
      if (info) return { status: 200, headers: { ...headers, 'content-type': 'application/octet-stream' }, body: info.bytes };
    }
    const packument = /^\/([^/?]+)$/.exec(path);
    if (packument) {
      const [, name = ''] = packument;
      const document = this.#documents.get(name) ?? (this.#packages.has(name) ? JSON.stringify(this.packument(name)) : undefined);
      if (document !== undefined) return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: Buffer.from(document) };
    }
    return { status: 404, headers: { ...headers, 'content-type': 'application/json' }, body: Buffer.from('{"error":"not found"}') };
  }
}

function parseHead(head: string, connection: number): RawRequest | undefined {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  if (match === null) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { method: match[1] ?? '', path: match[2] ?? '', headers, connection };
}

export async function startRawUpstream(options: RawUpstreamOptions = {}): Promise<RawUpstream> {
  return new RawUpstream(options).start();
}
