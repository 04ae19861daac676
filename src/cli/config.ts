/** `larder config <check|show>`: the command group. */
import type { Argv, CommandModule } from 'yargs';
import { configCheckCommand } from './config-check.js';
import { configShowCommand } from './config-show.js';
import type { CliIo } from './io.js';
import type { SelectAction } from './select.js';

export function configCommand(io: CliIo, select: SelectAction): CommandModule {
  return {
    command: 'config',
    describe: 'check or show the configuration',
    builder: (yargs: Argv) =>
      yargs
        .command(configCheckCommand(io, select))
        .command(configShowCommand(io, select))
        .demandCommand(1, 'config needs a subcommand: check or show'),
    handler: () => {
      // Never reached: demandCommand(1) makes yargs fail when no subcommand is given.
    },
  };
}
