/**
 * Turns the errors a socket, a DNS lookup or undici throws into LarderErrors with a stable code,
 * a short `cause` label for logs and JSON bodies, and a message that names the upstream origin
 * and says what to do. Shared by the undici client and the http-proxy pass-through so the same
 * failure reads the same way on both paths.
 */
import { LarderError, type ErrorCode } from '../errors.js';

export const UPSTREAM_OPERATION = 'upstream.request';

/** Short, stable labels for what went wrong on the wire. */
export type TransportCause =
  | 'ECONNREFUSED'
  | 'ENOTFOUND'
  | 'EAI_AGAIN'
  | 'ECONNRESET'
  | 'EPIPE'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'SOCKET_CLOSED'
  | 'CONNECT_TIMEOUT'
  | 'HEADERS_TIMEOUT'
  | 'BODY_TIMEOUT'
  | 'ETIMEDOUT'
  | 'CONTENT_LENGTH_MISMATCH'
  | 'BAD_HTTP'
  | 'CLIENT_CLOSED'
  | 'INVALID_REQUEST'
  | 'UNKNOWN';

export interface TransportFailure {
  code: ErrorCode;
  cause: TransportCause;
  /**
   * Safe to retry an idempotent request: the failure happened before any response and is likely
   * transient. Timeouts are not (a retry would multiply the wait), nor is a DNS name that does
   * not exist.
   */
  retryable: boolean;
}

const NETWORK_CAUSES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);
const RETRYABLE: ReadonlySet<TransportCause> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'SOCKET_CLOSED', 'EAI_AGAIN']);

const UNDICI_CAUSES: Readonly<Record<string, TransportCause>> = {
  UND_ERR_SOCKET: 'SOCKET_CLOSED',
  UND_ERR_CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'HEADERS_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'BODY_TIMEOUT',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'CONTENT_LENGTH_MISMATCH',
  UND_ERR_HEADERS_OVERFLOW: 'BAD_HTTP',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'BAD_HTTP',
  // Our own agent was closed or the request was malformed: a bug or a shutdown, not the upstream.
  UND_ERR_CLOSED: 'CLIENT_CLOSED',
  UND_ERR_DESTROYED: 'CLIENT_CLOSED',
  UND_ERR_INVALID_ARG: 'INVALID_REQUEST',
  UND_ERR_NOT_SUPPORTED: 'INVALID_REQUEST',
};

const CAUSE_TEXT: Readonly<Record<TransportCause, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found in DNS',
  EAI_AGAIN: 'DNS lookup failed (temporary failure)',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection broken while sending',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  SOCKET_CLOSED: 'the server closed the connection',
  CONNECT_TIMEOUT: 'connect timed out',
  HEADERS_TIMEOUT: 'no response headers in time',
  BODY_TIMEOUT: 'the body stalled',
  ETIMEDOUT: 'the connection went silent',
  CONTENT_LENGTH_MISMATCH: 'the body did not match its Content-Length',
  BAD_HTTP: 'malformed HTTP response',
  CLIENT_CLOSED: "larder's upstream client is closed",
  INVALID_REQUEST: 'larder built an invalid request',
  UNKNOWN: 'unexpected error',
};

function errorCode(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The first code found on the error, its `cause`, or (happy eyeballs) its first aggregated error. */
function findCode(err: unknown, depth = 0): string | undefined {
  if (depth > 3 || typeof err !== 'object' || err === null) return undefined;
  const own = errorCode(err);
  if (own !== undefined) return own;
  if (err instanceof AggregateError) return findCode(err.errors[0], depth + 1);
  return findCode((err as { cause?: unknown }).cause, depth + 1);
}

export function classifyTransportError(err: unknown): TransportFailure {
  const raw = findCode(err) ?? '';
  let cause: TransportCause;
  if (NETWORK_CAUSES.has(raw)) cause = raw as TransportCause;
  else if (raw in UNDICI_CAUSES) cause = UNDICI_CAUSES[raw] ?? 'UNKNOWN';
  else if (raw.startsWith('HPE_') || (err instanceof Error && err.name === 'HTTPParserError')) cause = 'BAD_HTTP';
  else cause = 'UNKNOWN';

  let code: ErrorCode;
  if (cause === 'CONNECT_TIMEOUT' || cause === 'HEADERS_TIMEOUT' || cause === 'BODY_TIMEOUT' || cause === 'ETIMEDOUT') {
    code = 'E_UPSTREAM_TIMEOUT';
  } else if (cause === 'CONTENT_LENGTH_MISMATCH' || cause === 'BAD_HTTP') {
    code = 'E_UPSTREAM_BAD_RESPONSE';
  } else if (cause === 'CLIENT_CLOSED' || cause === 'INVALID_REQUEST') {
    code = 'E_INTERNAL';
  } else {
    // Unknown socket-level failures (TLS errors included) mean the upstream could not be used.
    code = 'E_UPSTREAM_UNREACHABLE';
  }
  return { code, cause, retryable: RETRYABLE.has(cause) };
}

/** A URL without user info, safe for messages and logs. */
export function redactUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

export interface TransportContext {
  url: URL;
  method: string;
  /** `response` when the headers had arrived and the body broke. */
  phase: 'request' | 'response';
  /** The timeout that applied, for the message (connect, headers or body, in ms). */
  timeoutMs?: number;
  operation?: string;
}

/** Wraps any transport error as a LarderError naming the origin, the cause and what to do. */
export function toUpstreamError(err: unknown, context: TransportContext): LarderError {
  if (err instanceof LarderError) return err;
  const failure = classifyTransportError(err);
  const { url, method, phase } = context;
  const where = `${method} ${redactUrl(url)}`;
  const what = CAUSE_TEXT[failure.cause];
  const after = context.timeoutMs === undefined ? '' : ` after ${context.timeoutMs} ms`;
  let message: string;
  if (failure.code === 'E_UPSTREAM_TIMEOUT') {
    message =
      `The upstream ${url.origin} timed out (${what}${after}) on ${where}. ` +
      'It may be overloaded or unreachable; retry later, or raise the upstream timeouts in the larder config.';
  } else if (failure.code === 'E_INTERNAL') {
    message = `Could not send ${where} to the upstream ${url.origin}: ${what}.`;
  } else if (phase === 'response') {
    message =
      `The upstream ${url.origin} broke off the response to ${where} (${what}). ` +
      'The body is incomplete and must not be used; retry the request.';
  } else {
    message =
      `Cannot reach the upstream ${url.origin} (${what}) for ${where}. ` +
      `Check that ${url.host} is up and reachable from this machine (network, DNS, proxy), ` +
      "or fix the connection's url in the larder config.";
  }
  return new LarderError(failure.code, message, {
    operation: context.operation ?? UPSTREAM_OPERATION,
    cause: err,
    details: { url: redactUrl(url), cause: failure.cause },
  });
}
