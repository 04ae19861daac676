/**
 * Answers for requests that never reach a handler because node's HTTP parser refused them (bad
 * framing, oversized headers, control characters) or node would otherwise answer them itself
 * (CONNECT, an Expect larder does not meet): the same JSON error body and the same one log line
 * as every other request, written straight to the socket.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';

const REASONS: Record<number, string> = { 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 414: 'URI Too Long', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large' };

/** What node's parser error means for the client, and the words for it. */
export function parserRefusal(error: unknown): { status: number; code: string; message: string } {
  const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'E_TOO_LARGE', message: 'the request line or headers are larger than larder accepts (16 KiB)' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') return { status: 408, code: 'E_BAD_REQUEST', message: 'the request headers did not arrive in time' };
  return { status: 400, code: 'E_BAD_REQUEST', message: `the request is not valid HTTP/1.1 (${code || 'malformed'})` };
}

/** Sockets already answered: node reports every further parse error of the rest of the bytes too. */
const answered = new WeakSet<Duplex>();

/** Writes a complete JSON error response on a raw socket and closes it; logs one line. */
export function answerRaw(socket: Duplex, log: Logger, answer: { method?: string; status: number; code: string; message: string; cause?: unknown }): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const { status, code, message, cause } = answer;
  // The request line could not be read (or is not one larder serves): the log says so, never echoing it.
  const method = answer.method ?? '(unparsed)';
  log.info({ method, url: '(unparsed)', status, code, err: message, ...(cause === undefined ? {} : { cause: describeError(cause) }) }, `${method} refused before routing: ${status}`);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: message, code });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
