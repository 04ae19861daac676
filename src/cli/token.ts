/**
 * `larder token create`: a token for clients of a larder that requires auth. Signed with the
 * data dir's secret (made on first use), so the daemon serving that data dir accepts it; no
 * daemon needs to run. Prints the token alone on stdout (for `$(larder token create)`), and on
 * stderr when it expires and how each client takes it.
 */
import { userInfo } from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import { MAX_TOKEN_TTL_MS, createToken } from '../domain/tokens.js';
import { LarderError } from '../errors.js';
import { EXIT_OK } from './exit.js';
import type { CliIo } from './io.js';
import { withConfigOption, type ConfigArgs } from './options.js';
import type { SelectAction } from './select.js';

interface TokenArgs extends ConfigArgs {
  dataDir?: string;
  ttl: string;
  name?: string;
}

export function tokenCommand(io: CliIo, select: SelectAction): CommandModule {
  return {
    command: 'token',
    describe: 'make access tokens for a larder that requires auth',
    builder: (yargs: Argv) =>
      yargs
        .command<TokenArgs>({
          command: 'create',
          describe: 'print a new token (at most 12h), signed with the data dir\'s secret',
          builder: (sub: Argv) =>
            withConfigOption(sub)
              .option('data-dir', { type: 'string', describe: "the daemon's data dir (default: the config's dataDir)" })
              .option('ttl', { type: 'string', default: '12h', describe: 'how long the token lives, at most 12h (e.g. 30m, 8h)' })
              .option('name', { type: 'string', describe: 'whom it is for, shown in the request log (default: your user name)' }) as Argv<TokenArgs>,
          handler: (args) => select(() => createTokenCommand(args, io)),
        })
        .demandCommand(1, 'token needs a subcommand: create'),
    handler: () => {
      // Never reached: demandCommand(1) makes yargs fail when no subcommand is given.
    },
  };
}

/** A token request checked: its life in ms and whom it is for. */
export interface TokenRequest {
  ttlMs: number;
  name: string;
}

/** Checks `--ttl` (1 s to 12 h) and the name (default: the user's name); E_USAGE under `operation`. */
export function checkTokenRequest(ttlText: string, nameText: string | undefined, operation: string): TokenRequest {
  const ttl = parseDuration(ttlText);
  if (!ttl.ok) throw new LarderError('E_USAGE', `--ttl: ${ttl.message}`, { operation });
  if (ttl.value < 1000 || ttl.value > MAX_TOKEN_TTL_MS) {
    throw new LarderError('E_USAGE', `--ttl must be from 1s to 12h (a leaked token is worth little for long), got ${ttlText}`, { operation });
  }
  const name = nameText ?? userInfo().username;
  if (name.trim() === '' || [...name].some((char) => char.charCodeAt(0) < 0x20)) throw new LarderError('E_USAGE', '--name must be printable text', { operation });
  return { ttlMs: ttl.value, name };
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Signs a token with the data dir's secret (made on first use): what `token create` prints and `larder login` writes. */
export async function issueToken(dataDir: string, request: TokenRequest, nowMs: number = Date.now()): Promise<IssuedToken> {
  const { tokenSecret } = await import('../store/secret.js');
  const token = createToken(await tokenSecret(dataDir), request.name, request.ttlMs, nowMs);
  return { token, expiresAt: new Date(nowMs + request.ttlMs) };
}

export async function createTokenCommand(args: TokenArgs, io: CliIo): Promise<number> {
  const request = checkTokenRequest(args.ttl, args.name, 'cli.token');
  const config = await loadConfig({ file: args.config, overrides: args.dataDir === undefined ? {} : { dataDir: args.dataDir }, env: io.env, cwd: io.cwd ?? process.cwd() });
  const { token, expiresAt } = await issueToken(config.dataDir, request);
  io.stdout(`${token}\n`);
  io.stderr(
    `token for ${request.name}, valid until ${expiresAt.toISOString()}. ` +
      'npm: //HOST:PORT/npm/REPO/:_authToken=TOKEN in .npmrc; pip: index-url = http://user:TOKEN@HOST:PORT/pypi/REPO/simple/; ' +
      'Maven: <server><id>larder</id><username>user</username><password>TOKEN</password></server> in settings.xml\n',
  );
  return EXIT_OK;
}
