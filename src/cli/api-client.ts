/**
 * The CLI's HTTP client for the daemon's JSON API under `/-/api/`. undici `request` (never
 * fetch: it follows redirects anywhere), on its own Agent so the command can close its sockets
 * and the process ends at once instead of waiting out keep-alive. undici is loaded when the
 * first request is made, so that `larder serve`, which has this module in its import graph,
 * does not pay for it at start.
 */
import type { Agent } from 'undici';
import { ERROR_CODES, LarderError, type ErrorCode } from '../errors.js';
import { parseDaemonAddress, parseJsonObject } from './daemon-address.js';

export const DEFAULT_URL = 'http://127.0.0.1:7878';
const OPERATION = 'cli.api';
const CONNECT = 'cli.connect';

export interface ApiAnswer {
  status: number;
  /** The body exactly as the daemon sent it (what --json prints). */
  text: string;
  body: Record<string, unknown>;
}

/** An answer the daemon refused (the message is the API's own), or no daemon to ask. */
export function isDaemonError(error: unknown): error is LarderError {
  return error instanceof LarderError && (error.operation === OPERATION || error.operation === CONNECT);
}

export class ApiClient {
  readonly base: URL;
  /** The daemon's address as the user gave it, for messages. */
  readonly display: string;
  #undici: Promise<{ agent: Agent; request: typeof import('undici').request }> | undefined;

  readonly #authorization: string | undefined;

  /** `token` (or the password in `url`, as pip takes it) is sent as a Bearer token. */
  constructor(url: string, token?: string) {
    const address = parseDaemonAddress(url, token, 'cli.url');
    this.base = address.base;
    this.display = address.display;
    this.#authorization = address.authorization;
  }

  /** GET `/-/api/PATH?params`; parameters left undefined are not sent. */
  get(path: string, params: Record<string, string | number | undefined> = {}): Promise<ApiAnswer> {
    const url = new URL(`-/api/${path}`, this.base);
    for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, String(value));
    return this.#send(url, 'GET');
  }

  post(path: string, body: unknown): Promise<ApiAnswer> {
    return this.#send(new URL(`-/api/${path}`, this.base), 'POST', JSON.stringify(body));
  }

  async close(): Promise<void> {
    if (this.#undici !== undefined) await (await this.#undici).agent.close();
  }

  async #send(url: URL, method: 'GET' | 'POST', body?: string): Promise<ApiAnswer> {
    this.#undici ??= import('undici').then(({ Agent, request }) => ({ agent: new Agent({ connectTimeout: 10_000, headersTimeout: 60_000, bodyTimeout: 60_000 }), request }));
    const { agent, request } = await this.#undici;
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method,
        dispatcher: agent,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.#authorization === undefined ? {} : { authorization: this.#authorization }),
        },
        ...(body === undefined ? {} : { body }),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      throw new LarderError('E_UPSTREAM_UNREACHABLE', `cannot reach larder at ${this.display} (is it running? start it with: larder serve)`, { operation: CONNECT, cause: error });
    }
    const parsed = parseJsonObject(text);
    if (status >= 200 && status < 300 && parsed !== undefined) return { status, text, body: parsed };
    const message = typeof parsed?.error === 'string' ? parsed.error : `${url.origin} answered HTTP ${status}${parsed === undefined ? ' without JSON: is it a larder daemon?' : ''}`;
    throw new LarderError(codeOf(parsed?.code), message, { operation: OPERATION, details: { status, text, ...(parsed === undefined ? {} : { body: parsed }) } });
  }
}


function codeOf(code: unknown): ErrorCode {
  // E_USAGE and E_CONFIG_INVALID would mean "exit 2": a refusal by the daemon is a runtime failure.
  const known = ERROR_CODES.find((candidate) => candidate === code);
  return known === undefined || known === 'E_USAGE' || known === 'E_CONFIG_INVALID' ? 'E_UPSTREAM_STATUS' : known;
}
