/**
 * Pass-through for the endpoints larder does not cache (npm search `/-/v1/search`, audit
 * `/-/npm/v1/security/...`): the request goes to the upstream and the answer comes back as is.
 * Never use it for artifacts: nothing here verifies or stores bytes.
 *
 * http-proxy sends the request; the response is written here (selfHandleResponse) so that its
 * headers are filtered and a failure mid-body breaks the client's response instead of hanging
 * it. The DESIGN §5 traps: an `error` listener is always attached (http-proxy throws without
 * one), credential and hop-by-hop headers are stripped both ways, Host is the target's.
 */
import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream';
import type Server from 'http-proxy';
import { LarderError } from '../errors.js';
import { forwardRequestHeaders, forwardResponseHeaders } from './proxy-headers.js';
import { toUpstreamError } from './transport-errors.js';

export const PASSTHROUGH_OPERATION = 'upstream.passthrough';

/** nginx's "client closed request": the client left before larder could answer. */
export const CLIENT_CLOSED_STATUS = 499;

export interface PassthroughResult {
  /** The status sent to the client (CLIENT_CLOSED_STATUS when it left before the headers). */
  status: number;
  /** Set when the upstream failed: before the headers (then the client got 502/504) or mid-body. */
  error?: LarderError;
  /** The client hung up; the upstream request was abandoned. Log at info, not error. */
  clientClosed?: boolean;
}

export interface PassthroughOptions {
  /** Longest silence from the upstream (connecting, waiting for headers, between body chunks). */
  timeoutMs: number;
}

export interface Passthrough {
  /**
   * Forwards `req` to `target` (the full upstream URL, path and query included) and streams the
   * answer to `res`. Never throws; `onDone` is called exactly once. Replaces `req.headers` with
   * the filtered copy that is sent upstream.
   */
  forward(req: IncomingMessage, res: ServerResponse, target: URL, onDone: (result: PassthroughResult) => void): void;
  close(): Promise<void>;
}

/** One forwarded request: its outcome is reported once, whichever event comes first. */
class Forwarding {
  done = false;
  timedOut = false;
  clientGone = false;
  proxyReq: ClientRequest | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly target: URL,
    readonly timeoutMs: number,
    private readonly onDone: (result: PassthroughResult) => void,
  ) {}

  finish(result: PassthroughResult): void {
    if (this.done) return;
    this.done = true;
    this.onDone(result);
  }

  upstreamError(err: unknown, phase: 'request' | 'response'): LarderError {
    const cause = this.timedOut ? Object.assign(new Error('upstream went silent'), { code: 'ETIMEDOUT' }) : err;
    return toUpstreamError(cause, {
      url: this.target,
      method: this.req.method ?? 'GET',
      phase,
      operation: PASSTHROUGH_OPERATION,
      ...(this.timedOut ? { timeoutMs: this.timeoutMs } : {}),
    });
  }

  /** The request failed before a response reached the client: answer 502/504 with JSON. */
  fail(err: unknown): void {
    if (this.done) return;
    if (this.clientGone || this.res.destroyed) {
      this.finish({ status: CLIENT_CLOSED_STATUS, clientClosed: true });
      return;
    }
    const error = this.upstreamError(err, this.res.headersSent ? 'response' : 'request');
    if (this.res.headersSent) {
      this.res.destroy();
      this.finish({ status: this.res.statusCode, error });
      return;
    }
    const status = error.code === 'E_UPSTREAM_TIMEOUT' ? 504 : 502;
    const body = JSON.stringify({ error: error.message, code: error.code });
    this.res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    this.res.end(body);
    this.finish({ status, error });
  }

  /** The upstream answered: copy the filtered headers, then stream the body. */
  respond(proxyRes: IncomingMessage): void {
    if (this.done || this.res.destroyed) {
      proxyRes.destroy();
      return;
    }
    const status = proxyRes.statusCode ?? 502;
    try {
      this.res.writeHead(status, forwardResponseHeaders(proxyRes.headers));
    } catch (err) {
      // A header value Node refuses to write: treat it as a bad upstream answer.
      proxyRes.destroy();
      const message = `The upstream ${this.target.origin} sent a header larder cannot forward (${String(err)}) for ${this.target.pathname}.`;
      this.fail(new LarderError('E_UPSTREAM_BAD_RESPONSE', message, { operation: PASSTHROUGH_OPERATION, cause: err }));
      return;
    }
    // Whoever breaks first decides the outcome: the upstream (mid-body failure) or the client.
    let first: 'upstream' | 'client' | undefined;
    proxyRes.once('aborted', () => (first ??= 'upstream'));
    proxyRes.once('error', () => (first ??= 'upstream'));
    this.res.once('close', () => {
      if (!this.res.writableFinished) first ??= 'client';
    });
    pipeline(proxyRes, this.res, (err) => {
      if (err === undefined || err === null) this.finish({ status });
      else if (this.timedOut || first !== 'client') this.finish({ status, error: this.upstreamError(err, 'response') });
      else this.finish({ status, clientClosed: true });
    });
  }

  /** The client hung up before the response was done: drop the upstream request. */
  clientClosed(): void {
    if (this.done || this.res.writableFinished || this.res.headersSent) return;
    this.clientGone = true;
    this.proxyReq?.destroy();
    this.finish({ status: CLIENT_CLOSED_STATUS, clientClosed: true });
  }
}

export function createPassthrough(options: PassthroughOptions): Passthrough {
  // Own keep-alive pools, so close() can release every upstream socket.
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const forwardings = new WeakMap<IncomingMessage, Forwarding>();
  // http-proxy is loaded when the first search or audit is forwarded, not at start.
  let loading: Promise<Server> | undefined;
  const load = (): Promise<Server> => {
    loading ??= import('http-proxy').then(({ default: httpProxy }) => {
      const proxy = httpProxy.createProxyServer({
        changeOrigin: true, // Host: the target's host, not larder's
        ignorePath: true, // the target URL already holds the path and query
        selfHandleResponse: true,
        xfwd: false, // do not tell the public registry about the client's address
      });
      listen(proxy);
      return proxy;
    });
    return loading;
  };

  const listen = (proxy: Server): void => {
    // Every web() call has its own callback; this listener is the net under it, because http-proxy
    // throws an `error` event nobody listens to, and that would crash the daemon.
    proxy.on('error', (err, req) => forwardings.get(req)?.fail(err));
    proxy.on('proxyReq', (proxyReq, req) => {
      const forwarding = forwardings.get(req);
      if (forwarding === undefined) return;
      forwarding.proxyReq = proxyReq;
      if (forwarding.clientGone) {
        proxyReq.destroy();
        return;
      }
      // An idle timeout on the upstream socket: connect, time to headers, and gaps in the body.
      proxyReq.setTimeout(options.timeoutMs, () => {
        forwarding.timedOut = true;
        proxyReq.destroy(Object.assign(new Error(`no activity for ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
    });
    proxy.on('proxyRes', (proxyRes, req) => {
      const forwarding = forwardings.get(req);
      if (forwarding === undefined) proxyRes.destroy();
      else forwarding.respond(proxyRes);
    });
  };

  return {
    forward(req, res, target, onDone) {
      const forwarding = new Forwarding(req, res, target, options.timeoutMs, onDone);
      forwardings.set(req, forwarding);
      res.once('close', () => forwarding.clientClosed());
      load().then(
        (proxy) => {
          try {
            req.headers = forwardRequestHeaders(req.headers);
            const agent = target.protocol === 'https:' ? agents.https : agents.http;
            proxy.web(req, res, { target: target.href, agent }, (err) => forwarding.fail(err));
          } catch (err) {
            // e.g. an unsupported protocol in the target: answer, never throw into the server.
            forwarding.fail(err);
          }
        },
        (err: unknown) => forwarding.fail(err),
      );
    },
    async close() {
      if (loading !== undefined) (await loading).close();
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
