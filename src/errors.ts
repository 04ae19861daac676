/**
 * Typed errors with stable codes. Every failure larder reports carries a `code` that never
 * changes meaning, the `operation` that failed, and a message written for the person who has
 * to fix it. One table in http/ maps codes to HTTP statuses; the CLI maps them to exit codes.
 */
export const ERROR_CODES = [
  'E_CONFIG_INVALID', // the config file or a flag is wrong (exit 2)
  'E_USAGE', // bad command-line usage (exit 2)
  'E_BAD_REQUEST', // malformed name, traversal, bad encoding (400)
  'E_UNAUTHORIZED', // auth is required and the token is missing, expired or not ours (401)
  'E_FORBIDDEN', // the request is understood and authenticated, but the repository's config refuses it, e.g. a publish (403)
  'E_NOT_FOUND', // nothing in the searched repositories has it (404)
  'E_REPOSITORY_UNKNOWN', // no repository by that name (404)
  'E_METHOD_NOT_ALLOWED', // (405)
  'E_CONFLICT', // a guard no longer holds, e.g. a version's status is not the one expected (409)
  'E_NOT_ACCEPTABLE', // no representation fits the Accept header (406)
  'E_TOO_LARGE', // request or metadata document over a limit (413 / 502)
  'E_BAD_DIGEST', // a digest string that is not a valid SRI / hex digest
  'E_INTEGRITY_MISMATCH', // bytes do not match the advertised digest (502)
  'E_INGESTION_IN_PROGRESS', // past the ingestion deadline; the fetch goes on (404)
  'E_UPSTREAM_UNREACHABLE', // connection refused, DNS failure, reset (502)
  'E_UPSTREAM_TIMEOUT', // connect, headers or body timed out (504)
  'E_UPSTREAM_STATUS', // upstream answered 5xx or an unexpected status (502)
  'E_UPSTREAM_BAD_RESPONSE', // unparseable metadata, truncated body (502)
  'E_UPSTREAM_COOLDOWN', // breaker open: larder is not calling that upstream for a while (503)
  'E_OFFLINE', // offline mode and nothing retained (404: a client should not retry)
  'E_STORE', // the data directory failed (500)
  'E_LISTEN', // the server could not listen (address in use, permission) (exit 1)
  'E_INTERNAL', // a bug (500)
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface LarderErrorOptions {
  /** What larder was doing, e.g. `npm.packument`, `store.write`, `upstream.request`. */
  operation?: string;
  cause?: unknown;
  /** Extra facts for logs and JSON error bodies (never secrets). */
  details?: Record<string, unknown>;
}

export class LarderError extends Error {
  readonly code: ErrorCode;
  readonly operation: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: LarderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LarderError';
    this.code = code;
    this.operation = options.operation;
    this.details = options.details ?? {};
  }
}

export function isLarderError(value: unknown, code?: ErrorCode): value is LarderError {
  return value instanceof LarderError && (code === undefined || value.code === code);
}

/** Any thrown value as a LarderError: itself, or E_INTERNAL (a bug) wrapping it. */
export function asLarderError(error: unknown): LarderError {
  if (error instanceof LarderError) return error;
  return new LarderError('E_INTERNAL', describeError(error), { cause: error });
}

/** A short description of any thrown value, for logs and messages. */
export function describeError(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return typeof code === 'string' && !value.message.includes(code) ? `${code}: ${value.message}` : value.message;
  }
  return String(value);
}

/** Characters a message may show as they are: printable ASCII that no HTML, log or shell reads as markup. */
const SHOWN_AS_IS = /^[A-Za-z0-9 !#$%&()*+,\-./:;=?@[\]^_{|}~]$/;

/**
 * Request input (a path, a header) as an error message may show it: quoted, everything outside
 * plain printable ASCII percent-encoded (so no markup, control character or line break from the
 * request reaches a client, a browser or a log) and cut at `max` characters.
 */
export function quoteInput(input: string, max = 120): string {
  const cut = input.length > max ? input.slice(0, max) : input;
  let shown = '';
  for (const char of cut) {
    if (SHOWN_AS_IS.test(char)) shown += char;
    else {
      try {
        shown += encodeURIComponent(char).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      } catch (error) {
        void error; // a lone surrogate: encodeURIComponent refuses it
        shown += `%u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
      }
    }
  }
  return `"${shown}${input.length > max ? '…' : ''}"`;
}
