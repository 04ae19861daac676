/**
 * One request/response pair with the facts the request log needs. Handlers fill in what they
 * learn (repository, package, cache outcome); the server writes one log line when it ends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { CacheOutcome } from '../engine/ports.js';
import { LarderError } from '../errors.js';
import { statusFor } from './status.js';

export interface ExchangeFacts {
  repository?: string;
  format?: string;
  package?: string;
  version?: string;
  cache?: CacheOutcome;
  error?: LarderError;
  /** Whom the request's token was made for (never the token). */
  user?: string;
}

export class Exchange {
  readonly facts: ExchangeFacts = {};
  readonly startedAt = process.hrtime.bigint();
  bytes = 0;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** e.g. `http://127.0.0.1:7878`, as the client addressed larder. */
    readonly origin: string,
  ) {}

  setCache(outcome: CacheOutcome): void {
    this.facts.cache = outcome;
    this.res.setHeader('x-cache', outcome);
  }

  /** Answers 304 when the client already has this ETag; true when it did. */
  sentNotModified(headers: Record<string, string>): boolean {
    if (headers.etag === undefined || this.req.headers['if-none-match'] !== headers.etag) return false;
    this.res.writeHead(304, headers);
    this.res.end();
    return true;
  }

  sendJson(status: number, value: unknown, headers: Record<string, string> = {}): void {
    this.sendText(status, JSON.stringify(value), 'application/json; charset=utf-8', headers);
  }

  sendText(status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
    this.sendBytes(status, Buffer.from(body, 'utf8'), contentType, headers);
  }

  sendBytes(status: number, bytes: Buffer, contentType: string, headers: Record<string, string> = {}): void {
    this.res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(bytes.length) });
    this.bytes += this.req.method === 'HEAD' ? 0 : bytes.length;
    this.res.end(this.req.method === 'HEAD' ? undefined : bytes);
  }

  /** Streams a body; a client that goes away destroys the source (the fill, if any, detaches). */
  async sendStream(status: number, body: Readable, headers: Record<string, string>): Promise<void> {
    this.res.writeHead(status, headers);
    if (this.req.method === 'HEAD') {
      body.destroy();
      this.res.end();
      return;
    }
    const count = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, count, this.res);
    } catch (error) {
      // Our sources (a fill, the store) fail with LarderErrors: a digest mismatch, a broken
      // upstream. Anything else is the client going away (premature close, EPIPE), which the
      // request log records as aborted, at info.
      const cause = body.errored ?? error;
      if (cause instanceof LarderError) throw cause;
    }
  }

  sendError(error: LarderError): void {
    this.facts.error = error;
    const status = statusFor(error.code, error.operation);
    if (this.res.headersSent) {
      // Too late for a status: break the response so the client sees it incomplete.
      this.res.destroy(error);
      return;
    }
    // A cooling-down upstream says when it is worth asking again; clients and proxies honour it.
    const retryIn = error.details.retryInSeconds;
    this.sendJson(status, { error: error.message, code: error.code }, typeof retryIn === 'number' ? { 'retry-after': String(retryIn) } : {});
  }

  get elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }
}
