/**
 * The upstream client: one undici Agent (a keep-alive pool per origin) with the configured
 * connect / headers / body timeouts. It uses undici `request`, never `fetch`, because fetch
 * follows redirects to any host (DESIGN §5); redirects are followed here under the rules in
 * redirect.ts. Transport failures become LarderErrors (transport-errors.ts), on the request
 * and on the body stream alike (body.ts). undici is loaded on the first request: it is the
 * largest module larder has, and a daemon serving from its store may never need it.
 */
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent, Dispatcher } from 'undici';
import type { UpstreamSettings } from '../config/types.js';
import type { UpstreamClient, UpstreamRequestOptions, UpstreamResponse } from './types.js';
import { wrapBody } from './body.js';
import { followRedirect, isRedirectStatus } from './redirect.js';
import { classifyTransportError, toUpstreamError, type TransportCause } from './transport-errors.js';

/** First retry waits this long, each further one twice as long. */
const RETRY_BASE_DELAY_MS = 100;
/** How long close() lets requests in flight finish before it tears the sockets down. */
const CLOSE_GRACE_MS = 3_000;

let cachedUserAgent: string | undefined;

/** `larder/<version>`, read once from package.json (../../ from both src/upstream and dist/upstream). */
export function larderUserAgent(): string {
  if (cachedUserAgent === undefined) {
    const pkg: unknown = createRequire(import.meta.url)('../../package.json');
    const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    cachedUserAgent = `larder/${typeof version === 'string' ? version : 'unknown'}`;
  }
  return cachedUserAgent;
}

function requestHeaders(given: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': larderUserAgent(),
    // Ask for identity: metadata is parsed and digests are checked on the bytes as stored, so a
    // gzip-encoded answer would need decoding here first. Tarballs, wheels and jars are already
    // compressed, so identity costs little. A caller that sets accept-encoding decodes itself.
    'accept-encoding': 'identity',
  };
  for (const [name, value] of Object.entries(given ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Reads and drops a redirect's body so its connection goes back to the pool. */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    // The redirect is followed anyway; a broken redirect body only costs that one socket,
    // which undici has already destroyed. Nothing else to do.
  }
}

interface Undici {
  agent: Agent;
  request: typeof import('undici').request;
}

export class UndiciUpstreamClient implements UpstreamClient {
  readonly #settings: UpstreamSettings;
  #undici: Promise<Undici> | undefined;

  constructor(settings: UpstreamSettings) {
    this.#settings = settings;
  }

  #load(): Promise<Undici> {
    this.#undici ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({
        connect: { timeout: this.#settings.connectTimeoutMs },
        headersTimeout: this.#settings.headersTimeoutMs,
        bodyTimeout: this.#settings.bodyTimeoutMs,
      }),
      request,
    }));
    return this.#undici;
  }

  async request(url: URL, options: UpstreamRequestOptions = {}): Promise<UpstreamResponse> {
    const method = options.method ?? 'GET';
    const headers = requestHeaders(options.headers);
    const original = new URL(url.href);
    let current = original;
    for (let hops = 0; ; hops++) {
      const response = await this.#send(current, method, headers, options.signal);
      const location = response.headers.location;
      const target = Array.isArray(location) ? location[0] : location;
      if (!isRedirectStatus(response.statusCode) || target === undefined) {
        return {
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          body: wrapBody(response.body, {
            url: current,
            method,
            bodyTimeoutMs: this.#settings.bodyTimeoutMs,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          }),
          url: current,
        };
      }
      await discard(response.body);
      // Throws E_UPSTREAM_BAD_RESPONSE for another origin, a downgrade, or too many hops.
      current = followRedirect(original, current, target, hops);
    }
  }

  /** One request, retried while it fails before any response in a way worth retrying. */
  async #send(url: URL, method: 'GET' | 'HEAD', headers: Record<string, string>, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    const { agent, request } = await this.#load();
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(url, { dispatcher: agent, method, headers, ...(signal === undefined ? {} : { signal }) });
      } catch (err) {
        // An abort is the caller's decision: they get their own reason back, as with fetch.
        if (signal?.aborted === true) throw signal.reason;
        const failure = classifyTransportError(err);
        // GET and HEAD are the only methods here, both idempotent, so only the failure decides.
        if (!failure.retryable || attempt >= this.#settings.retries) {
          throw toUpstreamError(err, { url, method, phase: 'request', ...this.#timeoutFor(failure.cause) });
        }
      }
      await this.#backoff(attempt, signal);
    }
  }

  #timeoutFor(cause: TransportCause): { timeoutMs?: number } {
    if (cause === 'CONNECT_TIMEOUT') return { timeoutMs: this.#settings.connectTimeoutMs };
    if (cause === 'HEADERS_TIMEOUT') return { timeoutMs: this.#settings.headersTimeoutMs };
    return {};
  }

  async #backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(RETRY_BASE_DELAY_MS * 2 ** attempt, undefined, signal === undefined ? {} : { signal });
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.#undici === undefined) return;
    const { agent } = await this.#undici;
    // close() waits for requests in flight, and for bodies nobody reads: bound the wait, then
    // destroy, so shutting down never hangs on a forgotten body.
    const grace = sleep(CLOSE_GRACE_MS, 'timeout' as const, { ref: false });
    const outcome = await Promise.race([agent.close().then(() => 'closed' as const), grace]);
    if (outcome === 'timeout') await agent.destroy();
  }
}
