/**
 * Helpers for the `larder export` / `larder import` CLI tests (test/cli/archive*.test.ts): the
 * CLI run in-process through main.ts's run(), and the config file a command reads.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCaptured, type CliResult } from './run-in-process.js';

/** The CLI in-process; `tty` makes stderr a terminal, where export and import draw their progress bars. */
export function cli(argv: string[], options: { tty?: boolean } = {}): Promise<CliResult> {
  return runCaptured(argv, { stderrIsTTY: options.tty === true });
}

let configs = 0;

/** Writes a config file into `dir` (each call a new one): these repositories and this data dir. */
export async function configFile(dir: string, repositories: Record<string, unknown>, dataDir: string): Promise<string> {
  configs += 1;
  const file = join(dir, `larder-${configs}.yaml`);
  await writeFile(file, stringify({ dataDir, repositories }));
  return file;
}
