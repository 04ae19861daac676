/**
 * `larder verify` and `larder gc`: checks and clean-ups of the data dir, run beside a daemon
 * that may be serving it (see store/maintenance.ts for why that is safe). They open the store
 * themselves, so they work with no daemon running too.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import { LarderError } from '../errors.js';
import type { MaintenanceDeps } from '../store/maintenance.js';
import { EXIT_FAILURE, EXIT_OK } from './exit.js';
import type { CliIo } from './io.js';
import { withConfigOption, type ConfigArgs } from './options.js';
import { ProgressBar, formatBytes } from './progress.js';
import type { SelectAction } from './select.js';

interface StoreArgs extends ConfigArgs {
  dataDir?: string;
}

interface VerifyArgs extends StoreArgs {
  repair: boolean;
}

interface GcArgs extends StoreArgs {
  grace: string;
  dryRun?: boolean;
}

function withStoreOptions<T>(yargs: Argv<T>): Argv<T & StoreArgs> {
  return withConfigOption(yargs).option('data-dir', { type: 'string', describe: 'the data dir to work on (default: the config\'s dataDir)' });
}

export function verifyCommand(io: CliIo, select: SelectAction): CommandModule<object, VerifyArgs> {
  return {
    command: 'verify',
    describe: 'check every stored blob against its digest and every retained version against its blobs',
    builder: (yargs: Argv) => withStoreOptions(yargs).option('repair', { type: 'boolean', default: false, describe: 'evict the blobs that fail (they are fetched again when next asked for)' }) as Argv<VerifyArgs>,
    handler: (args) => select(() => verify(args, io)),
  };
}

export function gcCommand(io: CliIo, select: SelectAction): CommandModule<object, GcArgs> {
  return {
    command: 'gc',
    describe: 'remove stored blobs that no retained version references, and leftovers of interrupted writes',
    builder: (yargs: Argv) =>
      withStoreOptions(yargs)
        .option('grace', { type: 'string', default: '1h', describe: 'keep anything younger than this (a fetch in flight may not have recorded it yet)' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'say what would be removed, remove nothing' }) as Argv<GcArgs>,
    handler: (args) => select(() => gc(args, io)),
  };
}

/** Opens the data dir's store for maintenance, runs `work`, and closes it whatever happens. */
async function withStore<T>(args: StoreArgs, io: CliIo, label: string, work: (deps: MaintenanceDeps) => Promise<T>): Promise<T> {
  const cwd = io.cwd ?? process.cwd();
  const config = await loadConfig({ file: args.config, overrides: args.dataDir === undefined ? {} : { dataDir: args.dataDir }, env: io.env, cwd });
  const { BLOB_DIR, RECORD_FILE } = await import('../app.js');
  const recordFile = join(config.dataDir, RECORD_FILE);
  await access(recordFile).catch((error: unknown) => {
    throw new LarderError('E_USAGE', `no larder data dir at ${config.dataDir} (${RECORD_FILE} is missing); give the right one with --data-dir or --config`, { operation: 'cli.maintenance', cause: error });
  });
  // Loaded here: the native sqlite module is not needed for --help.
  const { SqliteRecordStore } = await import('../store/record-store.js');
  const { CacacheBlobStore } = await import('../store/blob-store.js');
  const { RetentionRecords } = await import('../store/records.js');
  const records = await SqliteRecordStore.open(recordFile);
  const blobDir = join(config.dataDir, BLOB_DIR);
  const blobs = new CacacheBlobStore(blobDir);
  const bar = new ProgressBar(io, label);
  try {
    return await work({ blobDir, blobs, retention: new RetentionRecords(records), onProgress: (done, total) => bar.update(done, total) });
  } finally {
    bar.end();
    await blobs.close();
    await records.close();
  }
}

export async function verify(args: VerifyArgs, io: CliIo): Promise<number> {
  const { verifyStore } = await import('../store/maintenance.js');
  const report = await withStore(args, io, 'verifying', (deps) => verifyStore(deps, args.repair));
  for (const blob of report.corrupt) {
    io.stdout(`corrupt: ${blob.integrity} has ${blob.actual} (${blob.path})${blob.evicted ? ': evicted' : ''}\n`);
  }
  for (const asset of report.missing) {
    io.stdout(`missing: ${asset.repository} ${asset.format} ${asset.package}@${asset.version} ${asset.asset} (${asset.integrity}): fetched again when next asked for\n`);
  }
  io.stdout(`${report.blobs} blobs (${formatBytes(report.bytes)}) checked: ${report.corrupt.length} corrupt; ${report.versions} retained versions: ${report.missing.length} assets missing\n`);
  const unrepaired = report.corrupt.filter((blob) => !blob.evicted).length;
  if (unrepaired > 0) io.stderr(`larder: ${unrepaired} corrupt blobs; run larder verify --repair to evict them\n`);
  // A missing blob heals itself (the daemon fetches it again when asked): reported, not a failure.
  if (report.missing.length > 0) io.stderr(`larder: ${report.missing.length} retained assets have no blob; larder fetches them again when next asked (while the upstream is reachable)\n`);
  return unrepaired > 0 ? EXIT_FAILURE : EXIT_OK;
}

export async function gc(args: GcArgs, io: CliIo): Promise<number> {
  const grace = parseDuration(args.grace);
  if (!grace.ok) throw new LarderError('E_USAGE', `--grace: ${grace.message}`, { operation: 'cli.gc' });
  const { collectGarbage } = await import('../store/maintenance.js');
  const report = await withStore(args, io, 'collecting', (deps) => collectGarbage(deps, { graceMs: grace.value, dryRun: args.dryRun === true }));
  const verb = args.dryRun ? 'would remove' : 'removed';
  io.stdout(
    `${report.blobs} blobs: ${verb} ${report.removed} that no retained version references (${formatBytes(report.bytesFreed)}), ` +
      `kept ${report.young} unreferenced ones younger than ${args.grace}; ${verb} ${report.tmpRemoved} leftovers of interrupted writes\n`,
  );
  return EXIT_OK;
}
