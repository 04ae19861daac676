/**
 * Runs the REAL pip (`<python> -m pip`, the interpreter resolved to an absolute path so the pip in
 * use is explicit) against one index URL, isolated from the user's and the machine's pip
 * configuration, so the only thing that can serve it is the index given.
 *
 *   const pip = await pipVersion();
 *   if (pip === undefined) return t.skip('pip is not installed');   // never fake a client
 *   const run = await runPipInstall({ indexUrl: pypi.url, target: join(dir, 'site'), requirements: ['frob'] });
 *
 * Isolation, and why (pip 23 checked with `pip config debug`):
 *   - `PIP_CONFIG_FILE=/dev/null` makes pip skip EVERY config file — global (/etc/pip.conf,
 *     $XDG_CONFIG_DIRS/pip/pip.conf, which may add constraints or extra indexes), user and site.
 *     `--isolated` alone does NOT skip the global files.
 *   - `--isolated` ignores every other PIP_* variable, and they are dropped from the environment
 *     anyway (PIP_FIND_LINKS, PIP_EXTRA_INDEX_URL… would add sources).
 *   - `--index-url` is the only source: no `--extra-index-url`, no `--find-links`.
 *   - `--no-cache-dir`: pip's HTTP and wheel caches never serve a file from an earlier run.
 *   - proxy variables are dropped: a proxy would sit between pip and a 127.0.0.1 index.
 *   - `--target` a directory the caller owns, so nothing lands in (or is satisfied by) site-packages.
 *   - `--retries 0` (default): pip otherwise retries a failed connection five times with backoff,
 *     which turns one outage into a slow test. `--timeout` is the socket timeout (default 15 s).
 *   - `--disable-pip-version-check --no-input --no-color --progress-bar off --no-compile`.
 *   - NODE_OPTIONS / NODE_V8_COVERAGE and tap's variables are dropped, as for npm.
 */
import { filterEnv, probeStdout, runCli, type CliRunResult } from './run-cli.js';

export interface PipInstallOptions {
  /** The Simple API base, e.g. `http://127.0.0.1:PORT/simple/`. */
  indexUrl: string;
  /** Directory pip installs into (`--target`); a temp dir the test owns. */
  target: string;
  /** Requirement specifiers, e.g. `frob`, `dep==1.0`. */
  requirements: string[];
  /** Kill pip (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** `--retries`; default 0. */
  retries?: number;
  /** `--timeout` in seconds (per socket operation); default 15. */
  socketTimeoutSeconds?: number;
  /** Extra arguments after `install` (e.g. `--only-binary=:all:`, `-v`). */
  args?: string[];
  /** The environment to isolate; default process.env (tests pass a hostile one to prove isolation). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Extra environment variables (added after the isolation filter). */
  env?: Record<string, string>;
}

/** Exit code (null when pip was killed), signal, timedOut, stdout, stderr, ms, and argv: the interpreter and its arguments. */
export type PipRunResult = CliRunResult;

const DROPPED_ENV = /^(PIP_|NODE_OPTIONS$|NODE_V8_COVERAGE$|TAP_|_TAPJS_|(HTTPS?|ALL|NO|FTP)_PROXY$)/i;

/** The parent's environment minus everything that could configure pip, plus PIP_CONFIG_FILE=/dev/null. */
export function isolatedPipEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return filterEnv(parent, DROPPED_ENV, { PIP_CONFIG_FILE: '/dev/null', PYTHONDONTWRITEBYTECODE: '1' });
}

/** Trimmed stdout, or undefined on any failure (ENOENT above all, or no pip module): "not usable here". */
async function run(file: string, args: string[]): Promise<string | undefined> {
  return (await probeStdout(file, args, isolatedPipEnv(), 30_000))?.trim();
}

let found: Promise<{ python: string; version: string } | undefined> | undefined;

/** The absolute path of the first `python3` / `python` on PATH that has pip, and that pip's version. */
export function findPip(): Promise<{ python: string; version: string } | undefined> {
  found ??= (async () => {
    for (const candidate of ['python3', 'python']) {
      // Resolve shims (pyenv) to the real interpreter, so every run uses the same one.
      const python = await run(candidate, ['-c', 'import sys; print(sys.executable)']);
      if (python === undefined || python === '') continue;
      const banner = await run(python, ['-m', 'pip', '--version']);
      const version = /^pip (\S+)/.exec(banner ?? '')?.[1];
      if (version !== undefined) return { python, version };
    }
    return undefined;
  })();
  return found;
}

/** pip's version when a Python with pip is on PATH, else undefined (callers skip, never fake). */
export async function pipVersion(): Promise<string | undefined> {
  return (await findPip())?.version;
}

/** `pip install` of `requirements` into `target`, isolated as described at the top of this file. */
export async function runPipInstall(options: PipInstallOptions): Promise<PipRunResult> {
  const pip = await findPip();
  if (pip === undefined) throw new Error('runPipInstall: no Python with pip on PATH (check pipVersion() first and skip)');
  const argv = [
    '-m', 'pip', '--isolated', 'install',
    '--index-url', options.indexUrl,
    '--target', options.target,
    '--no-cache-dir',
    '--disable-pip-version-check',
    '--no-input',
    '--no-color',
    '--progress-bar', 'off',
    '--no-compile',
    '--retries', String(options.retries ?? 0),
    '--timeout', String(options.socketTimeoutSeconds ?? 15),
    ...(options.args ?? []),
    ...options.requirements,
  ];
  return runCli(pip.python, argv, { env: { ...isolatedPipEnv(options.parentEnv), ...options.env }, timeoutMs: options.timeoutMs ?? 60_000 });
}
