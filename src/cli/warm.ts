/**
 * `larder warm <lockfile..>`: reads the lockfiles a project already has and fetches every
 * version they list into a repository through the running daemon (src/warm/warmer.ts), so the
 * next build finds it all retained, with the network gone. Prints a progress bar on a terminal,
 * then one summary line and a line per failure (what, why, how to fix). Exit 0 only when every
 * listed version is retained.
 */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { Format } from '../domain/types.js';
import type { WarmReport } from '../warm/warmer.js';
import type { LockfileContents, WarmItem } from '../warm/types.js';
import { EXIT_FAILURE, EXIT_OK } from './exit.js';
import type { CliIo } from './io.js';
import { withApiOptions, type ApiArgs } from './manage-options.js';
import { ProgressBar, formatBytes } from './progress.js';
import type { SelectAction } from './select.js';

export interface WarmArgs extends ApiArgs {
  lockfile: string[];
  repo?: string;
  concurrency: number;
  dryRun?: boolean;
}

/** Reads one lockfile (src/warm/lockfiles/); tests may pass their own. */
export type LockfileReader = (path: string) => Promise<LockfileContents>;

/**
 * The repository a client of each format is pointed at by default: README's setup for npm, pip
 * and Maven all use `default`, which searches every store.
 */
export const DEFAULT_REPOSITORY: Readonly<Record<Format, string>> = { npm: 'default', pypi: 'default', maven: 'default' };

export function warmCommand(io: CliIo, select: SelectAction): CommandModule<object, WarmArgs> {
  return {
    command: 'warm <lockfile..>',
    describe: 'fetch every version your lockfiles list into larder through the running daemon, so builds work offline',
    builder: (yargs: Argv) =>
      withApiOptions(yargs)
        .positional('lockfile', {
          type: 'string',
          array: true,
          demandOption: true,
          describe: 'package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock, requirements.txt, pylock.toml, or a Maven dependency list',
        })
        .option('repo', { alias: 'r', type: 'string', describe: 'the repository to warm (default: default, the one clients are pointed at)' })
        .option('concurrency', { type: 'number', default: 8, describe: 'versions fetched at once' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'fetch nothing; say which versions are already retained' })
        .example('$0 warm package-lock.json', 'fetch every package of the lockfile into the repository `default`')
        .example('$0 warm requirements.txt --dry-run', 'say which pinned versions are already retained')
        .example('$0 warm deps.txt --url http://cache.example:7878 --token "$TOKEN" --concurrency 16', 'warm a team cache from `mvn dependency:list` output')
        .epilogue('Exit status: 0 when every listed version is retained, 1 when any is not (each failure is listed with how to fix it), 2 for bad usage.') as Argv<WarmArgs>,
    handler: (args) => select(() => warmLockfiles(args, io)),
  };
}

/** What `larder warm` runs: read, warm per repository, print, and the exit code. */
export async function warmLockfiles(args: WarmArgs, io: CliIo, readLockfile?: LockfileReader): Promise<number> {
  const read = readLockfile ?? (await loadReader());
  const cwd = io.cwd ?? process.cwd();
  const lockfiles: Array<{ path: string; contents: LockfileContents }> = [];
  for (const path of args.lockfile) {
    const contents = await read(resolve(cwd, path));
    lockfiles.push({ path, contents });
    for (const skipped of contents.skipped) io.stderr(`larder: ${path}: skipped ${skipped.entry}: ${skipped.reason}\n`);
  }
  const groups = new Map<string, WarmItem[]>();
  for (const { contents } of lockfiles) {
    if (contents.items.length === 0) continue;
    const repository = args.repo ?? DEFAULT_REPOSITORY[contents.format];
    groups.set(repository, [...(groups.get(repository) ?? []), ...contents.items]);
  }
  const { warm } = await import('../warm/warmer.js');
  const reports: WarmReport[] = [];
  for (const [repository, items] of groups) {
    const bar = new ProgressBar(io, args.dryRun === true ? 'checking' : 'warming');
    try {
      reports.push(
        await warm({
          url: args.url,
          token: args.token ?? io.env?.LARDER_TOKEN,
          repository,
          items,
          concurrency: args.concurrency,
          dryRun: args.dryRun === true,
          onProgress: (p) => bar.update({ items: p.done, bytes: p.bytes, failures: p.failures }, { items: p.total, bytes: 0 }),
        }),
      );
    } finally {
      bar.end();
    }
  }
  const ok = reports.every((report) => report.ok);
  if (args.json) {
    const files = lockfiles.map(({ path, contents }) => ({ path, kind: contents.kind, format: contents.format, items: contents.items.length, skipped: contents.skipped }));
    io.stdout(`${JSON.stringify({ ok, lockfiles: files, reports }, null, 2)}\n`);
  } else {
    if (reports.length === 0) io.stdout('nothing to warm: the lockfiles list no versions\n');
    for (const report of reports) printReport(io, report);
  }
  return ok ? EXIT_OK : EXIT_FAILURE;
}

function printReport(io: CliIo, report: WarmReport): void {
  const seconds = (report.elapsedMs / 1000).toFixed(1);
  if (report.dryRun) {
    for (const item of report.items) {
      if (item.state === 'retained') io.stdout(`retained  ${item.item.format}  ${item.label}\n`);
      if (item.state === 'missing') io.stdout(`missing   ${item.item.format}  ${item.label} (${item.detail ?? 'not retained'})\n`);
    }
  }
  for (const item of report.items) {
    if (item.failure === undefined) continue;
    io.stderr(`failed: ${item.item.format} ${item.label}: ${item.failure.message.replace(/\.$/, '')}. To fix: ${item.failure.fix}\n`);
  }
  if (report.dryRun) {
    io.stdout(
      `${report.items.length} versions listed for ${report.repository} at ${report.daemon}: ${report.retained} already retained, ${report.missing} not retained` +
        `${report.failed > 0 ? `, ${report.failed} could not be checked` : ''} (${seconds} s)\n`,
    );
    return;
  }
  io.stdout(
    `${report.items.length} versions into ${report.repository} at ${report.daemon}: ${report.fetched} fetched, ${report.retained} already retained, ${report.failed} failed, ` +
      `${formatBytes(report.bytes)} in ${seconds} s\n`,
  );
}

/** The lockfile readers (src/warm/lockfiles/), loaded only when a command runs: --help stays fast. */
async function loadReader(): Promise<LockfileReader> {
  const { readLockfile } = await import('../warm/lockfiles/index.js');
  return readLockfile;
}
