/** `larder repos <list|describe|…>`: the daemon's repositories, their upstreams and connections. */
import type { Argv, CommandModule } from 'yargs';
import type { RepositoryDescription, RepositoryView } from '../engine/management/index.js';
import type { CliIo } from './io.js';
import { cell, withApiOptions, withDaemon, type ApiArgs } from './manage-options.js';
import { reposChangeCommands } from './repos-change.js';
import type { SelectAction } from './select.js';

interface DescribeArgs extends ApiArgs {
  repository: string;
}

export function reposCommand(io: CliIo, select: SelectAction): CommandModule {
  return {
    command: 'repos',
    describe: 'list, describe, create, update and delete the repositories of a running daemon',
    builder: (yargs: Argv) =>
      yargs
        .command<ApiArgs>({
          command: 'list',
          describe: 'list the repositories with their upstreams and external connection',
          builder: (sub: Argv) => withApiOptions(sub),
          handler: (args) => select(() => reposList(args, io)),
        })
        .command<DescribeArgs>({
          command: 'describe <repository>',
          describe: 'one repository: upstreams, connection status, what it holds',
          builder: (sub: Argv) => withApiOptions(sub).positional('repository', { type: 'string', demandOption: true, describe: 'the repository name' }),
          handler: (args) => select(() => reposDescribe(args, io)),
        })
        .command(reposChangeCommands(io, select))
        .demandCommand(1, 'repos needs a subcommand: list, describe, create, update, delete, associate or disassociate'),
    handler: () => {
      // Never reached: demandCommand(1) makes yargs fail when no subcommand is given.
    },
  };
}

export function reposList(args: ApiArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.get('repositories');
    if (output.json) return (output.answer(answer), 0);
    const repositories = (answer.body.repositories ?? []) as RepositoryView[];
    output.table(
      ['NAME', 'UPSTREAMS', 'CONNECTION', 'URL'],
      repositories.map((r) => [r.name, cell(r.upstreams), cell(r.externalConnection?.name), cell(r.externalConnection?.url)]),
    );
    return 0;
  });
}

export function reposDescribe(args: DescribeArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.get(`repositories/${encodeURIComponent(args.repository)}`);
    if (output.json) return (output.answer(answer), 0);
    const r = answer.body as unknown as RepositoryDescription;
    const connection = r.externalConnection;
    const rows: string[][] = [
      ['name', r.name],
      ['description', cell(r.description)],
      ['upstreams', cell(r.upstreams)],
      ['connection', connection === null ? '-' : `${connection.name} (${connection.format})`],
    ];
    if (connection !== null) {
      rows.push(['connection url', cell(connection.url)], ['connection status', connection.status]);
      if (connection.lastError !== undefined) rows.push(['last error', connection.lastError]);
    }
    rows.push(['packages', String(r.packageCount)], ['versions', String(r.versionCount)], ['bytes', String(r.bytes)]);
    output.table(['FIELD', 'VALUE'], rows);
    return 0;
  });
}
