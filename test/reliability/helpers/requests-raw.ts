/**
 * Raw HTTP/1.1 over node:net for the hostile-request suite: the bytes go out exactly as written
 * (no client library normalises a path, a Host or a header), and the answers are parsed from the
 * bytes that come back, so a pipelined or smuggled extra response cannot hide.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps its values joined by `, `. */
  headers: Record<string, string>;
  /** The header block as sent, for checks on what larder wrote there. */
  head: string;
  body: Buffer;
}

export interface RawExchange {
  /** Every response, 1xx included, in the order they came. */
  responses: RawResponse[];
  /** Everything larder sent. */
  raw: Buffer;
  /** How the connection ended: larder closed it, reset it, or we gave up waiting. */
  ended: 'end' | 'reset' | 'timeout';
}

export interface SendOptions {
  /** Give up (and destroy the socket) after this long; default 5 s. */
  timeoutMs?: number;
  /** Response bodies are absent (answers to HEAD), whatever Content-Length says. */
  bodiless?: boolean;
}

/** Sends `request` in one write and collects what comes back until larder closes the connection. */
export function sendRaw(port: number, request: string | Buffer, options: SendOptions = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request));
    let settled = false;
    const finish = (ended: RawExchange['ended']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      resolve({ responses: parseResponses(raw, options.bodiless === true), raw, ended });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish('end'));
    // A reset after (or instead of) an answer is an outcome to report, not a test crash.
    socket.on('error', () => finish('reset'));
    socket.on('close', () => finish('end'));
  });
}

/** Splits a byte stream into HTTP/1.1 responses (Content-Length, chunked, or read to the end). */
export function parseResponses(raw: Buffer, bodiless = false): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd === -1) break;
    const head = raw.subarray(at, headEnd).toString('latin1');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    at = headEnd + 4;
    let body: Buffer;
    if ((status >= 100 && status < 200) || status === 204 || status === 304 || bodiless) {
      body = Buffer.alloc(0);
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      body = raw.subarray(at, at + length);
      at += length;
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', at, 'latin1');
        if (lineEnd === -1) break;
        const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
        at = lineEnd + 2;
        if (!(size > 0)) {
          at += 2; // the empty trailer section
          break;
        }
        parts.push(raw.subarray(at, at + size));
        at += size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      body = raw.subarray(at);
      at = raw.length;
    }
    responses.push({ status, headers, head, body });
  }
  return responses;
}

export interface TrickleOutcome {
  /** When larder closed the connection, in ms after the first byte; undefined if it never did. */
  closedAfterMs?: number;
  /** How many bytes went out before larder closed it (or we stopped). */
  sent: number;
  responses: RawResponse[];
}

/**
 * A slowloris client: sends `request` one byte every `intervalMs` and never finishes faster.
 * Stops after `maxMs` if larder has not closed the connection by then.
 */
export function trickle(port: number, request: string, intervalMs: number, maxMs: number): Promise<TrickleOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const bytes = Buffer.from(request, 'latin1');
    const started = Date.now();
    let sent = 0;
    let settled = false;
    const socket = connect(port, '127.0.0.1');
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearInterval(ticker);
      clearTimeout(limit);
      socket.destroy();
      const outcome: TrickleOutcome = { sent, responses: parseResponses(Buffer.concat(chunks)) };
      resolve(closed ? { ...outcome, closedAfterMs: Date.now() - started } : outcome);
    };
    const ticker = setInterval(() => {
      if (sent < bytes.length && socket.writable) socket.write(bytes.subarray(sent, ++sent));
    }, intervalMs);
    const limit = setTimeout(() => finish(false), maxMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    // A reset is larder closing the connection too.
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}
