/** `larder serve`: load the config, start the daemon, run until SIGINT or SIGTERM. */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { EMBEDDED_DEFAULT_SOURCE, loadConfig } from '../config/load.js';
import type { CliIo, ShutdownSignal, SignalSource } from './io.js';
import { toOverrides, withOverrideOptions, type OverrideArgs } from './options.js';
import type { SelectAction } from './select.js';

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
  const config = await loadConfig({ file: args.config, overrides: toOverrides(args), env: io.env, cwd });
  const source = args.config === undefined ? EMBEDDED_DEFAULT_SOURCE : resolve(cwd, args.config);
  // Loaded here, not at the top: `larder --help` and `config check` must work without the
  // daemon's modules (native sqlite among them) being loadable.
  const logger = io.logger ?? (await import('../log.js')).createLogger({ level: config.logLevel });
  const start = io.start ?? (await import('../app.js')).startLarder;
  // Listen for signals before starting, so an early Ctrl-C still closes what was started.
  const stop = waitForSignal(io.signals ?? process);
  const running = await start(config, { logger }).catch((error: unknown) => {
    stop.cancel();
    throw error;
  });
  logger.info(
    { url: running.url, config: source, dataDir: config.dataDir },
    `larder listening on ${running.url} (config: ${source}, data: ${config.dataDir})`,
  );
  const signal = await stop.received;
  logger.info({ signal }, `${signal} received, closing`);
  await running.close();
  logger.info('larder closed');
  return 0;
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
