/**
 * Loading: read the file (or take the embedded default), parse YAML reporting syntax errors by
 * line and column, validate, then apply command-line overrides. config/ is the only part of
 * larder that reads process.env; everything else receives values.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { LarderError } from '../errors.js';
import { resolvePath } from './data-dir.js';
import { DEFAULT_CONFIG_YAML } from './defaults.js';
import { at, readBoolean, readEnum, readInteger, readString } from './fields.js';
import { deepFreeze } from './freeze.js';
import { configInvalid, ProblemList, type ConfigProblem } from './problems.js';
import type { LarderConfig } from './types.js';
import { checkExposure, checkNotSelf, LOG_LEVELS, readHost, validateConfig } from './validate.js';

export interface ConfigOverrides {
  dataDir?: string;
  host?: string;
  port?: number;
  offline?: boolean;
  logLevel?: string;
}

export interface LoadOptions {
  /** A YAML file; without it the embedded default is used. */
  file?: string;
  /** Command-line values, applied after the file is validated. */
  overrides?: ConfigOverrides;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory relative paths on the command line are resolved against; defaults to process.cwd(). */
  cwd?: string;
}

/** Names the config's origin in messages: the file's absolute path, or "embedded default". */
export const EMBEDDED_DEFAULT_SOURCE = 'embedded default';

export async function loadConfig(options: LoadOptions = {}): Promise<LarderConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let text = DEFAULT_CONFIG_YAML;
  let source = EMBEDDED_DEFAULT_SOURCE;
  let baseDir = cwd;
  if (options.file !== undefined) {
    source = resolve(cwd, options.file);
    baseDir = dirname(source);
    text = await readConfigFile(source);
  }
  const config = validateConfig(parseConfigText(text, source), { source, baseDir, env, cwd });
  return options.overrides === undefined ? config : applyOverrides(config, options.overrides, { env, cwd });
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file; check the path given to --config, or leave --config out to use the embedded default (config.example.yaml shows it)'
        : code === 'EISDIR'
          ? 'it is a directory; give the path of a YAML file'
          : code === 'EACCES'
            ? 'permission denied; make the file readable by the user running larder'
            : String(error);
    throw new LarderError('E_CONFIG_INVALID', `cannot read config file ${path}: ${why}`, {
      operation: 'config.load',
      cause: error,
      details: { source: path, problems: [{ path, message: why }] },
    });
  }
}

/** Parses YAML text; syntax errors become problems located as `source:line:column`. */
export function parseConfigText(text: string, source: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, strict: true });
  if (document.errors.length > 0) {
    const problems: ConfigProblem[] = document.errors.map((error) => {
      const position = error.linePos?.[0];
      const where = position === undefined ? source : `${source}:${position.line}:${position.col}`;
      // yaml's message repeats the position and quotes the line; keep its first line only.
      const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      return { path: where, message: `YAML syntax: ${message}` };
    });
    throw configInvalid(source, problems, 'config.parse');
  }
  // Aliases can expand a small file into a huge document; yaml's default cap (100) applies.
  return document.toJS();
}

/** Returns a new frozen config with the command-line values applied, each checked. */
export function applyOverrides(
  config: LarderConfig,
  overrides: ConfigOverrides,
  context: { env: NodeJS.ProcessEnv; cwd: string },
): LarderConfig {
  const problems = new ProblemList();
  const flag = (name: string) => ({ problems, path: `--${name}` });
  const listen = {
    host: overrides.host === undefined ? config.listen.host : readHost(overrides.host, flag('host')),
    port:
      overrides.port === undefined
        ? config.listen.port
        : readInteger(overrides.port, config.listen.port, { min: 0, max: 65535 }, flag('port')),
  };
  const dataDir = readString(overrides.dataDir, '', flag('data-dir'), { nonEmpty: true });
  const next: LarderConfig = {
    ...config,
    listen,
    dataDir: dataDir === '' ? config.dataDir : resolvePath(dataDir, context.cwd, context.env),
    offline: readBoolean(overrides.offline, config.offline, flag('offline')),
    logLevel: readEnum(overrides.logLevel, LOG_LEVELS, config.logLevel, flag('log-level')),
  };
  if (overrides.host !== undefined || overrides.port !== undefined) {
    checkNotSelf(config.repositories, listen, at({ problems, path: '' }, 'repositories'));
  }
  if (overrides.host !== undefined) checkExposure(listen.host, config.auth.required, flag('host'));
  problems.throwIfAny('command line', 'config.overrides');
  return deepFreeze(next);
}
