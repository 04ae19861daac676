/**
 * The real larder daemon as a child process, for storage-fault tests that SIGKILL it, restart it
 * on the same data dir, starve its disk, or watch it refuse to start.
 *
 * The sources are transpiled once per test process (typescript's transpileModule: the per-file
 * transform tap's loader applies, without a type check) into a private directory inside the
 * repository, where `../package.json` and `node_modules` resolve as they do from dist/. Each
 * start is then a plain `node main.js serve`, so the ready time measured is larder's own, not a
 * loader compiling src/ again (over ten seconds on a busy 2-core machine). The full tsc build
 * (test/helpers/built-larder.ts) type-checks too and costs 15-25 s, too much for this file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import ts from 'typescript';
import { stringify } from 'yaml';
import { fetchBytes } from './storage-probes.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Transpiles src/ into `<repo>/.test-build-storage-*` and returns its main.js; removed when `teardown` runs. */
export async function transpileLarder(teardown: (fn: () => Promise<void>) => void): Promise<string> {
  const outDir = await mkdtemp(join(ROOT, '.test-build-storage-'));
  teardown(() => rm(outDir, { recursive: true, force: true }));
  // mkdtemp makes it 0700; a daemon run as another user (permission faults under root) must read it.
  await chmod(outDir, 0o755);
  const src = join(ROOT, 'src');
  const files = (await readdir(src, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, esModuleInterop: true };
  for (const file of files) {
    const output = ts.transpileModule(await readFile(join(src, file), 'utf8'), { fileName: file, compilerOptions });
    const target = join(outDir, file.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, output.outputText, { mode: 0o644 });
  }
  return join(outDir, 'main.js');
}

export interface DaemonConfigOptions {
  dataDir: string;
  /** Base URL of the npm upstream of the `npm-store` gateway (`default` → `npm-store`). */
  npmUpstream: string;
}

/** Writes a config file into `dir` and returns its path. Short timeouts, a breaker that stays closed. */
export async function writeDaemonConfig(dir: string, options: DaemonConfigOptions): Promise<string> {
  const document = {
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: options.dataDir,
    log: { level: 'info' },
    upstream: { connectTimeout: '2s', headersTimeout: '5s', bodyTimeout: '5s', retries: 0, breakerThreshold: 1000, breakerCooldown: '30s' },
    defaults: { refresh: 'blocking', ingestionDeadline: '20s' },
    repositories: { default: { upstreams: ['npm-store'] }, 'npm-store': { external: { format: 'npm', url: options.npmUpstream } } },
  };
  const file = join(dir, 'larder.yaml');
  await writeFile(file, stringify(document), { mode: 0o644 });
  return file;
}

export interface DaemonSpawn {
  /** The transpiled main.js. */
  main: string;
  config: string;
  /** Run as this user (root only), for permission faults root itself would not feel. */
  user?: { uid: number; gid: number };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `larder serve` process, its output collected. */
export class LarderProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  readonly #child: ChildProcess;
  readonly #startedAt = performance.now();

  private constructor(options: DaemonSpawn) {
    const args = [options.main, 'serve', '--config', options.config];
    // The daemon runs as users run it, without tap's process-info hook. tap passes the hook to
    // children in NODE_OPTIONS and its child_process wrapper puts it back into any env we give,
    // so env(1) drops it. The hook installs signal-exit, whose handler re-raises SIGXFSZ with the
    // default action and kills the daemon (node itself ignores SIGXFSZ: a file-size limit is an
    // EFBIG write error); it also writes into .tap/, which another user cannot.
    this.#child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(options.user ?? {}) });
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolveExit) => {
      this.#child.on('error', (error) => {
        this.stderr += `spawn failed: ${error.message}\n`;
        this.#exit = { code: null, signal: null };
        resolveExit(this.#exit);
      });
      this.#child.on('close', (code, signal) => {
        this.#exit = { code, signal };
        resolveExit(this.#exit);
      });
    });
  }

  static spawn(options: DaemonSpawn): LarderProcess {
    return new LarderProcess(options);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** What it printed, for failure messages. */
  get output(): string {
    const exit = this.#exit === undefined ? 'running' : `exited: code ${String(this.#exit.code)}, signal ${String(this.#exit.signal)}`;
    return `--- ${exit}\n--- stdout\n${this.stdout.slice(-4000)}\n--- stderr\n${this.stderr.slice(-4000)}`;
  }

  /**
   * Waits for the first 200 on `/-/health` and returns the daemon's URL and the milliseconds from
   * spawn to that answer. Rejects when the process exits first or `timeoutMs` passes.
   */
  async ready(timeoutMs = 20_000): Promise<{ url: string; readyMs: number }> {
    const deadline = this.#startedAt + timeoutMs;
    let url: string | undefined;
    while (performance.now() < deadline) {
      if (!this.running) throw new Error(`larder exited (${JSON.stringify(this.#exit)}) before it was ready\n${this.output}`);
      url ??= /larder listening on (http:\/\/[0-9.:[\]]+)/.exec(this.stdout)?.[1];
      if (url !== undefined) {
        const health = await fetchBytes(`${url}/-/health`, 2000);
        if (health.status === 200) return { url, readyMs: Math.round(performance.now() - this.#startedAt) };
      }
      await sleep(10);
    }
    throw new Error(`larder not ready within ${timeoutMs} ms\n${this.output}`);
  }

  /** Sends `signal` (if it still runs) and waits for the process to end. */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    if (this.running) this.#child.kill(signal);
    return this.exited;
  }

  /** Waits up to `timeoutMs` for the process to end by itself; SIGKILLs it (and says so) otherwise. */
  async exitWithin(timeoutMs: number): Promise<Exit & { timedOut: boolean }> {
    // Unref'd: a process that ends in time must not leave a timer holding the test open.
    const timer = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const outcome = await Promise.race([this.exited, timer]);
    if (outcome !== 'timeout') return { ...outcome, timedOut: false };
    return { ...(await this.kill('SIGKILL')), timedOut: true };
  }
}
