/**
 * How the raw upstream writes one answer: correctly, or with one fault in the bytes on the wire.
 * Every writer resolves to what becomes of the connection: another request may follow
 * (`keep-alive`), the server should close it (`close`), or it was dealt with or must be left
 * hanging (`leave`).
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a healthy registry would send for the request. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type Behaviour =
  /** The healthy answer. */
  | { kind: 'ok' }
  /** The healthy answer after `delayMs` of silence (slow first byte). */
  | { kind: 'slow'; delayMs: number }
  /** Reads the request and never answers. */
  | { kind: 'hang' }
  /** Headers at once, then one body byte every `intervalMs` (1 byte/s at 1000). */
  | { kind: 'trickle'; intervalMs: number }
  /** Headers and `afterBytes` of the body, then a TCP reset. */
  | { kind: 'reset'; afterBytes: number }
  /** Content-Length of the whole body, `missing` bytes short of it, then a clean close (FIN). */
  | { kind: 'short'; missing: number }
  /** A chunked body without its terminating zero-size chunk, then a close or silence. */
  | { kind: 'chunked-unterminated'; then: 'close' | 'hang' }
  /** Both Content-Length and Transfer-Encoding: chunked (the body chunked). */
  | { kind: 'both-framing' }
  /** Two different Content-Length headers (the body as long as the first). */
  | { kind: 'double-length' }
  /** Another answer altogether: a status page, a redirect, gzip-labelled bytes. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: Buffer | string }
  /** `total` bytes made of `fill` repeated, streamed with backpressure (a huge body). */
  | { kind: 'stream'; total: number; fill: Buffer; declareLength: boolean; headers?: Record<string, string> };

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  301: 'Moved Permanently',
  302: 'Found',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The status line and header block; `lines` may repeat a name (two Content-Lengths). */
function head(status: number, lines: Array<[string, string]>): string {
  const text = lines.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\n${text}\r\n`;
}

function headerLines(headers: Record<string, string>): Array<[string, string]> {
  return Object.entries(headers);
}

/** Resolves once the socket has flushed `data`, or at once when it is gone. */
function send(socket: Socket, data: Buffer | string): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.write(data, () => resolve());
  });
}

/** Waits for room in the socket's buffer, or for the socket to go away. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** Sleeps, or returns false when the server is being stopped (the test is done with us). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}

function chunked(body: Buffer, pieces: number): Buffer {
  const size = Math.max(1, Math.ceil(body.length / pieces));
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export type Afterwards = 'keep-alive' | 'close' | 'leave';

export async function writeAnswer(socket: Socket, method: string, answer: Answer, behaviour: Behaviour, signal: AbortSignal): Promise<Afterwards> {
  const { status, headers, body } = answer;
  const withLength = (length: number): Array<[string, string]> => [...headerLines(headers), ['Content-Length', String(length)], ['Connection', 'keep-alive']];
  switch (behaviour.kind) {
    case 'ok':
      await send(socket, Buffer.concat([Buffer.from(head(status, withLength(body.length))), method === 'HEAD' ? Buffer.alloc(0) : body]));
      return 'keep-alive';
    case 'slow':
      if (!(await pause(behaviour.delayMs, signal))) return 'leave';
      return writeAnswer(socket, method, answer, { kind: 'ok' }, signal);
    case 'hang':
      return 'leave';
    case 'trickle':
      await send(socket, head(status, withLength(body.length)));
      for (const byte of body) {
        if (socket.destroyed || !(await pause(behaviour.intervalMs, signal))) return 'leave';
        await send(socket, Buffer.from([byte]));
      }
      return 'keep-alive';
    case 'reset':
      await send(socket, Buffer.concat([Buffer.from(head(status, withLength(body.length))), body.subarray(0, behaviour.afterBytes)]));
      // The pause lets the client read those bytes: Linux drops unread data when a RST arrives.
      await sleep(20);
      if (!socket.destroyed) socket.resetAndDestroy();
      return 'leave';
    case 'short':
      await send(socket, Buffer.concat([Buffer.from(head(status, withLength(body.length))), body.subarray(0, Math.max(0, body.length - behaviour.missing))]));
      socket.end();
      return 'leave';
    case 'chunked-unterminated': {
      const lines: Array<[string, string]> = [...headerLines(headers), ['Transfer-Encoding', 'chunked'], ['Connection', 'keep-alive']];
      await send(socket, Buffer.concat([Buffer.from(head(status, lines)), chunked(body, 4)]));
      if (behaviour.then === 'close') socket.end();
      return 'leave';
    }
    case 'both-framing': {
      const lines: Array<[string, string]> = [...headerLines(headers), ['Content-Length', String(body.length)], ['Transfer-Encoding', 'chunked']];
      await send(socket, Buffer.concat([Buffer.from(head(status, lines)), chunked(body, 4), Buffer.from('0\r\n\r\n')]));
      return 'close';
    }
    case 'double-length': {
      const lines: Array<[string, string]> = [...headerLines(headers), ['Content-Length', String(body.length)], ['Content-Length', String(body.length + 17)]];
      await send(socket, Buffer.concat([Buffer.from(head(status, lines)), body]));
      return 'close';
    }
    case 'respond': {
      const replaced = typeof behaviour.body === 'string' ? Buffer.from(behaviour.body) : (behaviour.body ?? Buffer.alloc(0));
      const lines: Array<[string, string]> = [...headerLines(behaviour.headers ?? {}), ['Content-Length', String(replaced.length)], ['Connection', 'keep-alive']];
      await send(socket, Buffer.concat([Buffer.from(head(behaviour.status, lines)), method === 'HEAD' ? Buffer.alloc(0) : replaced]));
      return 'keep-alive';
    }
    case 'stream':
      return stream(socket, behaviour, signal);
  }
}

async function stream(socket: Socket, behaviour: Extract<Behaviour, { kind: 'stream' }>, signal: AbortSignal): Promise<Afterwards> {
  const { total, fill, declareLength } = behaviour;
  const framing: Array<[string, string]> = declareLength ? [['Content-Length', String(total)]] : [['Transfer-Encoding', 'chunked']];
  await send(socket, head(200, [['Content-Type', 'application/json'], ...headerLines(behaviour.headers ?? {}), ...framing]));
  for (let sent = 0; sent < total && !socket.destroyed && !signal.aborted; ) {
    const piece = fill.subarray(0, Math.min(fill.length, total - sent));
    sent += piece.length;
    const data = declareLength ? piece : Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    if (!socket.write(data)) await drained(socket);
  }
  if (socket.destroyed || signal.aborted) return 'leave';
  if (!declareLength) await send(socket, '0\r\n\r\n');
  return 'keep-alive';
}
