/**
 * The address behind `public:npmjs`: whatever registry the user's npm is configured with, read
 * once, lazily, with `npm config get registry`. Run from the temp directory so a project's
 * .npmrc does not apply. A user who followed the README has pointed npm at larder itself; then
 * npm is asked again without the user config, for its global/builtin default. Larder never uses
 * itself as its own upstream.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LarderError } from '../errors.js';
import { pointsAtSelf, type ListenAddress } from './self-address.js';

export interface NpmRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Runs `npm ARGS…` and resolves with its stdout; rejects with the child_process error. */
export type NpmRunner = (args: readonly string[], options: NpmRunOptions) => Promise<string>;

export interface NpmRegistryResolverOptions {
  /** Larder's own listen address (the real port once listening); undefined skips the self check. */
  self: () => ListenAddress | undefined;
  /** The environment npm runs with; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  run?: NpmRunner;
  /** Defaults to 10 s. */
  timeoutMs?: number;
  /**
   * The registry npm had before `larder login` pointed it at larder (kept in the data dir):
   * when npm's answer is larder itself, this is the upstream, before npm's built-in default.
   */
  saved?: () => Promise<string | undefined>;
}

export interface NpmRegistryResolver {
  /** The registry's base URL, ending in `/`. Runs npm on the first call only (retries after a failure). */
  resolve(): Promise<string>;
}

const OPERATION = 'config.npmRegistry';
const FIX = 'or give the registry in the config: external: { format: npm, url: <registry URL> }';

export const runNpm: NpmRunner = (args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      'npm',
      [...args],
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else reject(Object.assign(error, { stderr }));
      },
    );
  });

export function createNpmRegistryResolver(options: NpmRegistryResolverOptions): NpmRegistryResolver {
  let pending: Promise<string> | undefined;
  return {
    resolve() {
      if (pending === undefined) {
        const attempt = discover(options);
        pending = attempt;
        // A failure is not kept: the user may fix npm's configuration while larder runs.
        attempt.catch(() => {
          if (pending === attempt) pending = undefined;
        });
      }
      return pending;
    },
  };
}

async function discover(options: NpmRegistryResolverOptions): Promise<string> {
  const env = options.env ?? process.env;
  const run = options.run ?? runNpm;
  const runOptions = { cwd: tmpdir(), env, timeoutMs: options.timeoutMs ?? 10_000 };
  const first = await askNpm(run, [], runOptions);
  const self = options.self();
  if (self === undefined || !pointsAtSelf(new URL(first), self)) return first;

  const saved = await options.saved?.();
  if (saved !== undefined && !pointsAtSelf(new URL(saved), self)) return saved;
  // npm is pointed at larder (as the README suggests): ask for npm's default without the user config.
  const dir = await mkdtemp(join(tmpdir(), 'larder-npmrc-'));
  try {
    const emptyConfig = join(dir, 'npmrc');
    await writeFile(emptyConfig, '');
    const fallback = await askNpm(run, ['--userconfig', emptyConfig], { ...runOptions, env: withoutRegistryVariables(env) });
    if (!pointsAtSelf(new URL(fallback), self)) return fallback;
    throw new LarderError(
      'E_CONFIG_INVALID',
      `npm's registry (${fallback}) is this larder itself (${self.host}:${self.port}), even without your user .npmrc, ` +
        `so larder cannot use it as the upstream for public:npmjs; set a real registry in npm's global config (npm config set registry <URL> --location=global), ${FIX}`,
      { operation: OPERATION, details: { registry: fallback, userRegistry: first } },
    );
  } finally {
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
      // A stray empty temp directory is harmless; failing the lookup over it would not be.
      void error;
    });
  }
}

/** The child environment with every spelling of npm_config_registry removed. */
function withoutRegistryVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key.toLowerCase() !== 'npm_config_registry'));
}

async function askNpm(run: NpmRunner, extraArgs: readonly string[], options: NpmRunOptions): Promise<string> {
  let stdout: string;
  try {
    stdout = await run(['config', 'get', 'registry', ...extraArgs], options);
  } catch (error) {
    throw explainRunFailure(error, options.timeoutMs);
  }
  const answer = stdout.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '').pop() ?? '';
  let url: URL | undefined;
  try {
    url = new URL(answer);
  } catch (error) {
    // Not a URL at all: reported below together with the other unusable answers.
    void error;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new LarderError('E_CONFIG_INVALID', `\`npm config get registry\` answered ${JSON.stringify(answer)}, not an http(s) registry URL; fix npm's registry setting, ${FIX}`, {
      operation: OPERATION,
      details: { answer },
    });
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

function explainRunFailure(error: unknown, timeoutMs: number): LarderError {
  const failure = error as NodeJS.ErrnoException & { killed?: boolean; stderr?: string };
  let why: string;
  if (failure.code === 'ENOENT') {
    why = 'npm was not found on the PATH; larder reads the npm registry address from npm\'s configuration. Install npm';
  } else if (failure.killed === true) {
    why = `\`npm config get registry\` did not answer within ${timeoutMs} ms; check that npm works`;
  } else {
    const stderr = (failure.stderr ?? '').trim().split('\n')[0] ?? '';
    why = `\`npm config get registry\` failed (${stderr === '' ? String(failure.message) : stderr}); fix npm's configuration`;
  }
  return new LarderError('E_CONFIG_INVALID', `cannot find the npm registry: ${why}, ${FIX}`, { operation: OPERATION, cause: error });
}
