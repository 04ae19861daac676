/**
 * How the fake npm registry writes a response: validators and 304s, HEAD, and the faults that
 * damage a response already under way (reset, truncate, hang after some bytes). Kept apart from
 * routing so each piece stays small.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

/** What a route produced, before validators and faults. */
export interface Reply {
  status: number;
  type: string;
  body: Buffer;
  /** Sent as Last-Modified (with validators on) and compared with If-Modified-Since. */
  lastModified?: Date;
  /** The representation depends on Accept (packuments). */
  vary?: boolean;
  /** JSON that may be sent with Content-Encoding: gzip (artifacts never are). */
  compressible?: boolean;
}

export interface RespondOptions {
  /** Send ETag / Last-Modified and honour conditional requests. */
  validators: boolean;
  /** gzip compressible bodies when the client's Accept-Encoding allows it. */
  gzip: boolean;
}

/** The part of a fault this module acts on. */
interface BodyFault {
  kind: string;
  afterBytes?: number;
}

/** A strong ETag: a digest of the exact body bytes, so it changes exactly when they do. */
export function strongEtag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 40)}"`;
}

/** RFC 9110 §13.1.2 / §13.1.3: If-None-Match (weak comparison) wins; If-Modified-Since otherwise. */
function notModified(headers: IncomingHttpHeaders, etag: string, lastModified: Date | undefined): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    const tags = inm.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(etag);
  }
  const ims = headers['if-modified-since'];
  if (ims === undefined || lastModified === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && lastModified.getTime() <= since;
}

/**
 * Sends headers plus the first `bytes` of the body, then calls `after` with the socket once
 * those bytes have been handed to the kernel.
 */
function partial(res: ServerResponse, body: Buffer, bytes: number, after: (socket: Socket) => void): void {
  const socket = res.socket;
  if (socket === null) return;
  res.write(body.subarray(0, Math.max(0, Math.min(bytes, body.length))), () => after(socket));
}

export function respond(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  options: RespondOptions,
  fault: BodyFault | undefined,
): void {
  const vary = [...(reply.vary === true ? ['Accept'] : []), ...(options.gzip && reply.compressible === true ? ['Accept-Encoding'] : [])];
  const gzipped = options.gzip && reply.compressible === true && /\bgzip\b/.test(String(req.headers['accept-encoding']));
  // The ETag is computed over the bytes sent, so each encoding has its own strong validator.
  const body = gzipped ? gzipSync(reply.body) : reply.body;
  const headers: OutgoingHttpHeaders = { 'content-type': reply.type, 'content-length': body.length };
  if (gzipped) headers['content-encoding'] = 'gzip';
  if (vary.length > 0) headers.vary = vary.join(', ');
  const withValidators = options.validators && reply.status === 200;
  if (withValidators) {
    headers.etag = strongEtag(body);
    if (reply.lastModified !== undefined) headers['last-modified'] = reply.lastModified.toUTCString();
  }
  if (req.method === 'HEAD') {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  // Faults that damage the body ignore conditional headers: the test asked for a broken body.
  switch (fault?.kind) {
    case 'reset':
      res.writeHead(reply.status, headers);
      // resetAndDestroy sends a TCP RST. The short wait lets the client read the bytes first: Linux
      // reports an RST that lands on unread data as a plain EOF, which would look like `truncate`.
      partial(res, body, fault.afterBytes ?? 0, (socket) => setTimeout(() => socket.resetAndDestroy(), 20));
      return;
    case 'truncate':
      res.writeHead(reply.status, headers);
      partial(res, body, fault.afterBytes ?? Math.floor(body.length / 2), (socket) => socket.end());
      return;
    case 'hang':
      res.writeHead(reply.status, headers);
      // Leave the socket open with the body unfinished; stop() destroys it.
      partial(res, body, fault.afterBytes ?? 0, () => undefined);
      return;
    default:
      break;
  }
  if (withValidators && notModified(req.headers, String(headers.etag), reply.lastModified)) {
    const kept = Object.entries(headers).filter(([name]) => ['etag', 'last-modified', 'vary'].includes(name));
    res.writeHead(304, Object.fromEntries(kept));
    res.end();
    return;
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}
