/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config. */
import { describeError, isLarderError } from '../errors.js';
import type { CliIo } from './io.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  return isLarderError(error, 'E_CONFIG_INVALID') || isLarderError(error, 'E_USAGE') ? EXIT_USAGE : EXIT_FAILURE;
}

/** One `larder: …` message on stderr; a config error's message already lists every problem. */
export function reportError(error: unknown, io: CliIo): void {
  io.stderr(`larder: ${describeError(error)}\n`);
}
