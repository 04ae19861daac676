/**
 * `larder versions <list|describe|set-status|delete|dispose|copy|assets|dependencies>`: the versions
 * of one package in one repository.
 */
import type { Argv, CommandModule } from 'yargs';
import type { VersionDescription, VersionListing } from '../engine/management/index.js';
import type { CliIo } from './io.js';
import { cell, coordinates, pageParams, withDaemon, withPackageOptions, withPageOptions, type PackageArgs, type PageArgs } from './manage-options.js';
import type { SelectAction } from './select.js';
import { versionsDeleteCommand, versionsSetStatusCommand } from './versions-change.js';
import { versionsAssetsCommand, versionsDependenciesCommand } from './versions-contents.js';
import { versionsCopyCommand, versionsDisposeCommand } from './versions-dispose-copy.js';

interface ListArgs extends PackageArgs, PageArgs {}

interface DescribeArgs extends PackageArgs {
  version: string;
}

export function versionsCommand(io: CliIo, select: SelectAction): CommandModule {
  return {
    command: 'versions',
    describe: "list, describe and change a package's versions",
    builder: (yargs: Argv) =>
      yargs
        .command<ListArgs>({
          command: 'list',
          describe: "list a package's versions in the format's order, with status and origin (paged)",
          builder: (sub: Argv) => withPageOptions(withPackageOptions(sub)),
          handler: (args) => select(() => versionsList(args, io)),
        })
        .command<DescribeArgs>({
          command: 'describe',
          describe: 'one version: status, revision, origin and assets',
          // --version names the package version here, not larder's own version.
          builder: (sub: Argv) => withPackageOptions(sub.version(false)).option('version', { alias: 'v', type: 'string', demandOption: true, describe: 'the version' }),
          handler: (args) => select(() => versionsDescribe(args, io)),
        })
        .command(versionsSetStatusCommand(io, select))
        .command(versionsDeleteCommand(io, select))
        .command(versionsDisposeCommand(io, select))
        .command(versionsCopyCommand(io, select))
        .command(versionsAssetsCommand(io, select))
        .command(versionsDependenciesCommand(io, select))
        .demandCommand(1, 'versions needs a subcommand: list, describe, set-status, delete, dispose, copy, assets or dependencies'),
    handler: () => {
      // Never reached: demandCommand(1) makes yargs fail when no subcommand is given.
    },
  };
}

export function versionsList(args: ListArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.get('versions', { ...coordinates(args), ...pageParams(args) });
    if (output.json) return (output.answer(answer), 0);
    const listing = answer.body as unknown as VersionListing;
    output.table(
      ['VERSION', 'STATUS', 'REVISION', 'ORIGIN', 'RETAINED AT'],
      listing.versions.map((v) => [v.version, v.status, v.revision, origin(v.origin), v.origin.retainedAt]),
    );
    output.note(`default display version: ${cell(listing.defaultDisplayVersion)}`);
    if (listing.nextToken !== undefined) output.note(`more: --next-token ${listing.nextToken}`);
    return 0;
  });
}

export function versionsDescribe(args: DescribeArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.get('versions/describe', { ...coordinates(args), version: args.version });
    if (output.json) return (output.answer(answer), 0);
    const v = answer.body as unknown as VersionDescription;
    output.table(
      ['FIELD', 'VALUE'],
      [
        ['repository', v.repository],
        ['format', v.format],
        ['package', v.package],
        ['version', v.version],
        ['status', v.status],
        ['revision', v.revision],
        ['origin', origin(v.origin)],
        ['retained at', v.origin.retainedAt],
      ],
    );
    if (output.tty) io.stdout('\n');
    output.table(
      ['ASSET', 'SIZE', 'INTEGRITY'],
      (v.assets ?? []).map((a) => [a.name, String(a.size), a.integrity]),
    );
    return 0;
  });
}

function origin(o: VersionListing['versions'][number]['origin']): string {
  return o.connection === null ? o.repository : `${o.repository} via ${o.connection}`;
}
