/**
 * Header filters for the pass-through. http-proxy forwards every client header, Authorization and
 * Cookie included (DESIGN §5): a token meant for larder must never reach a public registry, and a
 * registry's cookies must not be set on larder's origin. Hop-by-hop headers describe one
 * connection and are rebuilt by Node on each side.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Node's server has already answered `100-continue`; forwarding it would also keep http-proxy
  // from emitting `proxyReq`, where the timeout is set.
  'expect',
]);

const REQUEST_CREDENTIALS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);
const RESPONSE_CREDENTIALS: ReadonlySet<string> = new Set(['set-cookie', 'set-cookie2']);

/** Names listed in a Connection header are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const tokens = new Set<string>();
  for (const part of [value ?? []].flat()) {
    for (const token of part.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') tokens.add(name);
    }
  }
  return tokens;
}

function filter(headers: IncomingHttpHeaders, drop: ReadonlySet<string>): IncomingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || drop.has(lower) || listed.has(lower)) continue;
    kept[lower] = value;
  }
  return kept;
}

/** The client's headers as they may go upstream: no hop-by-hop, no credentials. */
export function forwardRequestHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return filter(headers, REQUEST_CREDENTIALS);
}

/** The upstream's headers as they may go back to the client: no hop-by-hop, no cookies. */
export function forwardResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return filter(headers, RESPONSE_CREDENTIALS);
}
