/** Runs the larder CLI in-process with captured output (shared by the management CLI tests). */
import { tmpdir } from 'node:os';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/main.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

/** An io whose output the test reads back. */
export function capture(tty = false): Captured {
  let out = '';
  let err = '';
  return { io: { stdout: (text) => (out += text), stderr: (text) => (err += text), stdoutIsTTY: tty }, out: () => out, err: () => err };
}

/** `url()` is read at call time: test daemons start in `t.before`. */
export function cliAgainst(url: () => string): (argv: string[], tty?: boolean) => Promise<CliResult> {
  return async (argv, tty = false) => {
    const c = capture(tty);
    const code = await run([...argv, '--url', url()], c.io);
    return { code, out: c.out(), err: c.err() };
  };
}

/**
 * Runs one command with captured output and an environment of its own (HOME in the temp dir,
 * so no LARDER_* variable of the machine leaks in); `io` adds to it (a cwd, a terminal stderr).
 */
export async function runCaptured(argv: string[], io: Partial<CliIo> = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await run(argv, { env: { HOME: tmpdir() }, ...io, stdout: (text) => (out += text), stderr: (text) => (err += text) });
  return { code, out, err };
}
