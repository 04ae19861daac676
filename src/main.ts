#!/usr/bin/env node
/**
 * The `larder` command. run() parses argv with yargs, runs the chosen command and returns the
 * exit code (0 ok, 1 runtime failure, 2 bad usage or bad config), so tests call it in-process;
 * the bin part at the bottom only sets process.exitCode.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { configCommand } from './cli/config.js';
import { EXIT_USAGE, exitCodeFor, reportError } from './cli/exit.js';
import { processIo, type CliIo } from './cli/io.js';
import { exportCommand, importCommand } from './cli/archive.js';
import { loginCommand, logoutCommand } from './cli/login.js';
import { gcCommand, verifyCommand } from './cli/maintenance.js';
import { packagesCommand } from './cli/packages.js';
import { reloadCommand } from './cli/reload.js';
import { reposCommand } from './cli/repos.js';
import type { CommandAction } from './cli/select.js';
import { serveCommand } from './cli/serve.js';
import { tokenCommand } from './cli/token.js';
import { versionsCommand } from './cli/versions.js';
import { warmCommand } from './cli/warm.js';

/** package.json sits one level above both src/main.ts and dist/main.js. */
function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let action: CommandAction | undefined;
  const select = (chosen: CommandAction): void => {
    action = chosen;
  };
  const parser = yargs()
    .scriptName('larder')
    .usage('$0 <command> [options]')
    .locale('en')
    .exitProcess(false)
    .command(serveCommand(io, select))
    .command(configCommand(io, select))
    .command(reposCommand(io, select))
    .command(packagesCommand(io, select))
    .command(versionsCommand(io, select))
    .command(reloadCommand(io, select))
    .command(verifyCommand(io, select))
    .command(gcCommand(io, select))
    .command(warmCommand(io, select))
    .command(exportCommand(io, select))
    .command(importCommand(io, select))
    .command(tokenCommand(io, select))
    .command(loginCommand(io, select))
    .command(logoutCommand(io, select))
    .strict()
    .demandCommand(1, 'give a command: serve or config (or, against a running daemon: repos, packages, versions, warm)')
    .recommendCommands()
    .version(packageVersion())
    .help()
    .alias('help', 'h')
    .wrap(100)
    .epilogue('Without --config, larder uses its embedded default configuration (config.example.yaml shows it).');

  // With a callback, yargs hands back its output (help, version, errors) instead of printing it.
  const parsed = await new Promise<{ error: Error | undefined; output: string }>((resolve) => {
    void parser.parse([...argv], {}, (error, _args, output) => resolve({ error: error ?? undefined, output }));
  });
  if (parsed.error !== undefined) {
    // yargs' output is the help plus, sometimes, only a "Did you mean" hint: keep the reason too.
    const parts = [parsed.output, parsed.output.includes(parsed.error.message) ? '' : parsed.error.message];
    io.stderr(`${parts.filter((part) => part !== '').join('\n\n')}\n`);
    return EXIT_USAGE;
  }
  if (action === undefined) {
    // --help or --version
    io.stdout(`${parsed.output}\n`);
    return 0;
  }
  if (parsed.output !== '') io.stderr(`${parsed.output}\n`);
  try {
    return await action();
  } catch (error) {
    reportError(error, io);
    return exitCodeFor(error);
  }
}

/** True when this file is the program node was asked to run (also through npm's bin symlink). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch (error) {
    // argv[1] is not a file we can resolve (e.g. `node -e`): then we are not the entry point.
    void error;
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await run(hideBin(process.argv));
}
