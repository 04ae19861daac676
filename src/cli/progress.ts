/**
 * A one-line progress bar on stderr for long work (verify, gc, warm): count, bytes, rate and,
 * when the caller counts them, failures. Drawn only on a terminal, at most ten times a second,
 * and cleared when the work ends, so a pipe or a CI log sees only the summary.
 */
import type { CliIo } from './io.js';

const WIDTH = 24;
const REDRAW_MS = 100;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export class ProgressBar {
  readonly #io: CliIo;
  readonly #label: string;
  readonly #started = Date.now();
  #drawnAt = 0;
  #drawn = false;

  constructor(io: CliIo, label: string) {
    this.#io = io;
    this.#label = label;
  }

  /** `done.failures`, when given, is shown after the rate (`3 failed`). */
  update(done: { items: number; bytes: number; failures?: number }, total: { items: number; bytes: number }): void {
    if (this.#io.stderrIsTTY !== true) return;
    const now = Date.now();
    if (now - this.#drawnAt < REDRAW_MS && done.items < total.items) return;
    this.#drawnAt = now;
    const share = total.bytes > 0 ? done.bytes / total.bytes : total.items > 0 ? done.items / total.items : 1;
    const filled = Math.round(share * WIDTH);
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const line = `${this.#label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}% ${done.items}/${total.items} ${formatBytes(done.bytes)} ${formatBytes(done.bytes / seconds)}/s${done.failures === undefined ? '' : ` ${done.failures} failed`}`;
    this.#io.stderr(`\r${line}\u001b[K`);
    this.#drawn = true;
  }

  /** Clears the bar, leaving the line for the summary. */
  end(): void {
    if (this.#drawn) this.#io.stderr('\r\u001b[K');
  }
}
