/**
 * `larder versions dispose` and `larder versions copy`: like set-status and delete, each version
 * succeeds or fails on its own, every outcome is printed, and the exit code is 1 when any failed.
 */
import type { Argv, CommandModule } from 'yargs';
import { FORMATS, VERSION_STATUSES, type Format, type VersionStatus } from '../domain/types.js';
import { LarderError } from '../errors.js';
import type { CliIo } from './io.js';
import { coordinates, withApiOptions, withPackageOptions, type ApiArgs, type PackageArgs } from './manage-options.js';
import type { SelectAction } from './select.js';
import { versionsChange } from './versions-change.js';

interface DisposeArgs extends PackageArgs {
  versions: string[];
  expectedStatus?: VersionStatus;
}

interface CopyArgs extends ApiArgs {
  from: string;
  to: string;
  format: Format;
  package: string;
  versions: string[];
  allowOverwrite?: boolean;
}

const VERSIONS_OPTION = { type: 'string', array: true, demandOption: true, describe: 'the versions (one or more)' } as const;

/** yargs gives numbers for `--versions 1`; the API wants strings, and at least one. */
function versionList(raw: readonly unknown[]): string[] {
  const versions = raw.map(String).filter((version) => version !== '');
  if (versions.length === 0) throw new LarderError('E_USAGE', '--versions needs at least one version', { operation: 'cli.versions' });
  return versions;
}

export function versionsDisposeCommand(io: CliIo, select: SelectAction): CommandModule<object, DisposeArgs> {
  return {
    command: 'dispose',
    describe: "delete versions' assets (blobs no other repository holds) and keep their records as Disposed",
    builder: (yargs: Argv) =>
      withPackageOptions(yargs)
        .option('versions', VERSIONS_OPTION)
        .option('expected-status', { type: 'string', choices: VERSION_STATUSES, describe: 'dispose only versions whose status is this one (a guard)' }) as Argv<DisposeArgs>,
    handler: (args) =>
      select(() => {
        const body = { ...coordinates(args), versions: versionList(args.versions), ...(args.expectedStatus === undefined ? {} : { expectedStatus: args.expectedStatus }) };
        return versionsChange('versions/dispose', body, { ...args, versions: body.versions }, io);
      }),
  };
}

export function versionsCopyCommand(io: CliIo, select: SelectAction): CommandModule<object, CopyArgs> {
  return {
    command: 'copy',
    describe: 'copy versions from one repository to another (records only: the blobs are shared)',
    builder: (yargs: Argv) =>
      withApiOptions(yargs)
        .option('from', { type: 'string', demandOption: true, describe: 'the source repository' })
        .option('to', { type: 'string', demandOption: true, describe: 'the destination repository' })
        .option('format', { alias: 'f', type: 'string', choices: FORMATS, demandOption: true, describe: 'the package format' })
        .option('package', { alias: 'p', type: 'string', demandOption: true, describe: 'the package name (Maven: group:artifact)' })
        .option('versions', VERSIONS_OPTION)
        .option('allow-overwrite', { type: 'boolean', default: false, describe: 'replace versions the destination already holds' }) as Argv<CopyArgs>,
    handler: (args) =>
      select(() => {
        const versions = versionList(args.versions);
        const body = { sourceRepository: args.from, destinationRepository: args.to, format: args.format, package: args.package, versions, allowOverwrite: args.allowOverwrite === true };
        // The destination's package is the one whose records change.
        return versionsChange('versions/copy', body, { url: args.url, json: args.json, repository: args.to, format: args.format, package: args.package, versions }, io);
      }),
  };
}
