/** `larder config check [file]`: validate a config file (or the embedded default) and list every problem. */
import type { Argv, CommandModule } from 'yargs';
import { LarderError, isLarderError } from '../errors.js';
import { EMBEDDED_DEFAULT_SOURCE, loadConfig } from '../config/load.js';
import type { ConfigProblem } from '../config/problems.js';
import type { CliIo } from './io.js';
import { withConfigOption, type ConfigArgs } from './options.js';
import type { SelectAction } from './select.js';

interface CheckArgs extends ConfigArgs {
  file?: string;
}

export function configCheckCommand(io: CliIo, select: SelectAction): CommandModule<object, CheckArgs> {
  return {
    command: 'check [file]',
    describe: 'validate a config file (default: the embedded default) and list every problem',
    builder: (yargs: Argv) =>
      withConfigOption(yargs).positional('file', { type: 'string', describe: 'the YAML file to check (same as --config)' }),
    handler: (args) => select(() => configCheck(args, io)),
  };
}

export async function configCheck(args: CheckArgs, io: CliIo): Promise<number> {
  if (args.file !== undefined && args.config !== undefined && args.file !== args.config) {
    throw new LarderError('E_USAGE', `give the file to check once: "${args.file}" and --config "${args.config}" differ`, {
      operation: 'cli.configCheck',
    });
  }
  const file = args.file ?? args.config;
  try {
    const config = await loadConfig({ file, env: io.env, cwd: io.cwd });
    const names = [...config.repositories.keys()];
    io.stdout(`OK: ${names.length} ${names.length === 1 ? 'repository' : 'repositories'} (${names.join(', ')})\n`);
    return 0;
  } catch (error) {
    if (!isLarderError(error, 'E_CONFIG_INVALID')) throw error;
    const problems = problemsOf(error);
    for (const problem of problems) io.stdout(`${problem.path}: ${problem.message}\n`);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    io.stderr(`invalid: ${count} in ${file ?? EMBEDDED_DEFAULT_SOURCE}\n`);
    return 2;
  }
}

function problemsOf(error: LarderError): ConfigProblem[] {
  const problems = error.details.problems;
  if (!Array.isArray(problems) || problems.length === 0) return [{ path: file(error), message: error.message }];
  return problems.map((p: unknown) => {
    const { path, message } = (p ?? {}) as Partial<ConfigProblem>;
    return { path: String(path), message: String(message) };
  });
}

function file(error: LarderError): string {
  return typeof error.details.source === 'string' ? error.details.source : EMBEDDED_DEFAULT_SOURCE;
}
