/** `larder config show`: print the effective configuration as YAML (itself a valid config file). */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { EMBEDDED_DEFAULT_SOURCE, loadConfig } from '../config/load.js';
import { configToYaml } from '../config/serialize.js';
import type { CliIo } from './io.js';
import { toOverrides, withOverrideOptions, type OverrideArgs } from './options.js';
import type { SelectAction } from './select.js';

export function configShowCommand(io: CliIo, select: SelectAction): CommandModule<object, OverrideArgs> {
  return {
    command: 'show',
    describe: 'print the effective configuration (file, defaults and flags combined) as YAML',
    builder: (yargs: Argv) => withOverrideOptions(yargs),
    handler: (args) => select(() => configShow(args, io)),
  };
}

export async function configShow(args: OverrideArgs, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const config = await loadConfig({ file: args.config, overrides: toOverrides(args), env: io.env, cwd });
  const source = args.config === undefined ? EMBEDDED_DEFAULT_SOURCE : resolve(cwd, args.config);
  io.stdout(`# effective configuration (source: ${source})\n${configToYaml(config)}`);
  return 0;
}
