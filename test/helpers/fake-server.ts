/**
 * The server plumbing the fake registries (fake-npm-registry.ts, fake-pypi.ts, fake-maven.ts)
 * share: the request log, the switchable `fault` with its `match` / `times` accounting, the
 * handling every request gets before routing (record, drain, apply connection-level faults), and
 * the start()/stop() lifecycle of node:http listeners on 127.0.0.1 that keep their port across a
 * restart. Like the fakes, it imports nothing from src/: they are the independent reference.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

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
 *                 (each fake says which of its files it applies to; other requests ignore it)
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

/** One node:http server and the port it listens (or will listen again) on. */
export interface Listener {
  server: Server;
  port: number;
}

/** What makes one fake differ in the shared plumbing. */
export interface FakeServerTraits {
  /** Names the fake in the 500 a bug in it answers, e.g. `fake npm registry`. */
  name: string;
  /** Whether a `wrong-digest` fault can apply to this path (others must not use up its `times`). */
  wrongDigestApplies: (path: string) => boolean;
  /** The content type and default body of a `status` fault's answer. */
  statusReply: (status: number) => { contentType: string; body: string };
}

/** A request that got past the connection-level faults, and the fault its response must still apply. */
export interface AdmittedRequest {
  method: string;
  path: string;
  fault: FakeFault | undefined;
}

/** Answers an admitted request. */
export type Route = (req: IncomingMessage, res: ServerResponse, request: AdmittedRequest) => Promise<void>;

function matches(match: FaultMatch | undefined, request: { method: string; path: string }): boolean {
  if (match === undefined) return true;
  if (typeof match === 'string') return request.path.startsWith(match);
  if (match instanceof RegExp) return match.test(request.path);
  return match(request);
}

export abstract class FakeServer<R extends RecordedRequest = RecordedRequest> {
  readonly requests: R[] = [];
  private currentFault: { fault: FakeFault; remaining: number } | undefined;

  protected constructor(private readonly traits: FakeServerTraits) {}

  /** The listeners start() and stop() manage, in order; the first is the one `port` and `listening` describe. */
  protected abstract listeners(): [Listener, ...(Listener | undefined)[]];

  get port(): number {
    return this.listeners()[0].port;
  }

  get listening(): boolean {
    return this.listeners()[0].server.listening;
  }

  get fault(): FakeFault | undefined {
    return this.currentFault?.fault;
  }

  set fault(fault: FakeFault | undefined) {
    this.currentFault = fault === undefined ? undefined : { fault, remaining: fault.times ?? Infinity };
  }

  count(filter?: string | ((request: R) => boolean)): number {
    if (filter === undefined) return this.requests.length;
    if (typeof filter === 'string') return this.requests.filter((r) => r.path.startsWith(filter)).length;
    return this.requests.filter(filter).length;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /**
   * A listener (not yet listening): each request is logged as `toRecord` makes it from the
   * common fields, goes through admit(), and then to `route`.
   */
  protected createListener(port: number, toRecord: (request: RecordedRequest) => R, route: Route): Listener {
    const server = createServer((req, res) => {
      this.serve(req, res, toRecord, route).catch((error: unknown) => {
        // A bug in the fake must show up in the test, not hang it: answer 500 and say why.
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${this.traits.name} failed: ${message}`);
      });
    });
    return { server, port };
  }

  /** Listens on each listener's port in turn (the first start picks free ones for port 0; a restart keeps them). */
  async start(): Promise<void> {
    for (const listener of this.listeners()) {
      if (listener === undefined || listener.server.listening) continue;
      listener.server.listen(listener.port, '127.0.0.1');
      await once(listener.server, 'listening');
      listener.port = (listener.server.address() as AddressInfo).port;
    }
  }

  /** Stops listening and destroys every open socket, hanging requests included. */
  async stop(): Promise<void> {
    for (const listener of this.listeners()) {
      if (listener === undefined || !listener.server.listening) continue;
      const { server } = listener;
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      server.closeAllConnections();
      await closed;
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse, toRecord: (request: RecordedRequest) => R, route: Route): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record = toRecord({ method, path, headers: req.headers, at: Date.now() });
    const admitted = await this.admit(req, res, record);
    if (admitted !== undefined) await route(req, res, admitted);
  }

  /**
   * What every request goes through before routing: logs `record` (its status filled in once the
   * response starts), drains the body, and applies the current fault's connection-level part
   * (down, hang, slow, status). Returns undefined when the request needs nothing more, else what
   * the route needs, with the fault (if any) the response must still apply.
   */
  private async admit(req: IncomingMessage, res: ServerResponse, record: R): Promise<AdmittedRequest | undefined> {
    const { method, path } = record;
    this.requests.push(record);
    const recordStatus = (): void => {
      record.status = res.statusCode;
    };
    res.once('finish', recordStatus);
    res.once('close', () => {
      if (res.headersSent) recordStatus();
    });
    req.resume(); // request bodies (an audit POST, a deploy's PUT) mean nothing here; drain them so the socket stays usable

    const fault = this.takeFault({ method, path });
    if (fault !== undefined) record.fault = fault.kind;
    if (fault?.kind === 'down') {
      req.socket.destroy();
      return undefined;
    }
    if (fault?.kind === 'hang' && fault.afterBytes === undefined) return undefined; // stop() destroys the socket
    if (fault?.kind === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (req.socket.destroyed) return undefined;
    }
    if (fault?.kind === 'status') {
      const reply = this.traits.statusReply(fault.status);
      const body = fault.body ?? reply.body;
      res.writeHead(fault.status, { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(body), ...fault.headers });
      res.end(method === 'HEAD' ? undefined : body);
      return undefined;
    }
    return { method, path, fault };
  }

  /** The fault for this request, consuming one of its `times`. */
  private takeFault(request: { method: string; path: string }): FakeFault | undefined {
    const current = this.currentFault;
    if (current === undefined || !matches(current.fault.match, request)) return undefined;
    // A wrong digest only means something for some files; other requests must not use up `times`.
    if (current.fault.kind === 'wrong-digest' && !this.traits.wrongDigestApplies(request.path)) return undefined;
    current.remaining -= 1;
    if (current.remaining <= 0) this.currentFault = undefined;
    return current.fault;
  }
}
