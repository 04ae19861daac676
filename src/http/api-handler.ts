/**
 * The JSON management API under `/-/api/` (issue 5): routing, parameters and JSON in and out.
 * The operations themselves live in engine/management/.
 */
import { FORMATS, VERSION_STATUSES, type Format, type VersionStatus } from '../domain/types.js';
import { isGuardConflict, type ManagementService, type VersionChange, type VersionCoordinates, type VersionCopy } from '../engine/management/index.js';
import type { PageRequest } from '../engine/management/paging.js';
import type { Reconfigurer } from '../engine/management/reconfigure.js';
import type { RepositorySettings } from '../config/edit.js';
import { LarderError, quoteInput } from '../errors.js';
import type { Exchange } from './exchange.js';
import { badField, oneOf, readJsonBody, stringField } from './json-body.js';
import { statusFor } from './status.js';

/** `path` is the part after `/-/api/`, still percent-encoded; `query` has no `?`. */
export type ApiHandler = (exchange: Exchange, path: string, query: string) => Promise<void>;

type Fields = Record<string, unknown>;
type Route = (exchange: Exchange, params: Fields) => Promise<void>;

const TARGET_STATUSES = ['Published', 'Unlisted', 'Archived'] as const satisfies readonly VersionStatus[];
const OPERATION = 'api.request';

export function createApiHandler(management: ManagementService, reconfigurer?: Reconfigurer): ApiHandler {
  const get: Record<string, Route> = {
    repositories: async (exchange) => exchange.sendJson(200, { repositories: await management.listRepositories() }),
    packages: async (exchange, params) => {
      const repository = stringField(params, 'repository', OPERATION, true);
      const format = oneOf<Format>(params, 'format', FORMATS, OPERATION, false);
      const prefix = stringField(params, 'prefix', OPERATION, false);
      exchange.sendJson(200, await management.listPackages(repository, { ...pageParams(params), ...(format ? { format } : {}), ...(prefix ? { prefix } : {}), namespace: stringField(params, 'namespace', OPERATION, false) }));
    },
    versions: async (exchange, params) => {
      const { repository, format, pkg } = coordinates(params);
      exchange.sendJson(200, await management.listVersions(repository, format, pkg, pageParams(params)));
    },
    'versions/describe': async (exchange, params) => {
      const { repository, format, pkg } = coordinates(params);
      const version = stringField(params, 'version', OPERATION, true);
      exchange.sendJson(200, await management.describeVersion(repository, format, pkg, version));
    },
    'versions/assets': async (exchange, params) => exchange.sendJson(200, await management.listAssets(versionCoordinates(params))),
    'versions/asset': async (exchange, params) => {
      const at = versionCoordinates(params);
      const asset = await management.getAsset(at, stringField(params, 'asset', OPERATION, true));
      Object.assign(exchange.facts, { repository: at.repository, format: at.format, package: at.package, version: at.version });
      await exchange.sendStream(200, asset.body, { 'content-type': asset.contentType, 'content-length': String(asset.size) });
    },
    'versions/dependencies': async (exchange, params) => exchange.sendJson(200, await management.listDependencies(versionCoordinates(params))),
    'versions/readme': async (exchange, params) => exchange.sendJson(200, await management.getReadme(versionCoordinates(params))),
  };
  const post: Record<string, Route> = {
    'versions/status': async (exchange, body) => {
      const target = oneOf(body, 'targetStatus', TARGET_STATUSES, OPERATION, true) as VersionStatus;
      sendChange(exchange, await management.updateStatuses(versionChange(body), target));
    },
    'versions/delete': async (exchange, body) => sendChange(exchange, await management.deleteVersions(versionChange(body))),
    'versions/dispose': async (exchange, body) => sendChange(exchange, await management.disposeVersions(versionChange(body))),
    'versions/copy': async (exchange, body) => sendChange(exchange, await management.copyVersions(versionCopy(body))),
    ...(reconfigurer === undefined ? {} : configRoutes(reconfigurer, management)),
  };

  return async (exchange, path, query) => {
    const method = exchange.req.method ?? 'GET';
    const describe = /^repositories\/([^/]+)$/.exec(path);
    if (describe !== null && (method === 'GET' || method === 'HEAD')) {
      exchange.sendJson(200, await management.describeRepository(decode(describe[1] ?? '')));
      return;
    }
    const getRoute = Object.hasOwn(get, path) ? get[path] : undefined;
    const postRoute = Object.hasOwn(post, path) ? post[path] : undefined;
    if (getRoute === undefined && postRoute === undefined && describe === null) {
      throw new LarderError('E_NOT_FOUND', `no management operation at ${quoteInput(`/-/api/${path}`)}`, { operation: 'api.route' });
    }
    if (getRoute !== undefined && (method === 'GET' || method === 'HEAD')) return getRoute(exchange, queryFields(query));
    if (postRoute !== undefined && method === 'POST') return postRoute(exchange, await readJsonBody(exchange.req, OPERATION));
    throw new LarderError('E_METHOD_NOT_ALLOWED', `${method} is not supported on ${quoteInput(`/-/api/${path}`)}; use ${postRoute === undefined ? 'GET' : 'POST'}`, { operation: 'api.route' });
  };
}

/** Reload and the repository edits that rewrite the config file (issue 5 §3). */
function configRoutes(reconfigurer: Reconfigurer, management: ManagementService): Record<string, Route> {
  return {
    reload: (exchange) => sendConfigChange(exchange, () => reconfigurer.reload()),
    'repositories/associate-external-connection': (exchange, body) => {
      const repository = stringField(body, 'repository', OPERATION, true);
      const connection = externalConnection(body);
      return sendConfigChange(exchange, () => reconfigurer.associateExternalConnection(repository, connection));
    },
    'repositories/disassociate-external-connection': (exchange, body) => {
      const repository = stringField(body, 'repository', OPERATION, true);
      return sendConfigChange(exchange, () => reconfigurer.disassociateExternalConnection(repository));
    },
    'repositories/create': (exchange, body) => {
      const repository = stringField(body, 'repository', OPERATION, true);
      const connection = body.externalConnection === undefined ? undefined : externalConnection(body);
      return sendConfigChange(exchange, () => reconfigurer.createRepository(repository, repositorySettings(body), connection));
    },
    'repositories/update': (exchange, body) => {
      const repository = stringField(body, 'repository', OPERATION, true);
      const settings = repositorySettings(body);
      if (settings.description === undefined && settings.upstreams === undefined) throw badField('description', 'or upstreams must be given: there is nothing to update', OPERATION);
      return sendConfigChange(exchange, () => reconfigurer.updateRepository(repository, settings));
    },
    'repositories/delete': (exchange, body) => {
      const repository = stringField(body, 'repository', OPERATION, true);
      // The purge runs after the edit is applied: from then on no request can retain into it.
      return sendConfigChange(exchange, async () => ({ ...(await reconfigurer.deleteRepository(repository)), deleted: await management.purgeRepository(repository) }));
    },
  };
}

/** `description` and `upstreams` of a create or update; absent fields stay absent. */
function repositorySettings(body: Fields): RepositorySettings {
  const description = body.description;
  if (description !== undefined && typeof description !== 'string') throw badField('description', 'must be a string', OPERATION);
  const upstreams = body.upstreams;
  if (upstreams !== undefined && !(Array.isArray(upstreams) && upstreams.every((name): name is string => typeof name === 'string' && name !== ''))) {
    throw badField('upstreams', 'must be a list of repository names, in search order', OPERATION);
  }
  return { ...(description === undefined ? {} : { description }), ...(upstreams === undefined ? {} : { upstreams }) };
}

/** A refused config change answers with every problem, not only the message. */
async function sendConfigChange(exchange: Exchange, change: () => Promise<unknown>): Promise<void> {
  try {
    exchange.sendJson(200, await change());
  } catch (error) {
    const problems = error instanceof LarderError ? error.details.problems : undefined;
    if (!(error instanceof LarderError) || problems === undefined) throw error;
    exchange.facts.error = error;
    exchange.sendJson(statusFor(error.code, error.operation), { error: error.message, code: error.code, problems });
  }
}

function externalConnection(body: Fields): string | { format: string; url: string } {
  const value = body.externalConnection;
  if (typeof value === 'string' && value !== '') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const fields = value as Fields;
    const extra = Object.keys(fields).filter((key) => key !== 'format' && key !== 'url');
    if (extra.length === 0) return { format: stringField(fields, 'format', OPERATION, true), url: stringField(fields, 'url', OPERATION, true) };
  }
  throw badField('externalConnection', 'must be a public connection name such as "public:npmjs" or { "format": ..., "url": ... }', OPERATION);
}

function sendChange(exchange: Exchange, result: Awaited<ReturnType<ManagementService['updateStatuses']>>): void {
  if (isGuardConflict(result)) {
    const error = new LarderError('E_CONFLICT', 'no version was changed: every version failed the expectedStatus guard', { operation: 'api.versions' });
    exchange.facts.error = error;
    exchange.sendJson(statusFor(error.code, error.operation), { error: error.message, code: error.code, ...result });
    return;
  }
  exchange.sendJson(200, result);
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch (error) {
    throw new LarderError('E_BAD_REQUEST', `the path has a bad percent-escape: ${quoteInput(value)}`, { operation: 'api.route', cause: error });
  }
}

function queryFields(query: string): Fields {
  const fields: Fields = {};
  // The first value of a repeated parameter wins; URLSearchParams decodes `+` and escapes.
  for (const [key, value] of new URLSearchParams(query)) if (!Object.hasOwn(fields, key)) fields[key] = value;
  return fields;
}

function coordinates(params: Fields): { repository: string; format: Format; pkg: string } {
  return {
    repository: stringField(params, 'repository', OPERATION, true),
    format: oneOf<Format>(params, 'format', FORMATS, OPERATION, true) as Format,
    pkg: stringField(params, 'package', OPERATION, true),
  };
}

function pageParams(params: Fields): PageRequest {
  const raw = stringField(params, 'maxResults', OPERATION, false);
  const nextToken = stringField(params, 'nextToken', OPERATION, false);
  const page: PageRequest = nextToken === undefined ? {} : { nextToken };
  if (raw === undefined) return page;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw badField('maxResults', 'must be an integer from 1 to 1000', OPERATION);
  return { ...page, maxResults: Number(raw) };
}

function versionCoordinates(params: Fields): VersionCoordinates {
  const { repository, format, pkg } = coordinates(params);
  return { repository, format, package: pkg, version: stringField(params, 'version', OPERATION, true) };
}

function versionList(body: Fields): string[] {
  const versions = body.versions;
  if (!Array.isArray(versions) || versions.length === 0 || versions.length > 1000 || !versions.every((v): v is string => typeof v === 'string' && v !== '')) {
    throw badField('versions', 'must be a list of 1 to 1000 version strings', OPERATION);
  }
  return versions;
}

function versionCopy(body: Fields): VersionCopy {
  const allowOverwrite = body.allowOverwrite;
  if (allowOverwrite !== undefined && typeof allowOverwrite !== 'boolean') throw badField('allowOverwrite', 'must be true or false', OPERATION);
  return {
    sourceRepository: stringField(body, 'sourceRepository', OPERATION, true),
    destinationRepository: stringField(body, 'destinationRepository', OPERATION, true),
    format: oneOf<Format>(body, 'format', FORMATS, OPERATION, true) as Format,
    package: stringField(body, 'package', OPERATION, true),
    versions: versionList(body),
    ...(allowOverwrite === undefined ? {} : { allowOverwrite }),
  };
}

function versionChange(body: Fields): VersionChange {
  const { repository, format, pkg } = coordinates(body);
  const versions = versionList(body);
  const expectedStatus = oneOf(body, 'expectedStatus', VERSION_STATUSES, OPERATION, false);
  return { repository, format, package: pkg, versions, ...(expectedStatus === undefined ? {} : { expectedStatus }) };
}
