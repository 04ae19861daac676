/**
 * Helpers for the `larder export` / `larder import` CLI tests (test/cli/archive*.test.ts): the
 * CLI run in-process through main.ts's run(), and the config file a command reads.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/main.js';
import type { CliResult } from './run-in-process.js';

/**
 * Runs the CLI with an environment of its own (so no LARDER_* variable of the machine leaks in);
 * `tty` makes stderr a terminal, where export and import draw their progress bars.
 */
export async function cli(argv: string[], options: { tty?: boolean } = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => (err += text), stderrIsTTY: options.tty === true, env: { HOME: tmpdir() } };
  const code = await run(argv, io);
  return { code, out, err };
}

let configs = 0;

/** Writes a config file into `dir` (each call a new one): these repositories and this data dir. */
export async function configFile(dir: string, repositories: Record<string, unknown>, dataDir: string): Promise<string> {
  configs += 1;
  const file = join(dir, `larder-${configs}.yaml`);
  await writeFile(file, stringify({ dataDir, repositories }));
  return file;
}
