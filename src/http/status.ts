/** The one table from error codes to HTTP statuses. */
import type { ErrorCode } from '../errors.js';

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  E_CONFIG_INVALID: 500,
  E_USAGE: 400,
  E_BAD_REQUEST: 400,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_REPOSITORY_UNKNOWN: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_CONFLICT: 409,
  E_NOT_ACCEPTABLE: 406,
  E_TOO_LARGE: 413,
  E_BAD_DIGEST: 502,
  E_INTEGRITY_MISMATCH: 502,
  // The hosted services answer 404 here so that clients simply retry later.
  E_INGESTION_IN_PROGRESS: 404,
  E_UPSTREAM_UNREACHABLE: 502,
  E_UPSTREAM_TIMEOUT: 504,
  E_UPSTREAM_STATUS: 502,
  E_UPSTREAM_BAD_RESPONSE: 502,
  E_UPSTREAM_COOLDOWN: 503,
  E_OFFLINE: 404,
  E_STORE: 500,
  E_LISTEN: 500,
  E_INTERNAL: 500,
};

/** Statuses of errors that happened upstream of a request that was itself fine. */
export function statusFor(code: ErrorCode, operation: string | undefined): number {
  // Over a size limit: the client's request (413, a URL 414) or an upstream's document (502,
  // whichever layer passed the error on).
  if (code === 'E_TOO_LARGE') {
    if (operation === 'http.url') return 414;
    const clientSide = operation !== undefined && ['api.', 'http.', 'publish.'].some((prefix) => operation.startsWith(prefix));
    return clientSide ? 413 : 502;
  }
  return HTTP_STATUS[code];
}
