/**
 * `larder versions set-status` and `larder versions delete`: each version succeeds or fails on
 * its own; the command prints every outcome and exits 1 when any version failed.
 */
import type { Argv, CommandModule } from 'yargs';
import { VERSION_STATUSES, type VersionStatus } from '../domain/types.js';
import type { VersionChangeResult } from '../engine/management/index.js';
import { LarderError } from '../errors.js';
import type { ApiAnswer } from './api-client.js';
import { EXIT_FAILURE } from './exit.js';
import type { CliIo } from './io.js';
import { coordinates, withDaemon, withPackageOptions, type Output, type PackageArgs } from './manage-options.js';
import type { SelectAction } from './select.js';

const TARGET_STATUSES = ['Published', 'Unlisted', 'Archived'] as const;

interface ChangeArgs extends PackageArgs {
  versions: string[];
  expectedStatus?: VersionStatus;
}

interface StatusArgs extends ChangeArgs {
  status: (typeof TARGET_STATUSES)[number];
}

function withChangeOptions<T>(yargs: Argv<T>): Argv<T & ChangeArgs> {
  return withPackageOptions(yargs)
    .option('versions', { type: 'string', array: true, demandOption: true, describe: 'the versions to change (one or more)' })
    .option('expected-status', { type: 'string', choices: VERSION_STATUSES, describe: 'change only versions whose status is this one (a guard)' }) as Argv<T & ChangeArgs>;
}

export function versionsSetStatusCommand(io: CliIo, select: SelectAction): CommandModule<object, StatusArgs> {
  return {
    command: 'set-status',
    describe: 'set versions to Published, Unlisted or Archived',
    builder: (yargs: Argv) =>
      withChangeOptions(yargs).option('status', { type: 'string', choices: TARGET_STATUSES, demandOption: true, describe: 'the new status' }) as Argv<StatusArgs>,
    handler: (args) => select(() => versionsChange('versions/status', { ...body(args), targetStatus: args.status }, args, io)),
  };
}

export function versionsDeleteCommand(io: CliIo, select: SelectAction): CommandModule<object, ChangeArgs> {
  return {
    command: 'delete',
    describe: 'delete version records from a repository (blobs other versions hold stay)',
    builder: (yargs: Argv) => withChangeOptions(yargs),
    handler: (args) => select(() => versionsChange('versions/delete', body(args), args, io)),
  };
}

function body(args: ChangeArgs): Record<string, unknown> {
  const versions = args.versions.map(String).filter((version) => version !== '');
  if (versions.length === 0) throw new LarderError('E_USAGE', '--versions needs at least one version', { operation: 'cli.versions' });
  return { ...coordinates(args), versions, ...(args.expectedStatus === undefined ? {} : { expectedStatus: args.expectedStatus }) };
}

export function versionsChange(path: string, request: Record<string, unknown>, args: ChangeArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    try {
      return printChange(await client.post(path, request), output);
    } catch (error) {
      // A 409 (every version failed the guard) still lists each version's reason; then the message.
      if (error instanceof LarderError && isRecord(error.details.body) && 'failedVersions' in error.details.body) {
        printChange({ status: Number(error.details.status), text: String(error.details.text), body: error.details.body }, output);
      }
      throw error;
    }
  });
}

function printChange(answer: ApiAnswer, output: Output): number {
  if (output.json) output.answer(answer);
  const result = answer.body as unknown as VersionChangeResult;
  const ok = Object.entries(result.successfulVersions ?? {});
  const failed = Object.entries(result.failedVersions ?? {});
  if (!output.json) {
    output.table(['VERSION', 'RESULT', 'DETAIL'], [
      ...ok.map(([version, done]) => [version, done.status, `revision ${done.revision}`]),
      ...failed.map(([version, failure]) => [version, failure.errorCode, failure.errorMessage]),
    ]);
  }
  if (failed.length > 0 && answer.status < 300) output.note(`larder: ${failed.length} of ${ok.length + failed.length} versions failed`);
  return failed.length > 0 ? EXIT_FAILURE : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
