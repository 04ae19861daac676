/**
 * Composition root: the one place that builds the concrete stores and clients and wires them
 * into the HTTP server. Building is separate from listening so tests can listen on port 0.
 */
import type { Logger } from 'pino';
import type { LarderConfig } from './config/types.js';

export interface StartOptions {
  logger: Logger;
}

export interface RunningLarder {
  /** e.g. `http://127.0.0.1:7878` (the real port when the config asked for 0). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startLarder(_config: LarderConfig, _options: StartOptions): Promise<RunningLarder> {
  throw new Error('not wired yet');
}
