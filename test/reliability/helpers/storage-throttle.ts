/**
 * A throttling HTTP proxy in front of a fake registry: tarball bodies go out `chunkBytes` every
 * `intervalMs`, everything else passes straight through. It keeps many store writes in flight
 * for long enough that a SIGKILL lands mid-write on purpose rather than by luck, while the fake
 * registry stays the reference for what the bytes must be. Point the fake's `dist.tarball` at
 * this proxy (FakeNpmRegistryOptions.tarballUrl) so larder fetches tarballs through it from the
 * same origin as the packuments.
 */
import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

export interface ThrottleOptions {
  /** Base URL of the upstream to forward to. */
  target: string;
  chunkBytes: number;
  intervalMs: number;
  /** Which request paths have their bodies throttled. */
  throttled: (path: string) => boolean;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

export class ThrottlingProxy {
  /** Throttled bodies begun, completed, and cut off (the reader went away) since start. */
  started = 0;
  finished = 0;
  cut = 0;
  readonly #server: Server;
  readonly #options: ThrottleOptions;
  #firstByte: { promise: Promise<void>; resolve: () => void } = ThrottlingProxy.#signal();

  constructor(options: ThrottleOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      const path = req.url ?? '/';
      const upstream = request(new URL(path.replace(/^\/+/, ''), options.target), { method: req.method, headers: { ...forwardable(req.headers), host: new URL(options.target).host }, agent: false });
      upstream.on('error', () => res.destroy());
      upstream.on('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        if (!options.throttled(path) || answer.statusCode !== 200) {
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => this.#drip(Buffer.concat(chunks), res));
      });
      req.pipe(upstream);
    });
  }

  static #signal(): { promise: Promise<void>; resolve: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((done) => (resolve = done));
    return { promise, resolve };
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/`;
  }

  /** Bodies being sent right now. */
  get active(): number {
    return this.started - this.finished - this.cut;
  }

  /** Resolves once a throttled body has sent its first chunk after the last `rearm()`. */
  firstByte(): Promise<void> {
    return this.#firstByte.promise;
  }

  rearm(): void {
    this.#firstByte = ThrottlingProxy.#signal();
  }

  async start(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #drip(body: Buffer, res: ServerResponse): void {
    this.started += 1;
    let offset = 0;
    let over = false;
    const end = (how: 'finished' | 'cut'): void => {
      if (over) return;
      over = true;
      clearInterval(timer);
      this[how] += 1;
    };
    const step = (): void => {
      if (res.destroyed) return end('cut');
      const chunk = body.subarray(offset, offset + this.#options.chunkBytes);
      offset += chunk.length;
      if (offset >= body.length) {
        res.end(chunk);
        end('finished');
        return;
      }
      res.write(chunk);
      this.#firstByte.resolve();
    };
    const timer = setInterval(step, this.#options.intervalMs);
    res.on('close', () => {
      if (offset < body.length) end('cut');
    });
    step();
  }
}

export async function startThrottlingProxy(options: ThrottleOptions): Promise<ThrottlingProxy> {
  const proxy = new ThrottlingProxy(options);
  await proxy.start();
  return proxy;
}
