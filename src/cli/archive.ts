/**
 * `larder export FILE` and `larder import FILE` (issue 8 §3): carry a warmed cache to a machine
 * with no network. Both open the data dir themselves, like `verify` and `gc`.
 *
 * - export is read-only and runs beside a daemon serving the data dir. `--repo R` (repeatable)
 *   chooses repositories, and by default also every repository R's requests search (its
 *   upstreams, transitively): the gateways hold the cached metadata an offline daemon builds its
 *   answers from. Without --repo: every repository with records.
 * - import takes the data dir's daemon lock for its whole run, so it refuses while a daemon
 *   serves the data dir (the daemon keeps parsed records in memory and would not see the import)
 *   and no daemon starts while it writes. Records of repositories the config does not define are
 *   imported all the same, with a warning per repository: records are keyed by repository name,
 *   the daemon serves them once the repository is added to the config, and `gc` keeps their blobs
 *   meanwhile — refusing would make the user edit the config before the cache can even land.
 *
 * The archive layout and the merge rules are documented in store/archive/.
 */
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import type { LarderConfig } from '../config/types.js';
import { searchOrder } from '../domain/repository-graph.js';
import { LarderError, isLarderError } from '../errors.js';
import type { ImportReport } from '../store/archive/importer.js';
import type { RecordStore } from '../store/types.js';
import { EXIT_FAILURE, EXIT_OK } from './exit.js';
import type { CliIo } from './io.js';
import { withConfigOption, type ConfigArgs } from './options.js';
import { ProgressBar, formatBytes } from './progress.js';
import type { SelectAction } from './select.js';

interface ArchiveArgs extends ConfigArgs {
  file: string;
  dataDir?: string;
  repo?: string[];
}

interface ExportArgs extends ArchiveArgs {
  upstreams: boolean;
}

function withArchiveOptions<T>(yargs: Argv<T>, file: string, repo: string): Argv<T & ArchiveArgs> {
  return withConfigOption(yargs)
    .positional('file', { type: 'string', demandOption: true, describe: file })
    .option('data-dir', { type: 'string', describe: "the data dir to work on (default: the config's dataDir)" })
    .option('repo', { type: 'string', array: true, describe: repo }) as Argv<T & ArchiveArgs>;
}

export function exportCommand(io: CliIo, select: SelectAction): CommandModule<object, ExportArgs> {
  return {
    command: 'export <file>',
    describe: 'write repositories (records and blobs) to one archive, to carry a warm cache elsewhere',
    builder: (yargs: Argv) =>
      withArchiveOptions(
        yargs,
        'the archive to write: tar, gzip-compressed when the name ends in .gz or .tgz; an existing file is replaced once the new one is complete',
        'a repository to export (repeatable; default: every repository with records)',
      )
        .option('upstreams', {
          type: 'boolean',
          default: true,
          describe:
            'also export every repository a chosen one searches (its upstreams, transitively): the gateways hold the cached metadata an offline daemon needs. --no-upstreams: only the named ones',
        })
        .example('$0 export warm.tar.gz --repo default', 'the repository default and its upstreams (e.g. the gateway npm-store), gzip-compressed')
        .example('$0 export everything.tar', 'every repository with records') as Argv<ExportArgs>,
    handler: (args) => select(() => runExport(args, io)),
  };
}

export function importCommand(io: CliIo, select: SelectAction): CommandModule<object, ArchiveArgs> {
  return {
    command: 'import <file>',
    describe: 'merge an export archive into the data dir, verifying every blob (stop the daemon first)',
    builder: (yargs: Argv) =>
      withArchiveOptions(yargs, 'the archive to read (tar or gzip-compressed tar, whatever its name)', 'import only this repository of the archive (repeatable; default: all of them)')
        .example('$0 import warm.tar.gz', 'into the configured data dir, with the daemon stopped (systemctl --user stop larder)')
        .example('$0 import warm.tar.gz --data-dir /tmp/larder-offline', 'into another data dir') as Argv<ArchiveArgs>,
    handler: (args) => select(() => runImport(args, io)),
  };
}

function seconds(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

async function larderVersion(): Promise<string> {
  // package.json is two levels above both src/cli/ and dist/cli/.
  const version = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

async function configFor(args: ArchiveArgs, io: CliIo): Promise<{ config: LarderConfig; cwd: string }> {
  const cwd = io.cwd ?? process.cwd();
  const config = await loadConfig({ file: args.config, overrides: args.dataDir === undefined ? {} : { dataDir: args.dataDir }, env: io.env, cwd });
  return { config, cwd };
}

/** The repositories to export: the named ones, each followed by what it searches unless --no-upstreams. */
function chosenRepositories(config: LarderConfig, named: readonly string[], upstreams: boolean): string[] {
  const chosen = new Set<string>();
  for (const name of named) {
    const order = upstreams && config.repositories.has(name) ? searchOrder(name, (candidate) => config.repositories.get(candidate)) : [name];
    for (const repository of order) chosen.add(repository);
  }
  return [...chosen];
}

async function hasRecords(records: RecordStore, prefixes: readonly string[]): Promise<boolean> {
  for (const prefix of prefixes) {
    for await (const entry of records.entries<unknown>(prefix)) {
      void entry; // one is enough
      return true;
    }
  }
  return false;
}

export async function runExport(args: ExportArgs, io: CliIo): Promise<number> {
  const started = Date.now();
  const { config, cwd } = await configFor(args, io);
  const { BLOB_DIR, RECORD_FILE } = await import('../app.js');
  const recordFile = join(config.dataDir, RECORD_FILE);
  await access(recordFile).catch((error: unknown) => {
    throw new LarderError('E_USAGE', `no larder data dir at ${config.dataDir} (${RECORD_FILE} is missing); give the right one with --data-dir or --config`, { operation: 'cli.export', cause: error });
  });
  const file = resolve(cwd, args.file);
  const into = await stat(dirname(file)).catch(() => undefined);
  if (into?.isDirectory() !== true) throw new LarderError('E_USAGE', `cannot write ${file}: ${dirname(file)} is not a directory`, { operation: 'cli.export' });
  // Loaded here: the native sqlite module is not needed for --help.
  const { SqliteRecordStore } = await import('../store/record-store.js');
  const { exportArchive } = await import('../store/archive/exporter.js');
  const { prefixesFor } = await import('../store/archive/collect.js');
  const records = await SqliteRecordStore.open(recordFile);
  const bar = new ProgressBar(io, 'exporting');
  let report: Awaited<ReturnType<typeof exportArchive>>;
  try {
    const named = args.repo ?? [];
    for (const name of named) {
      if (!config.repositories.has(name) && !(await hasRecords(records, prefixesFor([name])))) {
        throw new LarderError('E_USAGE', `no repository named "${name}" in the config or the data dir (configured: ${[...config.repositories.keys()].join(', ')})`, { operation: 'cli.export' });
      }
    }
    const repositories = named.length === 0 ? undefined : chosenRepositories(config, named, args.upstreams);
    if (!(await hasRecords(records, prefixesFor(repositories)))) {
      throw new LarderError('E_USAGE', `nothing to export: ${repositories === undefined ? `the data dir ${config.dataDir} holds no records` : `${repositories.join(', ')} ${repositories.length === 1 ? 'holds' : 'hold'} no records`}`, { operation: 'cli.export' });
    }
    report = await exportArchive({
      file,
      records,
      blobDir: join(config.dataDir, BLOB_DIR),
      ...(repositories === undefined ? {} : { repositories }),
      larderVersion: await larderVersion(),
      onProgress: (done, total) => bar.update(done, total),
    });
  } finally {
    bar.end();
    await records.close();
  }
  for (const damaged of report.damaged) io.stdout(`damaged: record ${damaged.key} (${damaged.why}): left out\n`);
  for (const blob of report.missing) io.stdout(`missing: ${blob.integrity} (${blob.referencedBy}) is not in the blob store: left out; that version will not import\n`);
  for (const blob of report.corrupt) io.stdout(`corrupt: ${blob.integrity} (${blob.referencedBy}) has ${blob.actual}: it will be rejected on import\n`);
  const { counts, repositories: held } = report.manifest;
  io.stdout(
    `exported ${plural(counts.repositories, 'repository', 'repositories')} (${held.map((r) => r.name).join(', ')}): ${plural(counts.packages, 'package')}, ` +
      `${plural(counts.versions, 'version')}, ${plural(counts.metadata, 'metadata document')}, ${plural(counts.blobs, 'blob')} (${formatBytes(counts.bytes)}) ` +
      `to ${file} in ${seconds(started)}\n`,
  );
  const problems = report.missing.length + report.corrupt.length;
  if (problems > 0) io.stderr(`larder: the archive lacks ${plural(problems, 'blob')} it should hold; run larder verify on ${config.dataDir}\n`);
  return problems > 0 ? EXIT_FAILURE : EXIT_OK;
}

export async function runImport(args: ArchiveArgs, io: CliIo): Promise<number> {
  const started = Date.now();
  const { config, cwd } = await configFor(args, io);
  const file = resolve(cwd, args.file);
  const info = await stat(file).catch((error: unknown) => {
    throw new LarderError('E_USAGE', `cannot read the archive ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error)}`, { operation: 'cli.import', cause: error });
  });
  if (!info.isFile()) throw new LarderError('E_USAGE', `the archive ${file} is not a file`, { operation: 'cli.import' });
  const { BLOB_DIR, RECORD_FILE } = await import('../app.js');
  const { lockDataDir } = await import('../store/data-dir-lock.js');
  await mkdir(config.dataDir, { recursive: true }).catch((error: unknown) => {
    throw new LarderError('E_STORE', `cannot create the data directory ${config.dataDir}; give a writable one with --data-dir`, { operation: 'cli.import', cause: error });
  });
  const lock = await lockDataDir(config.dataDir).catch((error: unknown) => {
    if (!isLarderError(error, 'E_LISTEN')) throw error;
    throw new LarderError(
      'E_CONFLICT',
      `${error.message.replace(/; stop it.*$/, '')}. A running daemon keeps parsed records in memory and would not see what import writes: ` +
        'stop it first (systemctl --user stop larder), or import into another --data-dir',
      { operation: 'cli.import', cause: error },
    );
  });
  try {
    const { SqliteRecordStore } = await import('../store/record-store.js');
    const { CacacheBlobStore } = await import('../store/blob-store.js');
    const { importArchive } = await import('../store/archive/importer.js');
    const records = await SqliteRecordStore.open(join(config.dataDir, RECORD_FILE));
    const blobs = new CacacheBlobStore(join(config.dataDir, BLOB_DIR));
    const bar = new ProgressBar(io, 'importing');
    let report: Awaited<ReturnType<typeof importArchive>>;
    try {
      report = await importArchive({
        file,
        records,
        blobs,
        stagingDir: config.dataDir,
        ...(args.repo === undefined || args.repo.length === 0 ? {} : { repositories: new Set(args.repo) }),
        onProgress: (done, total) => bar.update(done, total),
      });
    } finally {
      bar.end();
      await blobs.close();
      await records.close();
    }
    return reportImport(report, config, io, started);
  } finally {
    await lock.release();
  }
}

function reportImport(report: ImportReport, config: LarderConfig, io: CliIo, started: number): number {
  for (const rejected of report.rejected) io.stdout(`rejected: ${rejected.entry}: ${rejected.why}, not ${rejected.integrity}; nothing of it was stored (${rejected.referencedBy})\n`);
  for (const left of report.incomplete) io.stdout(`not imported: ${left.repository} ${left.format} ${left.package}@${left.version}: its blob ${left.missing.join(', ')} is in neither the archive nor the store\n`);
  for (const name of report.unknownEntries) io.stderr(`larder: warning: skipped ${JSON.stringify(name)}, which is no part of a larder export\n`);
  for (const name of report.repositories) {
    if (!config.repositories.has(name)) io.stderr(`larder: warning: the config has no repository "${name}"; its records were imported and are served once it is added to the config\n`);
  }
  const versions = report.versionsAdded + report.versionsKept + report.versionsExtended;
  const blobCount = report.blobsWritten + report.blobsPresent + report.rejected.length;
  io.stdout(
    `imported ${plural(report.repositories.length, 'repository', 'repositories')} (${report.repositories.join(', ')}): ${plural(report.packages, 'package')}, ` +
      `${plural(versions, 'version')} (${report.versionsAdded} new, ${report.versionsKept + report.versionsExtended} already retained), ` +
      `${plural(blobCount, 'blob')}: ${report.blobsWritten} written (${formatBytes(report.bytesWritten)}), ${report.blobsPresent} skipped as already present, ` +
      `${report.rejected.length} rejected; ${plural(report.metadataWritten + report.metadataKept, 'metadata document')} (${report.metadataKept} kept as newer) in ${seconds(started)}\n`,
  );
  const failed = report.rejected.length + report.incomplete.length;
  if (failed > 0) {
    io.stderr(`larder: ${plural(report.rejected.length, 'blob')} rejected and ${plural(report.incomplete.length, 'version')} not imported; the rest was imported. Export the archive again from its source to get them\n`);
  }
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}
