/**
 * Turns a parsed config document into the validated LarderConfig: the document is laid over the
 * embedded default, every value is checked (collecting every problem with its path), and the
 * result is frozen. Nothing else in larder interprets config documents.
 */
import { defaultDataDir, resolvePath } from './data-dir.js';
import { defaultDocument } from './defaults.js';
import { deepFreeze } from './freeze.js';
import { checkGraph } from './graph.js';
import {
  at,
  MAX_TIMER_MS,
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readSection,
  readSize,
  readString,
  type FieldContext,
} from './fields.js';
import { childPath, isPlainObject, ProblemList, ROOT_PATH } from './problems.js';
import { readDefaults, readRepositories } from './repositories.js';
import { pointsAtSelf, type ListenAddress } from './self-address.js';
import type { LarderConfig, UpstreamSettings } from './types.js';

export const LOG_LEVELS: readonly LarderConfig['logLevel'][] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const TOP_LEVEL_KEYS = ['listen', 'auth', 'dataDir', 'offline', 'log', 'upstream', 'limits', 'defaults', 'repositories'];

/** Metadata is decoded as one string, and V8 strings top out near 512 MiB. */
export const MAX_METADATA_LIMIT = 512 * 1024 ** 2;

export interface ValidateOptions {
  /** Named in the error: a file path or "embedded default". */
  source: string;
  /** Directory a relative `dataDir` is resolved against (the config file's directory). */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** Directory a relative LARDER_DATA_DIR is resolved against. */
  cwd: string;
}

/** Validates `document` (as parsed from YAML; null means empty) and returns the frozen config. */
export function validateConfig(document: unknown, options: ValidateOptions): LarderConfig {
  const problems = new ProblemList();
  const root: FieldContext = { problems, path: ROOT_PATH };
  if (document !== null && document !== undefined && !isPlainObject(document)) {
    problems.add(ROOT_PATH, 'a config file is a YAML mapping (keys such as listen, repositories)');
    problems.throwIfAny(options.source);
  }
  const doc = readSection(overlay(document, defaultDocument()), TOP_LEVEL_KEYS, root) ?? {};

  const listenSection = readSection(doc.listen, ['host', 'port'], at(root, 'listen')) ?? {};
  const listen = {
    host: readHost(listenSection.host, at(at(root, 'listen'), 'host')),
    port: readInteger(listenSection.port, 0, { min: 0, max: 65535 }, at(at(root, 'listen'), 'port')),
  };
  const dataDirValue = readString(doc.dataDir, '', at(root, 'dataDir'), { nonEmpty: true });
  const logSection = readSection(doc.log, ['level'], at(root, 'log')) ?? {};
  const limits = readSection(doc.limits, ['maxMetadataSize'], at(root, 'limits')) ?? {};
  const defaults = readDefaults(doc.defaults, at(root, 'defaults'));
  const reposCtx = at(root, 'repositories');
  const { repositories, positions } = readRepositories(doc.repositories, defaults, reposCtx);
  checkGraph({ upstreams: mapValues(repositories, (r) => r.upstreams), positions, path: reposCtx.path }, problems);
  checkNotSelf(repositories, listen, reposCtx);

  const authSection = readSection(doc.auth, ['required'], at(root, 'auth')) ?? {};
  const auth = { required: readBoolean(authSection.required, false, at(at(root, 'auth'), 'required')) };
  checkExposure(listen.host, auth.required, at(at(root, 'listen'), 'host'));

  const config: LarderConfig = {
    listen,
    auth,
    dataDir: dataDirValue === '' ? defaultDataDir(options.env, options.cwd) : resolvePath(dataDirValue, options.baseDir, options.env),
    offline: readBoolean(doc.offline, false, at(root, 'offline')),
    logLevel: readEnum(logSection.level, LOG_LEVELS, 'info', at(at(root, 'log'), 'level')),
    upstream: readUpstreamSettings(doc.upstream, at(root, 'upstream')),
    maxMetadataBytes: readSize(limits.maxMetadataSize, 0, at(at(root, 'limits'), 'maxMetadataSize'), {
      min: 1,
      max: MAX_METADATA_LIMIT,
    }),
    repositories,
  };
  problems.throwIfAny(options.source);
  return deepFreeze(config);
}

function readUpstreamSettings(value: unknown, ctx: FieldContext): UpstreamSettings {
  const keys = ['connectTimeout', 'headersTimeout', 'bodyTimeout', 'retries', 'breakerThreshold', 'breakerCooldown'];
  const section = readSection(value, keys, ctx) ?? {};
  const timer = { minMs: 1, maxMs: MAX_TIMER_MS };
  return {
    connectTimeoutMs: readDuration(section.connectTimeout, 0, at(ctx, 'connectTimeout'), timer),
    headersTimeoutMs: readDuration(section.headersTimeout, 0, at(ctx, 'headersTimeout'), timer),
    bodyTimeoutMs: readDuration(section.bodyTimeout, 0, at(ctx, 'bodyTimeout'), timer),
    retries: readInteger(section.retries, 0, { min: 0, max: 10 }, at(ctx, 'retries')),
    breakerThreshold: readInteger(section.breakerThreshold, 1, { min: 1, max: 1000 }, at(ctx, 'breakerThreshold')),
    breakerCooldownMs: readDuration(section.breakerCooldown, 0, at(ctx, 'breakerCooldown'), timer),
  };
}

/** A host name or IP address to listen on: no scheme, port or path. */
export function readHost(value: unknown, ctx: FieldContext): string {
  const host = readString(value, '127.0.0.1', ctx, { nonEmpty: true });
  if (!isHostSyntax(host)) {
    ctx.problems.add(ctx.path, `expected a host name or IP address such as 127.0.0.1, got ${JSON.stringify(host)}`);
  }
  return host;
}

function isHostSyntax(host: string): boolean {
  return host !== '' && !/[\s/]/.test(host) && !/^\w+:\/\//.test(host);
}

/** True for an address only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Listening where other machines reach it, larder must know who asks (issue 7 §5). */
export function checkExposure(host: string, authRequired: boolean, ctx: FieldContext): void {
  // A malformed host has its own problem already.
  if (authRequired || isLoopbackHost(host) || !isHostSyntax(host)) return;
  ctx.problems.add(
    ctx.path,
    `${host} is reachable from other machines, and anyone who reaches larder could use it: set auth.required: true (clients then need a token from \`larder token create\`), or listen on 127.0.0.1`,
  );
}

/** A custom connection must not point back at this larder: it would ask itself forever. */
export function checkNotSelf(repositories: LarderConfig['repositories'], listen: ListenAddress, ctx: FieldContext): void {
  for (const repository of repositories.values()) {
    const external = repository.external;
    if (external?.name !== 'custom' || external.url === undefined) continue;
    if (pointsAtSelf(new URL(external.url), listen)) {
      const path = childPath(childPath(childPath(ctx.path, repository.name), 'external'), 'url');
      ctx.problems.add(path, `points at this larder itself (${listen.host}:${listen.port}); give the registry larder should fetch from`);
    }
  }
}

/**
 * The user's document laid over the default: mappings merge key by key, anything else (lists,
 * scalars, a value of the wrong type) replaces. `repositories` replaces as a whole: a file that
 * defines repositories defines all of them. `null` keeps the default.
 */
function overlay(user: unknown, base: Readonly<Record<string, unknown>>): unknown {
  if (user === null || user === undefined) return base;
  if (!isPlainObject(user)) return user;
  const keys = new Set([...Object.keys(base), ...Object.keys(user)]);
  return Object.fromEntries(
    [...keys].map((key) => {
      const mine = user[key];
      const theirs = base[key];
      if (mine === undefined || mine === null) return [key, theirs];
      if (key !== 'repositories' && isPlainObject(mine) && isPlainObject(theirs)) return [key, overlay(mine, theirs)];
      return [key, mine];
    }),
  );
}

function mapValues<V, W>(map: ReadonlyMap<string, V>, fn: (value: V) => W): Map<string, W> {
  return new Map([...map].map(([key, value]) => [key, fn(value)]));
}
