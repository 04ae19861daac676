/** Options shared by the commands that load a config: --config and the override flags. */
import type { Argv } from 'yargs';
import type { ConfigOverrides } from '../config/load.js';
import { LOG_LEVELS } from '../config/validate.js';

export interface ConfigArgs {
  config?: string;
}

export interface OverrideArgs extends ConfigArgs {
  dataDir?: string;
  host?: string;
  port?: number;
  offline?: boolean;
  logLevel?: string;
}

export function withConfigOption<T>(yargs: Argv<T>): Argv<T & ConfigArgs> {
  return yargs.option('config', {
    alias: 'c',
    type: 'string',
    describe: 'YAML config file (default: the embedded default config)',
  });
}

export function withOverrideOptions<T>(yargs: Argv<T>): Argv<T & OverrideArgs> {
  return withConfigOption(yargs)
    .option('data-dir', { type: 'string', describe: 'where cached packages are kept (overrides dataDir)' })
    .option('host', { type: 'string', describe: 'address to listen on (overrides listen.host)' })
    .option('port', { type: 'number', describe: 'port to listen on, 0 for any free port (overrides listen.port)' })
    .option('offline', { type: 'boolean', describe: 'never contact an upstream; serve only what is cached' })
    .option('log-level', { type: 'string', choices: LOG_LEVELS, describe: 'log level (overrides log.level)' });
}

/** Only the flags actually given, so the file's values stay where no flag says otherwise. */
export function toOverrides(args: OverrideArgs): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  if (args.dataDir !== undefined) overrides.dataDir = args.dataDir;
  if (args.host !== undefined) overrides.host = args.host;
  if (args.port !== undefined) overrides.port = args.port;
  if (args.offline !== undefined) overrides.offline = args.offline;
  if (args.logLevel !== undefined) overrides.logLevel = args.logLevel;
  return overrides;
}
