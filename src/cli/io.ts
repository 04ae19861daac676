/**
 * What a command needs from the outside world, passed in so tests can run the CLI in-process:
 * output streams, the environment (handed to config/, the only reader of process.env), the
 * signals that stop `serve`, and the pieces `serve` builds a server from.
 */
import type { Logger } from 'pino';
import type { RunningLarder, StartOptions } from '../app.js';
import type { LarderConfig } from '../config/types.js';

export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

/** `process` fits; tests pass an EventEmitter. */
export interface SignalSource {
  once(signal: ShutdownSignal, listener: () => void): unknown;
  off(signal: ShutdownSignal, listener: () => void): unknown;
}

export interface CliIo {
  /** Writes text as given (commands add their own newlines). */
  stdout(text: string): void;
  stderr(text: string): void;
  /** True when stdout is a terminal: the management commands print aligned tables then. */
  stdoutIsTTY?: boolean;
  /** True when stderr is a terminal: long work draws a progress bar there then. */
  stderrIsTTY?: boolean;
  /** Environment for config loading; config/ falls back to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory relative paths are resolved against; defaults to process.cwd(). */
  cwd?: string;
  /** Where `serve` waits for SIGINT/SIGTERM; defaults to process. */
  signals?: SignalSource;
  /** The logger `serve` uses; by default one made by createLogger at the configured level. */
  logger?: Logger;
  /** Builds and starts the daemon; defaults to startLarder from app.ts. */
  start?: (config: LarderConfig, options: StartOptions) => Promise<RunningLarder>;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}
