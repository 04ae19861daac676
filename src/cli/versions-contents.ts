/** `larder versions assets` and `larder versions dependencies`: what one retained version holds. */
import type { Argv, CommandModule } from 'yargs';
import type { AssetSummary, DependencyView } from '../engine/management/index.js';
import type { CliIo } from './io.js';
import { cell, coordinates, withDaemon, withPackageOptions, type PackageArgs } from './manage-options.js';
import type { SelectAction } from './select.js';

interface VersionArgs extends PackageArgs {
  version: string;
}

function withVersionOptions(yargs: Argv): Argv<VersionArgs> {
  // --version names the package version here, not larder's own version.
  return withPackageOptions(yargs.version(false)).option('version', { alias: 'v', type: 'string', demandOption: true, describe: 'the version' }) as Argv<VersionArgs>;
}

export function versionsAssetsCommand(io: CliIo, select: SelectAction): CommandModule<object, VersionArgs> {
  return {
    command: 'assets',
    describe: "list a version's assets: name, size and hashes",
    builder: withVersionOptions,
    handler: (args) => select(() => versionsAssets(args, io)),
  };
}

export function versionsDependenciesCommand(io: CliIo, select: SelectAction): CommandModule<object, VersionArgs> {
  return {
    command: 'dependencies',
    describe: "list a version's direct dependencies (from its stored metadata)",
    builder: withVersionOptions,
    handler: (args) => select(() => versionsDependencies(args, io)),
  };
}

export function versionsAssets(args: VersionArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.get('versions/assets', { ...coordinates(args), version: args.version });
    if (output.json) return (output.answer(answer), 0);
    const assets = (answer.body.assets ?? []) as AssetSummary[];
    output.table(
      ['NAME', 'SIZE', 'HASHES'],
      assets.map((a) => [a.name, String(a.size), cell(Object.entries(a.hashes).map(([algorithm, hex]) => `${algorithm}:${String(hex)}`))]),
    );
    return 0;
  });
}

export function versionsDependencies(args: VersionArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.get('versions/dependencies', { ...coordinates(args), version: args.version });
    if (output.json) return (output.answer(answer), 0);
    const dependencies = (answer.body.dependencies ?? []) as DependencyView[];
    output.table(
      ['NAMESPACE', 'PACKAGE', 'TYPE', 'REQUIREMENT'],
      dependencies.map((d) => [cell(d.namespace), d.package, d.dependencyType, d.versionRequirement]),
    );
    if (dependencies.length === 0) output.note('no dependencies recorded for this version');
    return 0;
  });
}
