/** How the engine talks to an external connection. */
import type { Readable } from 'node:stream';

export interface UpstreamRequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** Must be consumed or destroyed by the caller. */
  body: Readable;
  /** The URL that answered, after same-origin redirects. */
  url: URL;
}

export interface UpstreamClient {
  /**
   * Sends one request. Any HTTP status is returned as is; transport failures throw a LarderError
   * (E_UPSTREAM_UNREACHABLE, E_UPSTREAM_TIMEOUT) naming the origin and the cause. Redirects are
   * followed only within the same origin, never https→http, at most 5 hops.
   */
  request(url: URL, options?: UpstreamRequestOptions): Promise<UpstreamResponse>;
  close(): Promise<void>;
}
