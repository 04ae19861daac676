/**
 * How `larder warm` talks to the running daemon: its client-facing routes (`/npm/`, `/pypi/`,
 * `/maven/`) and its JSON management API, on one undici Agent the command closes at the end.
 * The token goes as `Authorization: Bearer`, as src/cli/api-client.ts sends it (npm's way; the
 * daemon takes it on every route), and only ever to the daemon's own origin. undici `request`,
 * never `fetch`: redirects are not followed (DESIGN §5), and the daemon sends none on the paths
 * built here.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { LarderError } from '../errors.js';
import { parseDaemonAddress, parseJsonObject } from '../cli/daemon-address.js';

/** Longer than the daemon's default ingestion deadline (40 s), which bounds how long it holds a request. */
const HEADERS_TIMEOUT_MS = 120_000;
const BODY_TIMEOUT_MS = 120_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Error bodies and management answers are small JSON; anything bigger is not from larder. */
const MAX_JSON_BYTES = 1024 * 1024;

export type ResponseHeaders = Dispatcher.ResponseData['headers'];

/** The JSON error body larder answers with (`{ error, code }`), as far as it was one. */
export interface DaemonAnswer {
  status: number;
  headers: ResponseHeaders;
  /** The parsed body when it was a JSON object. */
  body: Record<string, unknown> | undefined;
  /** `body.error`, or a description of what came instead. */
  message: string;
  code: string | undefined;
}

export class DaemonHttp {
  readonly base: URL;
  /** The daemon's address as the user gave it, for messages. */
  readonly display: string;
  readonly #authorization: string | undefined;
  readonly #agent: Agent;

  /** `token` (or the password in `url`, as pip takes it) is sent as a Bearer token. */
  constructor(url: string, token?: string, connections?: number) {
    const address = parseDaemonAddress(url, token, 'warm.url');
    this.base = address.base;
    this.display = address.display;
    this.#authorization = address.authorization;
    this.#agent = new Agent({ connectTimeout: CONNECT_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: BODY_TIMEOUT_MS, ...(connections === undefined ? {} : { connections }) });
  }

  /** A path under the daemon's root (no leading `/`), already percent-encoded where needed. */
  resolve(path: string): URL {
    return new URL(path, this.base);
  }

  /** True when `url` is on the daemon's origin: the only place the token may go. */
  isDaemon(url: URL): boolean {
    return url.origin === this.base.origin;
  }

  /**
   * GET `target`; the caller must consume or destroy the body. Throws E_UPSTREAM_UNREACHABLE
   * (operation `warm.connect`) when no answer came at all.
   */
  async get(target: URL, accept: string): Promise<Dispatcher.ResponseData> {
    if (!this.isDaemon(target)) {
      throw new LarderError('E_BAD_REQUEST', `refusing to fetch ${target.origin}: larder warm only asks the daemon at ${this.display}`, { operation: 'warm.request' });
    }
    try {
      return await request(target, {
        method: 'GET',
        dispatcher: this.#agent,
        headers: { accept, ...(this.#authorization === undefined ? {} : { authorization: this.#authorization }) },
      });
    } catch (error) {
      throw new LarderError('E_UPSTREAM_UNREACHABLE', `no answer from larder at ${this.display}: ${describeCause(error)}`, { operation: 'warm.connect', cause: error });
    }
  }

  /** GET `/-/api/PATH?params` and its JSON answer, whatever the status. */
  async api(path: string, params: Record<string, string>): Promise<DaemonAnswer> {
    const target = this.resolve(`-/api/${path}`);
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
    const res = await this.get(target, 'application/json');
    return readAnswer(res);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** Reads a (small) JSON answer; a body past the cap or not JSON is described, not parsed. */
export async function readAnswer(res: Dispatcher.ResponseData): Promise<DaemonAnswer> {
  const text = await readCapped(res.body, MAX_JSON_BYTES);
  const body = text === undefined ? undefined : parseJsonObject(text);
  const error = body?.error;
  const code = typeof body?.code === 'string' ? body.code : undefined;
  const message = typeof error === 'string' ? error : text === undefined ? `HTTP ${res.statusCode} with a body over ${MAX_JSON_BYTES} bytes` : `HTTP ${res.statusCode}${body === undefined ? ' (not a larder answer: is it a larder daemon?)' : ''}`;
  return { status: res.statusCode, headers: res.headers, body, message, code };
}

/** The body as text when it fits in `max` bytes; undefined (and the rest dropped) otherwise. */
export async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > max) {
      body.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}


export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
}

/** One response header as a string (undici gives arrays for repeated headers). */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
