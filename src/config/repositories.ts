/**
 * Validation of the `defaults` section and of each repository: names, description, upstream
 * lists, the external connection, and the per-repository settings that override `defaults`.
 * How repositories refer to each other (unknown names, cycles, reach) is checked in graph.ts.
 */
import { MAX_DIRECT_UPSTREAMS, REPOSITORY_NAME } from '../domain/repository-graph.js';
import { FORMATS, type Format } from '../domain/types.js';
import { at, MAX_TIMER_MS, readBoolean, readDuration, readEnum, readSection, readString, type FieldContext } from './fields.js';
import { readPackageRules } from './package-rules.js';
import { didYouMean, isPlainObject } from './problems.js';
import { isPublicConnectionName, PUBLIC_CONNECTION_ASSET_ORIGINS, PUBLIC_CONNECTION_NAMES, PUBLIC_CONNECTION_URLS } from './public-connections.js';
import { PUBLIC_CONNECTIONS, type ExternalConnection, type RefreshMode, type RepositoryConfig } from './types.js';
import { describeType } from './units.js';

export const REFRESH_MODES: readonly RefreshMode[] = ['blocking', 'background'];

const SETTING_KEYS = ['metadataTtl', 'refresh', 'ingestionDeadline', 'notFoundTtl', 'prefetch'] as const;
const REPOSITORY_KEYS = ['description', 'upstreams', 'external', 'publish', 'packages', ...SETTING_KEYS] as const;

export interface RepositorySettings {
  metadataTtlMs: Readonly<Record<Format, number>>;
  refresh: RefreshMode;
  ingestionDeadlineMs: number;
  notFoundTtlMs: number;
  prefetch: boolean;
}

/** Reads the settings of a section (`defaults` or one repository), falling back to `base`. */
function readSettings(section: Record<string, unknown>, base: RepositorySettings, ctx: FieldContext): RepositorySettings {
  const ttlCtx = at(ctx, 'metadataTtl');
  const ttl = readSection(section.metadataTtl, FORMATS, ttlCtx) ?? {};
  const metadataTtlMs = Object.fromEntries(
    FORMATS.map((format) => [format, readDuration(ttl[format], base.metadataTtlMs[format], at(ttlCtx, format))]),
  ) as Record<Format, number>;
  return {
    metadataTtlMs,
    refresh: readEnum(section.refresh, REFRESH_MODES, base.refresh, at(ctx, 'refresh')),
    ingestionDeadlineMs: readDuration(section.ingestionDeadline, base.ingestionDeadlineMs, at(ctx, 'ingestionDeadline'), {
      minMs: 1,
      maxMs: MAX_TIMER_MS,
    }),
    notFoundTtlMs: readDuration(section.notFoundTtl, base.notFoundTtlMs, at(ctx, 'notFoundTtl')),
    prefetch: readBoolean(section.prefetch, base.prefetch, at(ctx, 'prefetch')),
  };
}

/** The `defaults` section. Its own fallbacks only matter when it is invalid (then we throw). */
export function readDefaults(value: unknown, ctx: FieldContext): RepositorySettings {
  const placeholder: RepositorySettings = {
    metadataTtlMs: { npm: 0, pypi: 0, maven: 0 },
    refresh: 'background',
    ingestionDeadlineMs: 1,
    notFoundTtlMs: 0,
    prefetch: true,
  };
  return readSettings(readSection(value, SETTING_KEYS, ctx) ?? {}, placeholder, ctx);
}

export interface ReadRepositories {
  /** In configured order. */
  repositories: Map<string, RepositoryConfig>;
  /** Repository → the index in the file's `upstreams` list of each kept upstream (for graph.ts paths). */
  positions: Map<string, number[]>;
}

/** Every repository, in configured order. Upstream names are checked later, in graph.ts. */
export function readRepositories(value: unknown, defaults: RepositorySettings, ctx: FieldContext): ReadRepositories {
  const repositories = new Map<string, RepositoryConfig>();
  const positions = new Map<string, number[]>();
  if (!isPlainObject(value)) {
    ctx.problems.add(ctx.path, `expected a mapping of repository names to repositories, got ${describeType(value)}`);
    return { repositories, positions };
  }
  if (Object.keys(value).length === 0) ctx.problems.add(ctx.path, 'define at least one repository');
  for (const [name, raw] of Object.entries(value)) {
    const repoCtx = at(ctx, name);
    if (!REPOSITORY_NAME.test(name)) {
      ctx.problems.add(
        repoCtx.path,
        'a repository name is 2 to 100 characters: letters, digits, ".", "_" and "-", starting with a letter or digit',
      );
    }
    const section = readSection(raw, REPOSITORY_KEYS, repoCtx);
    if (section === undefined) continue;
    const external = readExternal(section.external, at(repoCtx, 'external'));
    const upstreams = readUpstreamList(section.upstreams, name, at(repoCtx, 'upstreams'));
    positions.set(name, upstreams.positions);
    const repository: RepositoryConfig = {
      name,
      description: readString(section.description, '', at(repoCtx, 'description')),
      upstreams: upstreams.names,
      ...readSettings(section, defaults, repoCtx),
      publish: readBoolean(section.publish, false, at(repoCtx, 'publish')),
      packageRules: readPackageRules(section.packages, at(repoCtx, 'packages')),
      ...(external === undefined ? {} : { external }),
    };
    repositories.set(name, repository);
  }
  return { repositories, positions };
}

/** The list itself: strings, no duplicates, not itself, at most 10. Names are resolved in graph.ts. */
function readUpstreamList(value: unknown, self: string, ctx: FieldContext): { names: string[]; positions: number[] } {
  const names: string[] = [];
  const positions: number[] = [];
  if (value === undefined || value === null) return { names, positions };
  if (!Array.isArray(value)) {
    const hint = typeof value === 'string' ? ` (write a list: upstreams: [${value}])` : '';
    ctx.problems.add(ctx.path, `expected a list of repository names, got ${describeType(value)}${hint}`);
    return { names, positions };
  }
  if (value.length > MAX_DIRECT_UPSTREAMS) {
    ctx.problems.add(
      ctx.path,
      `a repository has at most ${MAX_DIRECT_UPSTREAMS} direct upstreams, got ${value.length}; group some of them behind another repository`,
    );
  }
  value.forEach((entry: unknown, index) => {
    const entryPath = at(ctx, index).path;
    if (typeof entry !== 'string') {
      ctx.problems.add(entryPath, `expected a repository name, got ${describeType(entry)}`);
    } else if (entry === self) {
      ctx.problems.add(entryPath, `repository "${self}" cannot be its own upstream`);
    } else if (names.includes(entry)) {
      ctx.problems.add(entryPath, `"${entry}" is listed twice`);
    } else {
      names.push(entry);
      positions.push(index);
    }
  });
  return { names, positions };
}

function readExternal(value: unknown, ctx: FieldContext): ExternalConnection | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    ctx.problems.add(
      ctx.path,
      'a repository has at most one external connection, so this is a single value, not a list; ' +
        'to search several registries, give each its own repository and list those as upstreams',
    );
    return undefined;
  }
  if (typeof value === 'string') {
    if (isPublicConnectionName(value)) {
      const url = PUBLIC_CONNECTION_URLS[value];
      const assetOrigins = PUBLIC_CONNECTION_ASSET_ORIGINS[value] ?? [];
      return { name: value, format: PUBLIC_CONNECTIONS[value], ...(url === undefined ? {} : { url }), assetOrigins };
    }
    const hint = /^https?:/i.test(value)
      ? '; a URL needs its format: external: { format: npm, url: ... }'
      : didYouMean(value, PUBLIC_CONNECTION_NAMES);
    ctx.problems.add(ctx.path, `unknown public connection "${value}"${hint}; known: ${PUBLIC_CONNECTION_NAMES.join(', ')}`);
    return undefined;
  }
  const section = readSection(value, ['format', 'url', 'assetOrigins'], ctx);
  if (section === undefined) return undefined;
  if (section.format === undefined || section.format === null) ctx.problems.add(at(ctx, 'format').path, `required: one of ${FORMATS.join(', ')}`);
  if (section.url === undefined || section.url === null) ctx.problems.add(at(ctx, 'url').path, 'required: the base URL of the registry');
  const format = readEnum<Format | 'none'>(section.format, FORMATS, 'none', at(ctx, 'format'));
  const url = readBaseUrl(section.url, at(ctx, 'url'));
  const assetOrigins = readOrigins(section.assetOrigins, at(ctx, 'assetOrigins'));
  if (format === 'none' || url === undefined) return undefined;
  return { name: 'custom', format, url, assetOrigins };
}

/** A list of http(s) origins (scheme, host, port; no path). */
function readOrigins(value: unknown, ctx: FieldContext): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    ctx.problems.add(ctx.path, `expected a list of origins such as ["https://files.example"], got ${describeType(value)}`);
    return [];
  }
  const origins: string[] = [];
  value.forEach((item: unknown, index) => {
    const url = readBaseUrl(item, at(ctx, index));
    if (url === undefined) return;
    const origin = new URL(url).origin;
    if (new URL(url).pathname !== '/') ctx.problems.add(at(ctx, index).path, `an origin has no path: use ${origin}`);
    else origins.push(origin);
  });
  return origins;
}

/** An absolute http(s) URL without query or fragment, returned with a trailing `/`. */
export function readBaseUrl(value: unknown, ctx: FieldContext): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    ctx.problems.add(ctx.path, `expected an absolute http(s) URL, got ${describeType(value)}`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The URL constructor's own message says no more than "Invalid URL"; ours names the value.
    ctx.problems.add(ctx.path, `not an absolute URL: ${JSON.stringify(value)}`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.problems.add(ctx.path, `must be an http or https URL, got ${url.protocol}`);
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') {
    ctx.problems.add(ctx.path, 'a base URL takes no query string or fragment');
    return undefined;
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}
