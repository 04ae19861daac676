/** `larder serve`: load the config, start the daemon, reload it on SIGHUP, run until SIGINT or SIGTERM. */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { RunningLarder } from '../app.js';
import type { ConfigSource } from '../config/edit.js';
import { EMBEDDED_DEFAULT_SOURCE, loadConfig } from '../config/load.js';
import type { CliIo, ShutdownSignal, SignalSource } from './io.js';
import { toOverrides, withOverrideOptions, type OverrideArgs } from './options.js';
import type { SelectAction } from './select.js';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';

export function serveCommand(io: CliIo, select: SelectAction): CommandModule<object, OverrideArgs> {
  return {
    command: 'serve',
    describe: 'run the caching proxy until interrupted',
    builder: (yargs: Argv) => withOverrideOptions(yargs),
    handler: (args) => select(() => serve(args, io)),
  };
}

export async function serve(args: OverrideArgs, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const overrides = toOverrides(args);
  const config = await loadConfig({ file: args.config, overrides, env: io.env, cwd });
  const source = args.config === undefined ? EMBEDDED_DEFAULT_SOURCE : resolve(cwd, args.config);
  // A reload reads the same file with the same flags.
  const origin: ConfigSource = { overrides, cwd, ...(args.config === undefined ? {} : { file: source }), ...(io.env === undefined ? {} : { env: io.env }) };
  // Loaded here, not at the top: `larder --help` and `config check` must work without the
  // daemon's modules (native sqlite among them) being loadable.
  const logger = io.logger ?? (await import('../log.js')).createLogger({ level: config.logLevel });
  const start = io.start ?? (await import('../app.js')).startLarder;
  // Listen for signals before starting, so an early Ctrl-C still closes what was started.
  const stop = waitForSignal(io.signals ?? process);
  const running = await start(config, { logger, source: origin }).catch((error: unknown) => {
    stop.cancel();
    throw error;
  });
  logger.info(
    { url: running.url, config: source, dataDir: config.dataDir },
    `larder listening on ${running.url} (config: ${source}, data: ${config.dataDir})`,
  );
  const stopHangups = reloadOnHangup(io.signals ?? process, running, logger);
  const signal = await stop.received;
  stopHangups();
  logger.info({ signal }, `${signal} received, closing`);
  await running.close();
  logger.info('larder closed');
  return 0;
}

/** Something SIGHUP can be heard on: `process`, or the EventEmitter a test passes as io.signals. */
interface HangupSource {
  on(signal: 'SIGHUP', listener: () => void): unknown;
  off(signal: 'SIGHUP', listener: () => void): unknown;
}

function canHearHangup(source: unknown): source is HangupSource {
  const candidate = source as Partial<Record<'on' | 'off', unknown>>;
  return typeof candidate.on === 'function' && typeof candidate.off === 'function';
}

/**
 * Every SIGHUP reloads the config file. A bad config is logged (every problem) and the running one
 * is kept: a reload never stops the daemon. Returns the function that stops listening.
 */
function reloadOnHangup(signals: SignalSource, running: RunningLarder, logger: Logger): () => void {
  if (running.reload === undefined || !canHearHangup(signals)) return () => undefined;
  const reload = running.reload.bind(running);
  const listener = (): void => {
    logger.info('SIGHUP received, reloading the config');
    reload().catch((error: unknown) => {
      // The reload has logged each problem; this line says the daemon goes on with the old config.
      logger.warn({ err: describeError(error) }, 'config not reloaded; still running on the previous config');
    });
  };
  signals.on('SIGHUP', listener);
  return () => void signals.off('SIGHUP', listener);
}

/**
 * Resolves on the first SIGINT or SIGTERM. Both listeners are then removed, so a second Ctrl-C
 * during a slow close gets Node's default behaviour and ends the process at once.
 */
function waitForSignal(signals: SignalSource): { received: Promise<ShutdownSignal>; cancel: () => void } {
  const names: ShutdownSignal[] = ['SIGINT', 'SIGTERM'];
  const listeners = new Map<ShutdownSignal, () => void>();
  const cancel = (): void => {
    for (const [name, listener] of listeners) signals.off(name, listener);
    listeners.clear();
  };
  const received = new Promise<ShutdownSignal>((resolvePromise) => {
    for (const name of names) {
      const listener = (): void => {
        cancel();
        resolvePromise(name);
      };
      listeners.set(name, listener);
      signals.once(name, listener);
    }
  });
  return { received, cancel };
}
