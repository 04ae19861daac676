/**
 * `larder repos create|update|delete|associate|disassociate`: the repository operations that
 * rewrite the daemon's config file (comments kept) and reload it. The daemon validates every
 * edit before writing it; a refused edit prints each problem and leaves the file as it was.
 */
import type { Argv, CommandModule } from 'yargs';
import { FORMATS } from '../domain/types.js';
import { LarderError } from '../errors.js';
import { isDaemonError, type ApiAnswer } from './api-client.js';
import { EXIT_FAILURE } from './exit.js';
import type { CliIo } from './io.js';
import { withApiOptions, withDaemon, type ApiArgs, type Output } from './manage-options.js';
import type { SelectAction } from './select.js';

interface RepositoryArgs extends ApiArgs {
  repository: string;
}

interface SettingsArgs extends RepositoryArgs {
  description?: string;
  upstreams?: string[];
}

interface CreateArgs extends SettingsArgs {
  external?: string;
}

interface AssociateArgs extends RepositoryArgs {
  connection: string;
}

const CONNECTION_HELP = 'a public connection (public:npmjs, public:pypi, public:maven-central, …) or FORMAT+URL, e.g. npm+https://npm.corp.example/';

/**
 * A connection as the API takes it: a public connection's name, or `FORMAT+URL` (the `git+https`
 * convention) for a registry of your own.
 */
export function connectionSpec(text: string): string | { format: string; url: string } {
  const plus = /^([a-z]+)\+(https?:\/\/.+)$/i.exec(text.trim());
  if (plus === null) return text.trim();
  const format = (plus[1] ?? '').toLowerCase();
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new LarderError('E_USAGE', `"${format}" is not a format; write ${FORMATS.join('+URL, ')}+URL`, { operation: 'cli.repos' });
  }
  return { format, url: plus[2] ?? '' };
}

function withRepository<T>(yargs: Argv<T>): Argv<T & RepositoryArgs> {
  return withApiOptions(yargs).positional('repository', { type: 'string', demandOption: true, describe: 'the repository name' }) as Argv<T & RepositoryArgs>;
}

function withSettings<T>(yargs: Argv<T>): Argv<T & SettingsArgs> {
  return withRepository(yargs)
    .option('description', { type: 'string', describe: 'what the repository is for' })
    .option('upstreams', { type: 'string', array: true, describe: 'repositories to search, in order (replaces the list; give none to clear it)' }) as Argv<T & SettingsArgs>;
}

function settings(args: SettingsArgs): Record<string, unknown> {
  return {
    ...(args.description === undefined ? {} : { description: args.description }),
    ...(args.upstreams === undefined ? {} : { upstreams: args.upstreams.map(String).filter((name) => name !== '') }),
  };
}

export function reposChangeCommands(io: CliIo, select: SelectAction): Array<CommandModule<object, never>> {
  const create: CommandModule<object, CreateArgs> = {
    command: 'create <repository>',
    describe: 'add a repository to the config file and reload',
    builder: (yargs: Argv) => withSettings(yargs).option('external', { type: 'string', describe: `its external connection: ${CONNECTION_HELP}` }) as Argv<CreateArgs>,
    handler: (args) =>
      select(() => change('repositories/create', { repository: args.repository, ...settings(args), ...(args.external === undefined ? {} : { externalConnection: connectionSpec(args.external) }) }, args, io)),
  };
  const update: CommandModule<object, SettingsArgs> = {
    command: 'update <repository>',
    describe: "change a repository's description or upstreams and reload",
    builder: (yargs: Argv) => withSettings(yargs),
    handler: (args) =>
      select(() => {
        const fields = settings(args);
        if (Object.keys(fields).length === 0) throw new LarderError('E_USAGE', 'give --description or --upstreams: there is nothing to update', { operation: 'cli.repos' });
        return change('repositories/update', { repository: args.repository, ...fields }, args, io);
      }),
  };
  const remove: CommandModule<object, RepositoryArgs> = {
    command: 'delete <repository>',
    describe: 'remove a repository from the config file, reload, and delete what only it held',
    builder: (yargs: Argv) => withRepository(yargs),
    handler: (args) => select(() => change('repositories/delete', { repository: args.repository }, args, io)),
  };
  const associate: CommandModule<object, AssociateArgs> = {
    command: 'associate <repository> <connection>',
    describe: 'give a repository its external connection (at most one) and reload',
    builder: (yargs: Argv) => withRepository(yargs).positional('connection', { type: 'string', demandOption: true, describe: CONNECTION_HELP }) as Argv<AssociateArgs>,
    handler: (args) => select(() => change('repositories/associate-external-connection', { repository: args.repository, externalConnection: connectionSpec(args.connection) }, args, io)),
  };
  const disassociate: CommandModule<object, RepositoryArgs> = {
    command: 'disassociate <repository>',
    describe: "remove a repository's external connection and reload",
    builder: (yargs: Argv) => withRepository(yargs),
    handler: (args) => select(() => change('repositories/disassociate-external-connection', { repository: args.repository }, args, io)),
  };
  return [create, update, remove, associate, disassociate] as Array<CommandModule<object, never>>;
}

function change(path: string, request: Record<string, unknown>, args: RepositoryArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    try {
      return printOutcome(await client.post(path, request), args.repository, output);
    } catch (error) {
      const problems = isDaemonError(error) ? problemsOf(error.details.body) : undefined;
      if (problems === undefined) throw error;
      // A refused edit: the config's problems, each with its place in the file.
      io.stderr(`larder: the daemon refused the edit; the config file is unchanged:\n`);
      for (const problem of problems) io.stderr(`  ${problem}\n`);
      return EXIT_FAILURE;
    }
  });
}

function problemsOf(body: unknown): string[] | undefined {
  const problems = typeof body === 'object' && body !== null ? (body as { problems?: unknown }).problems : undefined;
  if (!Array.isArray(problems)) return undefined;
  return problems.map((problem: unknown) => {
    const { path, message } = (typeof problem === 'object' && problem !== null ? problem : {}) as { path?: unknown; message?: unknown };
    return `${String(path ?? '')}: ${String(message ?? '')}`;
  });
}

function printOutcome(answer: ApiAnswer, repository: string, output: Output): number {
  if (output.json) return (output.answer(answer), 0);
  const repositories = Array.isArray(answer.body.repositories) ? answer.body.repositories.map(String) : [];
  output.io.stdout(`done; the daemon now has ${repositories.length} repositories (${repositories.join(', ')})\n`);
  const deleted = answer.body.deleted as { packages?: number; versions?: number; blobsRemoved?: number } | undefined;
  if (deleted !== undefined) {
    output.io.stdout(`deleted ${repository}: ${deleted.versions ?? 0} versions of ${deleted.packages ?? 0} packages forgotten, ${deleted.blobsRemoved ?? 0} blobs no other repository held removed\n`);
  }
  const later = Array.isArray(answer.body.restartNeededFor) ? answer.body.restartNeededFor.map(String) : [];
  if (later.length > 0) output.note(`changes to ${later.join(', ')} take effect after a restart`);
  return 0;
}
