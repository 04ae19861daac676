/**
 * `larder login --tool T` writes this user's configuration for one client (npm, pnpm, yarn, pip,
 * uv, twine, maven, gradle) so it goes through larder, with a token; `larder logout` undoes
 * exactly that. The plans and the file handling live in src/login/; this module reads the
 * flags, makes the token and prints what was (or, with --dry-run, would be) done.
 */
import type { Argv, CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { pointsAtSelf } from '../config/self-address.js';
import type { LarderConfig } from '../config/types.js';
import { REPOSITORY_NAME } from '../domain/repository-graph.js';
import { TOKEN_PREFIX } from '../domain/tokens.js';
import { LarderError } from '../errors.js';
import { applyLogin, applyLogout, type FileStep } from '../login/apply.js';
import { lineDiff } from '../login/diff.js';
import { currentNpmRegistry, readSavedNpmRegistry, saveNpmRegistry, savedNpmRegistryPath } from '../login/npm-registry-memory.js';
import { userConfigPaths } from '../login/paths.js';
import { NPM_FAMILY, TOOL_NAMES, type ToolName } from '../login/tool-names.js';
import { planLogin } from '../login/tools.js';
import { parseDaemonAddress } from './daemon-address.js';
import { EXIT_OK } from './exit.js';
import type { CliIo } from './io.js';
import { withConfigOption, type ConfigArgs } from './options.js';
import type { SelectAction } from './select.js';
import { checkTokenRequest, issueToken } from './token.js';

interface LoginArgs extends ConfigArgs {
  tool: ToolName;
  repo: string;
  url?: string;
  dataDir?: string;
  ttl: string;
  dryRun: boolean;
}

interface LogoutArgs extends ConfigArgs {
  tool?: ToolName;
  dataDir?: string;
  dryRun: boolean;
}

/** A token as `larder token create` makes them, wherever it sits in a line. */
const TOKEN_SHAPE = new RegExp(`\\b${TOKEN_PREFIX}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+`, 'g');

/** What a dry run writes where the token would go: no token is made, no secret created. */
const DRY_RUN_TOKEN = 'TOKEN';

function withDataDir(yargs: Argv): Argv<ConfigArgs> {
  return withConfigOption(yargs)
    .option('data-dir', { type: 'string', describe: "the daemon's data dir, where the login record is kept (default: the config's dataDir)" })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print each file and what would change in it; write nothing' });
}

export function loginCommand(io: CliIo, select: SelectAction): CommandModule<object, LoginArgs> {
  return {
    command: 'login',
    describe: "point a client (npm, pip, Maven…) at larder for this user, with a token; `larder logout` undoes it",
    builder: (yargs: Argv) =>
      withDataDir(yargs)
        .option('tool', { type: 'string', choices: TOOL_NAMES, demandOption: true, describe: 'the client to configure' })
        .option('repo', { type: 'string', default: 'default', describe: 'the larder repository the client uses' })
        .option('url', { type: 'string', describe: "the daemon's address (default: the config's listen address)" })
        .option('ttl', { type: 'string', default: '12h', describe: 'how long the written token lives, at most 12h' })
        .example('$0 login --tool npm', 'npm installs (and publishes) through larder')
        .example('$0 login --tool maven --repo team --url http://cache.lan:7878', 'Maven uses repository "team" of another machine\'s larder') as Argv<LoginArgs>,
    handler: (args) => select(() => login(args, io)),
  };
}

export function logoutCommand(io: CliIo, select: SelectAction): CommandModule<object, LogoutArgs> {
  return {
    command: 'logout',
    describe: 'undo what `larder login` wrote (every tool, or --tool)',
    builder: (yargs: Argv) =>
      withDataDir(yargs).option('tool', { type: 'string', choices: TOOL_NAMES, describe: 'undo only this tool\'s login' }) as Argv<LogoutArgs>,
    handler: (args) => select(() => logout(args, io)),
  };
}

async function configFor(args: ConfigArgs & { dataDir?: string }, io: CliIo): Promise<LarderConfig> {
  return loadConfig({ file: args.config, overrides: args.dataDir === undefined ? {} : { dataDir: args.dataDir }, env: io.env, cwd: io.cwd ?? process.cwd() });
}

/** The daemon's root URL: --url, else the config's listen address (a wildcard address as loopback). */
function daemonBase(url: string | undefined, config: LarderConfig): URL {
  if (url !== undefined) return parseDaemonAddress(url, undefined, 'cli.login').base;
  const listen = config.listen.host.replace(/^\[|\]$/g, '');
  const host = listen === '0.0.0.0' ? '127.0.0.1' : listen === '::' ? '::1' : listen;
  return new URL(`http://${host.includes(':') ? `[${host}]` : host}:${config.listen.port}/`);
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Keeps npm's registry from before login (unless kept already, or it is larder): the npm connection's upstream then. */
async function rememberNpmRegistry(base: URL, dataDir: string, dryRun: boolean, io: CliIo): Promise<void> {
  if ((await readSavedNpmRegistry(dataDir)) !== undefined) return;
  const answer = await currentNpmRegistry(io.env ?? {});
  if (!answer.ok) {
    io.stderr(`larder: could not read npm's registry before login (${answer.why}); give the npm connection a url in larder's config so it does not ask npm, which will name larder itself\n`);
    return;
  }
  if (pointsAtSelf(new URL(answer.registry), { host: base.hostname.replace(/^\[|\]$/g, ''), port: portOf(base) })) return;
  if (!dryRun) await saveNpmRegistry(dataDir, answer.registry);
  io.stdout(`${dryRun ? 'would keep' : 'kept'} npm's registry before login, ${answer.registry}, in ${savedNpmRegistryPath(dataDir)}: larder's npm connection uses it when its config gives no url\n`);
}

const UNDO_SAYS: Record<FileStep['action'], string> = {
  write: 'write',
  restored: 'restore as it was before larder login',
  deleted: 'remove (larder login made it)',
  cleaned: 'changed since larder login: take out only the lines login marked and put back what it commented out; other changes stay in',
  'marks-gone': 'changed since larder login and holds none of its marks: leave as it is',
  'file-gone': 'is gone: nothing to undo',
};

const UNDO_DID: Record<FileStep['action'], string> = {
  write: 'wrote',
  restored: 'restored as it was before larder login',
  deleted: 'removed (larder login made it)',
  cleaned: 'changed since larder login: took out only the lines login marked and put back what it commented out; your other changes stay',
  'marks-gone': 'changed since larder login and holds none of its marks: left as it is',
  'file-gone': 'is gone: nothing to undo',
};

function describeStep(step: FileStep, dryRun: boolean, earlier: boolean): string[] {
  const created = step.action === 'write' && step.before === undefined ? ' (new file)' : '';
  const what = step.action === 'write' ? `${dryRun ? 'would write' : 'wrote'} ${step.path}${created}` : `${step.path}: ${(dryRun ? UNDO_SAYS : UNDO_DID)[step.action]}`;
  const head = `${step.tool}: ${earlier ? `undoing the earlier login first: ${what}` : what}`;
  // The files already hold tokens: a dry run's output (a terminal, a CI log) shows none of them.
  return dryRun ? [head, ...lineDiff(step.before, step.after).map((line) => line.replace(TOKEN_SHAPE, `${TOKEN_PREFIX}.…`))] : [head];
}

export async function login(args: LoginArgs, io: CliIo): Promise<number> {
  const request = checkTokenRequest(args.ttl, undefined, 'cli.login');
  if (!REPOSITORY_NAME.test(args.repo)) {
    throw new LarderError('E_USAGE', `--repo must be a repository name (letters, digits, ".", "_" and "-", 2 to 100 characters), got ${JSON.stringify(args.repo)}`, {
      operation: 'cli.login',
    });
  }
  const config = await configFor(args, io);
  const base = daemonBase(args.url, config);
  const issued = args.dryRun ? undefined : await issueToken(config.dataDir, request);
  const paths = userConfigPaths(io.env ?? {}, io.cwd ?? process.cwd());
  const plan = planLogin(args.tool, { base, repository: args.repo, token: issued?.token ?? DRY_RUN_TOKEN }, paths);
  if (args.dryRun) io.stdout(`dry run: nothing is written; ${DRY_RUN_TOKEN} stands for the token login would make\n`);
  // Before npm is pointed at larder: afterwards npm would name larder as its registry.
  if (NPM_FAMILY.has(args.tool)) await rememberNpmRegistry(base, config.dataDir, args.dryRun, io);
  const steps = await applyLogin(plan, config.dataDir, { dryRun: args.dryRun });
  for (const step of steps) io.stdout(`${describeStep(step, args.dryRun, step.action !== 'write').join('\n')}\n`);
  for (const note of plan.notes) io.stdout(`${note}\n`);
  if (issued !== undefined) {
    io.stderr(`the token written for ${args.tool} expires at ${issued.expiresAt.toISOString()}; run \`larder login --tool ${args.tool}\` again then\n`);
  }
  return EXIT_OK;
}

export async function logout(args: LogoutArgs, io: CliIo): Promise<number> {
  const config = await configFor(args, io);
  const result = await applyLogout(config.dataDir, args.tool, { dryRun: args.dryRun });
  if (args.dryRun) io.stdout('dry run: nothing is written\n');
  if (result.steps.length === 0) {
    io.stdout(`no larder login${args.tool === undefined ? '' : ` for ${args.tool}`} to undo\n`);
  }
  for (const step of result.steps) io.stdout(`${describeStep(step, args.dryRun, false).join('\n')}\n`);
  if (result.forgotNpmRegistry) {
    io.stdout(`${args.dryRun ? 'would remove' : 'removed'} ${savedNpmRegistryPath(config.dataDir)}: no npm, pnpm or yarn login is left\n`);
  }
  return EXIT_OK;
}
