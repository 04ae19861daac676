/** The one logger factory: pino, pretty on a terminal, JSON lines otherwise. */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Force pretty output on or off; by default pretty when stdout is a terminal. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      level: options.level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: options.level, base: undefined });
}

export type { Logger };
