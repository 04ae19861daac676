/**
 * `larder verify` and `larder gc` through run() in-process, on a data dir filled by a real
 * daemon from a fake npm registry — with that daemon still serving while they run, which is
 * what they promise to be safe for.
 */
import { chmod, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { formatBytes } from '../../src/cli/progress.js';
import { runCaptured, type CliResult } from './run-in-process.js';
import { contentPath } from '../../src/store/cacache-layout.js';
import { api } from '../api/seed.js';
import { startFakeNpmRegistry, type FakeNpmRegistry, type FakePackageSpec } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

/** The CLI in-process, with an environment of its own. */
function cli(argv: string[], options: { stderrIsTTY?: boolean } = {}): Promise<CliResult> {
  return runCaptured(argv, { stderrIsTTY: options.stderrIsTTY === true });
}

const PACKAGES: FakePackageSpec[] = [
  { name: 'alpha', versions: { '1.0.0': { tarballSize: 20_000 } } },
  { name: 'beta', versions: { '1.0.0': { tarballSize: 30_000 }, '2.0.0': {} } },
];
const FETCHED: Array<[string, string]> = [
  ['alpha', '1.0.0'],
  ['beta', '1.0.0'],
  ['beta', '2.0.0'],
];

interface Filled {
  registry: FakeNpmRegistry;
  larder: TestLarder;
  /** Where the daemon keeps the blob of a version's tarball. */
  blobPath: (name: string, version: string) => Promise<string>;
  /** `--data-dir D` for the daemon's data dir. */
  dataDir: string[];
  tarballRequests: () => number;
  /** Fetches a tarball through the daemon; returns the status and whether the bytes are the registry's. */
  fetchTarball: (name: string, version: string) => Promise<{ status: number; same: boolean }>;
}

/** A daemon in front of a fake registry, every FETCHED tarball retained in default and npm-store. */
async function filled(t: Test): Promise<Filled> {
  const registry = await startFakeNpmRegistry({ packages: PACKAGES });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const fetchTarball = async (name: string, version: string): Promise<{ status: number; same: boolean }> => {
    const res = await fetch(`${larder.npm()}${name}/-/${name}-${version}.tgz`);
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, same: body.equals((await registry.tarball(name, version)).bytes) };
  };
  for (const [name, version] of FETCHED) {
    const got = await fetchTarball(name, version);
    t.same(got, { status: 200, same: true }, `${name}@${version} fetched through the daemon`);
  }
  await larder.daemon.settle();
  return {
    registry,
    larder,
    dataDir: ['--data-dir', larder.dataDir],
    blobPath: async (name, version) => contentPath(join(larder.dataDir, 'blobs-v1'), (await registry.tarball(name, version)).integrity),
    tarballRequests: () => registry.count((request) => request.path.endsWith('.tgz')),
    fetchTarball,
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function flipByte(path: string): Promise<void> {
  await chmod(path, 0o644); // cacache may leave content read-only
  const handle = await open(path, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, 500);
  byte[0] = (byte[0] ?? 0) ^ 0x10;
  await handle.write(byte, 0, 1, 500);
  await handle.close();
}

async function tarballSizes(registry: FakeNpmRegistry): Promise<number> {
  let total = 0;
  for (const [name, version] of FETCHED) total += (await registry.tarball(name, version)).bytes.length;
  return total;
}

t.test('verify on a healthy data dir: exit 0 and one summary line', async (t) => {
  const { registry, dataDir } = await filled(t);
  const result = await cli(['verify', ...dataDir]);
  t.equal(result.code, 0, result.err);
  t.equal(
    result.out,
    `3 blobs (${formatBytes(await tarballSizes(registry))}) checked: 0 corrupt; 6 retained versions: 0 assets missing\n`,
    'three tarballs, each retained in default and in npm-store',
  );
  t.equal(result.err, '', 'no progress bar off a terminal');
});

t.test('a corrupt blob: verify fails and says so; --repair evicts it while the daemon serves, which then refetches it', async (t) => {
  const f = await filled(t);
  const alpha = await f.registry.tarball('alpha', '1.0.0');
  const path = await f.blobPath('alpha', '1.0.0');
  await flipByte(path);

  const found = await cli(['verify', ...f.dataDir]);
  t.equal(found.code, 1, 'a corrupt blob is a failure');
  t.match(found.out, new RegExp(`^corrupt: ${escape(alpha.integrity)} has sha512-\\S+ \\(${escape(path)}\\)\n`, 'm'), 'names the blob, its actual digest and its file');
  t.notMatch(found.out, /evicted/);
  t.match(found.out, /checked: 1 corrupt;/);
  t.match(found.err, /1 corrupt blobs; run larder verify --repair to evict them/);
  t.ok(await exists(path), 'verify alone removes nothing');

  const repaired = await cli(['verify', '--repair', ...f.dataDir]);
  t.equal(repaired.code, 0, repaired.err);
  t.match(repaired.out, new RegExp(`^corrupt: ${escape(alpha.integrity)} has .*: evicted\n`, 'm'));
  t.match(repaired.out, /^missing: default npm alpha@1\.0\.0 alpha-1\.0\.0\.tgz .*fetched again when next asked for$/m, 'its versions now lack the blob');
  t.match(repaired.out, /^missing: npm-store npm alpha@1\.0\.0 /m);
  t.notOk(await exists(path), 'the corrupt file is gone');

  const before = f.tarballRequests();
  t.same(await f.fetchTarball('alpha', '1.0.0'), { status: 200, same: true }, 'the running daemon serves the right bytes again');
  t.equal(f.tarballRequests(), before + 1, 'by fetching the tarball from upstream once more');
  await f.larder.daemon.settle();
  t.same(await f.fetchTarball('beta', '1.0.0'), { status: 200, same: true }, 'the other blobs were left alone');
  t.equal(f.tarballRequests(), before + 1, '... and are still served from the store');

  const clean = await cli(['verify', ...f.dataDir]);
  t.equal(clean.code, 0, clean.err);
  t.match(clean.out, /^3 blobs \(.*\) checked: 0 corrupt; 6 retained versions: 0 assets missing\n$/);
});

t.test('gc after a version was deleted: the grace keeps it, --dry-run only reports, --grace 0s removes exactly its blob', async (t) => {
  const f = await filled(t);
  for (const repository of ['default', 'npm-store']) {
    const deleted = await api<{ successfulVersions: Record<string, unknown> }>(f.larder.url, 'versions/delete', { repository, format: 'npm', package: 'beta', versions: ['1.0.0'] });
    t.same(Object.keys(deleted.body.successfulVersions), ['1.0.0'], `deleted in ${repository}`);
  }
  const orphan = await f.blobPath('beta', '1.0.0');
  const size = formatBytes((await f.registry.tarball('beta', '1.0.0')).bytes.length);
  const kept = [await f.blobPath('alpha', '1.0.0'), await f.blobPath('beta', '2.0.0')];

  const graced = await cli(['gc', ...f.dataDir]);
  t.equal(graced.code, 0, graced.err);
  t.equal(graced.out, '3 blobs: removed 0 that no retained version references (0 B), kept 1 unreferenced ones younger than 1h; removed 0 leftovers of interrupted writes\n');
  t.ok(await exists(orphan), 'the default 1h grace keeps a blob written moments ago');

  const dry = await cli(['gc', '--dry-run', '--grace', '0s', ...f.dataDir]);
  t.equal(dry.code, 0, dry.err);
  t.equal(dry.out, `3 blobs: would remove 1 that no retained version references (${size}), kept 0 unreferenced ones younger than 0s; would remove 0 leftovers of interrupted writes\n`);
  t.ok(await exists(orphan), '--dry-run removes nothing');

  const collected = await cli(['gc', '--grace', '0s', ...f.dataDir]);
  t.equal(collected.code, 0, collected.err);
  t.equal(collected.out, `3 blobs: removed 1 that no retained version references (${size}), kept 0 unreferenced ones younger than 0s; removed 0 leftovers of interrupted writes\n`);
  t.notOk(await exists(orphan), 'the deleted version\'s blob is gone');
  for (const path of kept) t.ok(await exists(path), 'a retained version\'s blob stays');

  const before = f.tarballRequests();
  t.same(await f.fetchTarball('beta', '2.0.0'), { status: 200, same: true });
  t.equal(f.tarballRequests(), before, 'retained versions are still served from the store');
  const verified = await cli(['verify', ...f.dataDir]);
  t.equal(verified.code, 0, verified.err);
  t.match(verified.out, /^2 blobs \(.*\) checked: 0 corrupt; 4 retained versions: 0 assets missing\n$/, 'gc broke nothing');
});

t.test('usage errors exit 2 with a message', async (t) => {
  const nowhere = join(t.testdir(), 'no-data-dir');
  for (const [command, dir] of [['verify', '/nonexistent'], ['gc', nowhere]] as const) {
    const result = await cli([command, '--data-dir', dir]);
    t.equal(result.code, 2, `${command} on a dir that is no data dir`);
    t.match(result.err, `no larder data dir at ${dir}`, 'names the dir');
    t.equal(result.out, '');
  }
  t.notOk(await exists(nowhere), 'and creates nothing there');
  const banana = await cli(['gc', '--grace', 'banana', '--data-dir', nowhere]);
  t.equal(banana.code, 2);
  t.match(banana.err, /--grace: .*"banana"/);
  const help = await cli(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /^\s+larder verify\s+check every stored blob/m);
  t.match(help.out, /^\s+larder gc\s+remove stored blobs/m);
  const verifyHelp = await cli(['verify', '--help']);
  t.match(verifyHelp.out, /--repair/);
  t.match(verifyHelp.out, /--data-dir/);
  const gcHelp = await cli(['gc', '--help']);
  t.match(gcHelp.out, /--grace/);
  t.match(gcHelp.out, /--dry-run/);
});

t.test('the progress bar draws on a terminal stderr, and is cleared before the summary', async (t) => {
  const { dataDir } = await filled(t);
  const tty = await cli(['verify', ...dataDir], { stderrIsTTY: true });
  t.equal(tty.code, 0, tty.err);
  t.match(tty.err, /\rverifying \[#{3,}/, 'a bar, redrawn in place');
  t.match(tty.err, /\[#{24}\] 100% 3\/3 /, 'it reaches the end');
  t.ok(tty.err.endsWith('\r\u001b[K'), 'and is wiped at the end, leaving the line clean');
  t.match(tty.out, /^3 blobs .* 0 assets missing\n$/, 'the summary goes to stdout as usual');
  const gc = await cli(['gc', ...dataDir], { stderrIsTTY: true });
  t.match(gc.err, /\rcollecting \[#{24}\] 100% 3\/3 /);
  t.ok(gc.err.endsWith('\r\u001b[K'));
  const piped = await cli(['verify', ...dataDir]);
  t.equal(piped.err, '', 'off a terminal stderr gets nothing');
  t.equal(piped.out, tty.out);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
