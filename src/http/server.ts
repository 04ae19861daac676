/**
 * The node:http server: one catch around every handler, one log line per request, limits on
 * what a request may be. Built separately from listening so tests can listen on port 0.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { LarderError, asLarderError, describeError, quoteInput } from '../errors.js';
import { isLoopbackHost } from '../config/validate.js';
import { answerRaw, parserRefusal } from './raw-answers.js';
import { Exchange } from './exchange.js';
import { statusFor } from './status.js';

export type Handler = (exchange: Exchange) => Promise<void>;

export interface HttpServerOptions {
  log: Logger;
  handler: Handler;
  /** What to call larder in rewritten URLs when the Host header is unusable. */
  fallbackOrigin: () => string;
  /**
   * Listening on loopback only: then a request must be addressed to a loopback name. A web page
   * whose host name an attacker re-points at 127.0.0.1 (DNS rebinding) sends its own Host.
   */
  loopbackOnly: boolean;
}

const MAX_URL_LENGTH = 8192;
/** A Host header we are willing to echo into rewritten URLs (a DNS name is at most 253 characters). */
const SAFE_HOST = /^(?=.{1,260}$)(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;
/** A Host header's name, without the port: `[::1]:7878` → `[::1]`. */
const HOST_NAME = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/;
/** A client must send its headers within this: a slow trickle must not hold a socket for minutes. */
const HEADERS_TIMEOUT_MS = 10_000;
/**
 * The whole request, body included, must arrive within this. Publishes carry bodies of up to
 * 1 GiB (engine/publishing/upload.ts): 30 minutes is that at about 600 KB/s.
 */
const REQUEST_TIMEOUT_MS = 30 * 60_000;

export function createHttpServer(options: HttpServerOptions): Server {
  const server = createServer(
    // Host is checked in handle(), where a missing one gets a JSON answer and a log line.
    { maxHeaderSize: 16 * 1024, requireHostHeader: false, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      void handle(options, req, res);
    },
  );
  // Keep-alive sockets that a client abandons must not hold the process open on shutdown.
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (error, socket) => {
    const refusal = parserRefusal(error);
    answerRaw(socket, options.log, { ...refusal, cause: error });
  });
  server.on('connect', (_req, socket) =>
    answerRaw(socket, options.log, { method: 'CONNECT', status: 405, code: 'E_METHOD_NOT_ALLOWED', message: 'larder is not a proxy: CONNECT is not supported' }),
  );
  server.on('checkExpectation', (req, res) => {
    res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(JSON.stringify({ error: 'larder meets no Expect but 100-continue', code: 'E_BAD_REQUEST' }));
    options.log.info({ method: req.method, url: quoteInput(req.url ?? ''), status: 417 }, `${req.method} 417`);
  });
  return server;
}

/** Why a request's Host is refused, or undefined when it is fine. */
function hostProblem(options: HttpServerOptions, req: IncomingMessage): LarderError | undefined {
  const host = req.headers.host;
  if (host === undefined) {
    return req.httpVersion === '1.0' ? undefined : new LarderError('E_BAD_REQUEST', 'an HTTP/1.1 request needs a Host header', { operation: 'http.host' });
  }
  if (options.loopbackOnly && !isLoopbackHost(HOST_NAME.exec(host)?.[1] ?? '')) {
    return new LarderError('E_BAD_REQUEST', `larder listens on loopback only and answers requests addressed to localhost or 127.0.0.1, not ${quoteInput(host, 60)}`, {
      operation: 'http.host',
    });
  }
  return undefined;
}

async function handle(options: HttpServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = req.headers.host;
  const origin = host !== undefined && SAFE_HOST.test(host) ? `http://${host}` : options.fallbackOrigin();
  const exchange = new Exchange(req, res, origin);
  res.on('close', () => logExchange(options.log, exchange));
  try {
    const refused = hostProblem(options, req);
    if (refused !== undefined) throw refused;
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
