/**
 * The child-process plumbing the real-client helpers (npm-cli.ts, pip-cli.ts, mvn-cli.ts) share:
 * environment isolation by a deny-list, a version probe, and a run with a hard timeout that
 * collects everything a failing test needs to explain itself. Each helper keeps its own reasons
 * for what it drops and passes; see the top of those files.
 */
import { execFile, spawn } from 'node:child_process';

export interface CliRunResult {
  /** Exit code, or null when the process was killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Wall-clock duration of the process. */
  ms: number;
  /** The command line, for failure messages. */
  argv: string[];
}

/** `parent` without the variables whose names match `dropped`, then `added` on top. */
export function filterEnv(parent: NodeJS.ProcessEnv, dropped: RegExp, added: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(parent).filter(([key]) => !dropped.test(key));
  return { ...Object.fromEntries(kept), ...added };
}

/** `file args` stdout when it exits 0 within `timeoutMs`, else undefined. */
export function probeStdout(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs }, (error, stdout) => {
      // Any failure (ENOENT above all) means "not usable here": callers skip, never fake a client.
      resolve(error === null ? stdout : undefined);
    });
  });
}

export interface RunCliOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** SIGKILL the process after this long. */
  timeoutMs: number;
  /** Reported as the result's argv; default `[file, ...args]`. */
  argv?: string[];
}

/** Runs `file args` with stdin closed, collecting stdout and stderr; rejects only when it cannot start. */
export function runCli(file: string, args: string[], options: RunCliOptions): Promise<CliRunResult> {
  const started = Date.now();
  return new Promise<CliRunResult>((resolve, reject) => {
    const child = spawn(file, args, {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, ms: Date.now() - started, argv: options.argv ?? [file, ...args] });
    });
  });
}
