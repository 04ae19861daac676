/**
 * Routing: `/FORMAT/REPO/…` to the format's handler, `/-/api/…` to the management API, plus larder's own small endpoints. The
 * routing table is the one place outside formats/ that knows which formats exist.
 */
import { REPOSITORY_NAME } from '../domain/repository-graph.js';
import { LarderError, quoteInput } from '../errors.js';
import type { HealthStatus } from '../engine/health.js';
import type { ApiHandler } from './api-handler.js';
import { AUTH_CHALLENGE, type Authenticator } from './auth.js';
import type { Exchange } from './exchange.js';
import type { Handler } from './server.js';

/** `rest` is the raw (still percent-encoded) path after `/FORMAT/REPO/`; `query` includes no `?`. */
export type FormatHandler = (exchange: Exchange, repository: string, rest: string, query: string) => Promise<void>;

export interface RouterOptions {
  formats: Readonly<Record<string, FormatHandler>>;
  repositoryNames: () => string[];
  version: string;
  /** The management API under `/-/api/`. */
  api?: ApiHandler;
  /** `GET /-/health`: without it, the health answer is the index's. */
  health?: () => Promise<{ status: HealthStatus }>;
  /** When auth is required: checks the request's token (throws E_UNAUTHORIZED). */
  authenticate?: Authenticator;
}

const API_PREFIX = '/-/api/';

/** Characters no request path of ours may carry, in any spelling. */
const FORBIDDEN_RAW = /%00|%0d|%0a|\0|\r|\n/i;

export function createRouter(options: RouterOptions): Handler {
  return async (exchange) => {
    const raw = exchange.req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
    const query = queryAt === -1 ? '' : raw.slice(queryAt + 1);
    if (FORBIDDEN_RAW.test(path)) throw badRequest('the request path contains a NUL, CR or LF character');
    // The index and health answers name nothing retained: probes need them without a token.
    if (path === '/') return sendIndex(exchange, options);
    if (path === '/-/health') return sendHealth(exchange, options);
    if (options.authenticate !== undefined) {
      try {
        exchange.facts.user = options.authenticate(exchange.req).sub;
      } catch (error) {
        exchange.res.setHeader('www-authenticate', AUTH_CHALLENGE);
        throw error;
      }
    }
    if (options.api !== undefined && path.startsWith(API_PREFIX)) return options.api(exchange, path.slice(API_PREFIX.length), query);

    const match = /^\/([a-z]+)\/([^/]*)(?:\/(.*))?$/.exec(path);
    const formatName = match?.[1];
    const handler = formatName === undefined ? undefined : options.formats[formatName];
    if (match === null || handler === undefined) {
      throw new LarderError('E_NOT_FOUND', `nothing is served at ${quoteInput(path)}; clients use /npm/REPO/ (see GET / for the endpoints)`, { operation: 'http.route' });
    }
    const repository = match[2] ?? '';
    exchange.facts.format = formatName;
    if (!REPOSITORY_NAME.test(repository)) throw badRequest(`"${repository}" is not a valid repository name`);
    if (!options.repositoryNames().includes(repository)) {
      throw new LarderError('E_REPOSITORY_UNKNOWN', `no repository named "${repository}" (configured: ${options.repositoryNames().join(', ')})`, { operation: 'http.route' });
    }
    exchange.facts.repository = repository;
    await handler(exchange, repository, match[3] ?? '', query);
  };
}

async function sendHealth(exchange: Exchange, options: RouterOptions): Promise<void> {
  if (options.health === undefined) return sendIndex(exchange, options);
  const report = await options.health();
  // 503 only when larder cannot work (a probe should restart or page); degraded still serves.
  exchange.sendJson(report.status === 'failing' ? 503 : 200, report, { 'cache-control': 'no-store' });
}

function sendIndex(exchange: Exchange, options: RouterOptions): void {
  const repositories = options.repositoryNames();
  exchange.sendJson(200, {
    name: 'larder',
    version: options.version,
    status: 'ok',
    endpoints: Object.fromEntries(Object.keys(options.formats).map((format) => [format, repositories.map((name) => `${exchange.origin}/${format}/${name}/`)])),
  });
}

function badRequest(message: string): LarderError {
  return new LarderError('E_BAD_REQUEST', message, { operation: 'http.route' });
}
