/** `larder packages list`: the packages a repository holds, filtered and paged. */
import type { Argv, CommandModule } from 'yargs';
import { FORMATS, type Format } from '../domain/types.js';
import type { PackageSummary } from '../engine/management/index.js';
import type { CliIo } from './io.js';
import { pageParams, withApiOptions, withDaemon, withPageOptions, type ApiArgs, type PageArgs } from './manage-options.js';
import type { SelectAction } from './select.js';

interface ListArgs extends ApiArgs, PageArgs {
  repository: string;
  format?: Format;
  prefix?: string;
  namespace?: string;
}

export function packagesCommand(io: CliIo, select: SelectAction): CommandModule {
  return {
    command: 'packages',
    describe: 'list the packages a repository holds',
    builder: (yargs: Argv) =>
      yargs
        .command<ListArgs>({
          command: 'list',
          describe: 'list packages (filter by format, namespace and name prefix; paged)',
          builder: (sub: Argv) =>
            withPageOptions(withApiOptions(sub))
              .option('repository', { alias: 'r', type: 'string', demandOption: true, describe: 'the repository' })
              .option('format', { alias: 'f', type: 'string', choices: FORMATS, describe: 'only this format' })
              .option('prefix', { type: 'string', describe: 'only names that start with this' })
              .option('namespace', { type: 'string', describe: 'only this namespace: npm scope without @ (acme), Maven groupId; PyPI has none' }) as Argv<ListArgs>,
          handler: (args) => select(() => packagesList(args, io)),
        })
        .demandCommand(1, 'packages needs a subcommand: list'),
    handler: () => {
      // Never reached: demandCommand(1) makes yargs fail when no subcommand is given.
    },
  };
}

export function packagesList(args: ListArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.get('packages', { repository: args.repository, format: args.format, prefix: args.prefix, namespace: args.namespace, ...pageParams(args) });
    if (output.json) return (output.answer(answer), 0);
    const packages = (answer.body.packages ?? []) as PackageSummary[];
    output.table(['FORMAT', 'PACKAGE', 'VERSIONS'], packages.map((p) => [p.format, p.package, String(p.versionCount)]));
    if (typeof answer.body.nextToken === 'string') output.note(`more: --next-token ${answer.body.nextToken}`);
    return 0;
  });
}
