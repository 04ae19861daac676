/**
 * Runs the REAL npm CLI in a temp project against a registry URL, isolated from the user's and
 * the machine's npm configuration, so the only thing that can serve it is the registry given.
 *
 *   const npm = await npmVersion();
 *   if (npm === undefined) return t.skip('npm is not installed');   // never fake a client
 *   await writeProject(dir, { 'left-pad': '^1.0.0' });
 *   const run = await runNpmInstall({ registry: url, cwd: dir, cacheDir: join(tmp, 'npm-cache') });
 *
 * Isolation, and why:
 *   - every `npm_*` / `NPM_*` variable is dropped from the environment: the test runner itself runs
 *     under npm, which exports its whole config (registry, cache, userconfig…) as npm_config_*.
 *   - `--userconfig` and `--globalconfig` point at empty files: ~/.npmrc and $PREFIX/etc/npmrc
 *     may set a registry, a cache or auth.
 *   - `--cache` is the caller's temp dir, so npm's own cache never serves a package from before.
 *   - proxy variables are dropped: a proxy would sit between npm and the 127.0.0.1 registry.
 *   - NODE_OPTIONS / NODE_V8_COVERAGE and tap's variables are dropped: the child must not load
 *     the test runner's loaders or write coverage into its reports.
 *   - `--prefer-online` (default on): npm revalidates every packument with the registry instead of
 *     trusting its cache for five minutes, so each run really asks the registry.
 *   - `--fetch-retries=0` (default): npm's own retries wait 10–60 s between attempts, which turns
 *     one 5xx into a minute-long test. Pass `fetchRetries` to test retry behaviour.
 *   - `--no-audit --no-fund --no-update-notifier --no-progress --color=false`.
 * Lockfiles: npm records each tarball's full URL in package-lock.json and reuses it on the next
 * install, even when `--registry` changes. Use a fresh project per install, or pass
 * `--no-package-lock` or `--replace-registry-host=always` in `args`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filterEnv, probeStdout, runCli, type CliRunResult } from './run-cli.js';

export interface NpmRunOptions {
  /** Registry URL npm talks to (trailing slash optional). */
  registry: string;
  /** The project directory (holds package.json). */
  cwd: string;
  /** npm's cache directory; a temp dir the test owns. */
  cacheDir: string;
  /** Extra arguments after the command. */
  args?: string[];
  /** Kill npm (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** `--prefer-online`; default true. */
  preferOnline?: boolean;
  /** `--fetch-retries`; default 0. */
  fetchRetries?: number;
  /** Extra environment variables for npm (added after the isolation filter). */
  env?: Record<string, string>;
}

/** Exit code (null when npm was killed), signal, timedOut, stdout, stderr, ms, and argv: npm's arguments (without `npm`). */
export type NpmRunResult = CliRunResult;

const DROPPED_ENV = /^(npm_|NODE_OPTIONS$|NODE_V8_COVERAGE$|TAP_|_TAPJS_|(HTTPS?|ALL|NO)_PROXY$)/i;

/** The parent's environment minus everything that could configure npm or load test machinery. */
export function isolatedNpmEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return filterEnv(parent, DROPPED_ENV);
}

/** npm's version when an `npm` executable is on PATH, else undefined (callers skip, never fake). */
export async function npmVersion(): Promise<string | undefined> {
  return (await probeStdout('npm', ['--version'], isolatedNpmEnv(), 30_000))?.trim();
}

/** Writes `dir/package.json` for a private project with these dependencies. */
export async function writeProject(dir: string, dependencies: Record<string, string>, extra: Record<string, unknown> = {}): Promise<void> {
  const pkg = { name: 'larder-test-project', version: '1.0.0', private: true, dependencies, ...extra };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

/** Runs `npm COMMAND ...args` isolated as described at the top of this file. */
export async function runNpm(command: string, options: NpmRunOptions): Promise<NpmRunResult> {
  const configDir = await mkdtemp(join(tmpdir(), 'larder-npmrc-'));
  // Two files: npm refuses to load one file as both user and global config.
  const userRc = join(configDir, 'user-npmrc');
  const globalRc = join(configDir, 'global-npmrc');
  await writeFile(userRc, '');
  await writeFile(globalRc, '');
  const argv = [
    command,
    `--registry=${options.registry}`,
    `--cache=${options.cacheDir}`,
    `--userconfig=${userRc}`,
    `--globalconfig=${globalRc}`,
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    '--no-progress',
    '--color=false',
    `--fetch-retries=${options.fetchRetries ?? 0}`,
    ...(options.preferOnline === false ? [] : ['--prefer-online']),
    ...(options.args ?? []),
  ];
  try {
    return await runCli('npm', argv, { cwd: options.cwd, env: { ...isolatedNpmEnv(), ...options.env }, timeoutMs: options.timeoutMs ?? 60_000, argv });
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}

/** `npm install` in `cwd` (installs package.json's dependencies, plus any specs in `args`). */
export function runNpmInstall(options: NpmRunOptions): Promise<NpmRunResult> {
  return runNpm('install', options);
}
