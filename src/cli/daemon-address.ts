/**
 * Where the running daemon is and how to prove who we are to it, from `--url` and `--token`.
 * Shared by the management CLI (src/cli/api-client.ts) and `larder warm` (src/warm/daemon-http.ts),
 * so both read a URL, its path prefix and its credentials the same way.
 */
import { LarderError } from '../errors.js';

export interface DaemonAddress {
  /** The daemon's root: http(s), any path prefix kept and ended with `/`, no query, fragment or credentials. */
  base: URL;
  /** `Bearer TOKEN`, or undefined when there is no token to send. */
  authorization: string | undefined;
  /** The daemon's address as the user gave it (without credentials), for messages. */
  display: string;
}

/**
 * Parses `url` (E_USAGE with `operation` when it is not http:// or https://). `token`, or else the
 * password (or lone username) in `url`, as pip takes it, becomes the Bearer token.
 */
export function parseDaemonAddress(url: string, token: string | undefined, operation: string): DaemonAddress {
  let base: URL;
  try {
    base = new URL(url);
  } catch (error) {
    throw new LarderError('E_USAGE', `--url must be an http:// or https:// URL, got "${url}"`, { operation, cause: error });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new LarderError('E_USAGE', `--url must be an http:// or https:// URL, got "${url}"`, { operation });
  }
  // The API and the client routes live at the daemon's root; keep any path prefix (a reverse proxy) and end it with `/`.
  base.pathname = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  base.search = '';
  base.hash = '';
  let fromUrl = base.password || base.username;
  try {
    fromUrl = decodeURIComponent(fromUrl);
  } catch (error) {
    void error; // not percent-encoded after all: take it as written
  }
  // The credentials go in a header, never in a URL that messages print.
  base.username = '';
  base.password = '';
  const chosen = token !== undefined && token !== '' ? token : fromUrl;
  return { base, authorization: chosen === '' ? undefined : `Bearer ${chosen}`, display: base.href.replace(/\/$/, '') };
}

/**
 * A daemon's answer as a JSON object, or undefined when it is not one (another server on that
 * port, a proxy's error page): the caller reports the answer as not larder's.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    void error; // not JSON: see above
    return undefined;
  }
}
