/**
 * The node:http server: one catch around every handler, one log line per request, limits on
 * what a request may be. Built separately from listening so tests can listen on port 0.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { LarderError, asLarderError, describeError } from '../errors.js';
import { Exchange } from './exchange.js';
import { statusFor } from './status.js';

export type Handler = (exchange: Exchange) => Promise<void>;

export interface HttpServerOptions {
  log: Logger;
  handler: Handler;
  /** What to call larder in rewritten URLs when the Host header is unusable. */
  fallbackOrigin: () => string;
}

const MAX_URL_LENGTH = 8192;
/** A Host header we are willing to echo into rewritten URLs. */
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function createHttpServer(options: HttpServerOptions): Server {
  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    void handle(options, req, res);
  });
  // Keep-alive sockets that a client abandons must not hold the process open on shutdown.
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (error, socket) => {
    options.log.debug({ err: describeError(error) }, 'malformed request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  return server;
}

async function handle(options: HttpServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = req.headers.host;
  const origin = host !== undefined && SAFE_HOST.test(host) ? `http://${host}` : options.fallbackOrigin();
  const exchange = new Exchange(req, res, origin);
  res.on('close', () => logExchange(options.log, exchange));
  try {
    if ((req.url ?? '').length > MAX_URL_LENGTH) {
      throw new LarderError('E_TOO_LARGE', `the request URL is longer than ${MAX_URL_LENGTH} characters`, { operation: 'http.url' });
    }
    await options.handler(exchange);
  } catch (error) {
    const failure = asLarderError(error);
    if (failure.code === 'E_INTERNAL' || failure.code === 'E_STORE') options.log.error({ err: error }, 'request failed');
    try {
      exchange.sendError(failure);
    } catch (sendError) {
      // The response itself is broken (e.g. a header with a forbidden character): drop it.
      options.log.warn({ err: describeError(sendError) }, 'could not send the error response');
      res.destroy();
    }
  }
}

function logExchange(log: Logger, exchange: Exchange): void {
  const { req, res, facts } = exchange;
  const aborted = !res.writableFinished;
  const line = {
    method: req.method,
    url: req.url,
    repository: facts.repository,
    format: facts.format,
    package: facts.package,
    version: facts.version,
    status: res.statusCode,
    cache: facts.cache,
    bytes: exchange.bytes,
    ms: Math.round(exchange.elapsedMs * 10) / 10,
    ...(facts.user === undefined ? {} : { user: facts.user }),
    ...(aborted ? { aborted: true } : {}),
    ...(facts.error ? { code: facts.error.code, err: facts.error.message } : {}),
  };
  // A client hanging up is normal life for a proxy: info, not error.
  const level = facts.error && statusFor(facts.error.code, facts.error.operation) >= 500 && facts.error.code !== 'E_INGESTION_IN_PROGRESS' ? 'warn' : 'info';
  log[level](line, `${req.method} ${req.url} ${res.statusCode}`);
}
