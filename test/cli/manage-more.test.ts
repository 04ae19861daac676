// The rest of the management CLI (issue 5) against a real daemon, in-process: packages list
// --namespace, and versions dispose, copy, assets and dependencies, in tables, lines and --json.
import t from 'tap';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { capture, cliAgainst } from './run-in-process.js';
import { run } from '../../src/main.js';

let registry: FakeNpmRegistry;
let larder: TestLarder;

/** Runs the CLI in-process against the test daemon. */
const cli = cliAgainst(() => larder.url);

t.before(async () => {
  registry = await startFakeNpmRegistry({
    packages: [
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {} } },
      { name: '@acme/util', versions: { '2.0.0': { dependencies: { 'left-pad': '^1.0.0' } } } },
    ],
  });
  larder = await startTestLarder({ npmUpstream: registry.url });
  for (const [name, file] of [
    ['left-pad', 'left-pad/-/left-pad-1.0.0.tgz'],
    ['left-pad', 'left-pad/-/left-pad-1.1.0.tgz'],
    ['@acme/util', '@acme/util/-/util-2.0.0.tgz'],
  ] as const) {
    await (await fetch(`${larder.npm()}${name.replace('/', '%2f')}`)).arrayBuffer();
    const res = await fetch(`${larder.npm()}${file}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`could not retain ${file}: HTTP ${res.status}`);
  }
  // Gateway retention and dependency prefetch run in the background: let them land first.
  await larder.daemon.settle();
});
t.teardown(async () => {
  await larder?.stop();
  await registry?.stop();
});

function hexOf(integrity: string): string {
  return Buffer.from(integrity.replace(/^sha512-/, ''), 'base64').toString('hex');
}

t.test('--help lists the new subcommands and their flags', async (t) => {
  const versions = capture();
  t.equal(await run(['versions', '--help'], versions.io), 0);
  for (const sub of ['dispose', 'copy', 'assets', 'dependencies']) t.match(versions.out(), `larder versions ${sub}`);
  const copy = capture();
  t.equal(await run(['versions', 'copy', '--help'], copy.io), 0);
  for (const flag of ['--from', '--to', '--format', '--package', '--versions', '--allow-overwrite', '--json', '--url']) t.match(copy.out(), flag);
  const list = capture();
  t.equal(await run(['packages', 'list', '--help'], list.io), 0);
  t.match(list.out(), '--namespace');
});

t.test('bad usage exits 2', async (t) => {
  const copy = capture();
  t.equal(await run(['versions', 'copy', '--from', 'default', '-f', 'npm', '-p', 'x', '--versions', '1.0.0'], copy.io), 2);
  t.match(copy.err(), /Missing required argument: to/);
  const assets = capture();
  t.equal(await run(['versions', 'assets', '-r', 'default', '-f', 'npm', '-p', 'x'], assets.io), 2);
  t.match(assets.err(), /Missing required argument: version/);
  const dispose = capture();
  t.equal(await run(['versions', 'dispose', '-r', 'default', '-f', 'npm', '-p', 'x', '--versions', '1.0.0', '--expected-status', 'Gone'], dispose.io), 2);
  t.match(dispose.err(), /Invalid values/);
});

t.test('packages list --namespace', async (t) => {
  const scoped = await cli(['packages', 'list', '-r', 'default', '--namespace', 'acme']);
  t.equal(scoped.code, 0);
  t.equal(scoped.out, 'npm\t@acme/util\t1\n', 'only the @acme scope');
  t.equal((await cli(['packages', 'list', '-r', 'default', '--namespace', 'left-pad'])).out, '', 'an unscoped name is not a namespace');
  t.equal((await cli(['packages', 'list', '-r', 'default', '--format', 'pypi', '--namespace', 'acme'])).out, '');
  const json = JSON.parse((await cli(['packages', 'list', '-r', 'default', '--namespace', 'acme', '--json'])).out) as { packages: Array<{ package: string }> };
  t.same(json.packages.map((p) => p.package), ['@acme/util']);
});

t.test('versions assets: name, size, hashes', async (t) => {
  const tarball = await registry.tarball('left-pad', '1.0.0');
  const table = await cli(['versions', 'assets', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '--version', '1.0.0'], true);
  t.equal(table.code, 0);
  const rows = table.out.trimEnd().split('\n');
  t.match(rows[0], /^NAME\s+SIZE\s+HASHES$/);
  t.match(rows[1], new RegExp(`^left-pad-1\\.0\\.0\\.tgz\\s+${tarball.bytes.length}\\s+SHA512:${hexOf(tarball.integrity)}$`));
  const plain = await cli(['versions', 'assets', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '-v', '1.0.0']);
  t.equal(plain.out, `left-pad-1.0.0.tgz\t${tarball.bytes.length}\tSHA512:${hexOf(tarball.integrity)}\n`);
  const json = JSON.parse((await cli(['versions', 'assets', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '-v', '1.0.0', '--json'])).out) as { assets: Array<{ name: string; size: number }> };
  t.same(json.assets.map((a) => [a.name, a.size]), [['left-pad-1.0.0.tgz', tarball.bytes.length]]);
  const absent = await cli(['versions', 'assets', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '-v', '9.9.9']);
  t.equal(absent.code, 1);
  t.match(absent.err, /^larder: version "9\.9\.9" of the npm package "left-pad"/);
});

t.test('versions dependencies', async (t) => {
  const table = await cli(['versions', 'dependencies', '-r', 'default', '-f', 'npm', '-p', '@acme/util', '-v', '2.0.0'], true);
  t.equal(table.code, 0);
  t.match(table.out, /^NAMESPACE\s+PACKAGE\s+TYPE\s+REQUIREMENT\n-\s+left-pad\s+regular\s+\^1\.0\.0\n$/);
  const plain = await cli(['versions', 'dependencies', '-r', 'default', '-f', 'npm', '-p', '@acme/util', '-v', '2.0.0']);
  t.equal(plain.out, '-\tleft-pad\tregular\t^1.0.0\n');
  const none = await cli(['versions', 'dependencies', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '-v', '1.0.0']);
  t.equal(none.code, 0);
  t.equal(none.out, '');
  t.match(none.err, 'no dependencies recorded');
  const json = JSON.parse((await cli(['versions', 'dependencies', '-r', 'default', '-f', 'npm', '-p', '@acme/util', '-v', '2.0.0', '--json'])).out) as { dependencies: unknown[] };
  t.same(json.dependencies, [{ package: 'left-pad', dependencyType: 'regular', versionRequirement: '^1.0.0' }]);
});

t.test('versions copy: records only, ALREADY_EXISTS unless --allow-overwrite', async (t) => {
  const del = await cli(['versions', 'delete', '-r', 'npm-store', '-f', 'npm', '-p', 'left-pad', '--versions', '1.1.0']);
  t.equal(del.code, 0);
  const base = ['--from', 'default', '--to', 'npm-store', '-f', 'npm', '-p', 'left-pad'];
  const copied = await cli(['versions', 'copy', ...base, '--versions', '1.1.0']);
  t.equal(copied.code, 0);
  t.match(copied.out, /^1\.1\.0\tPublished\trevision \S+\n$/);
  t.match((await cli(['versions', 'list', '-r', 'npm-store', '-f', 'npm', '-p', 'left-pad'])).out, /\n1\.1\.0\tPublished\t\S+\tdefault\t/, 'the copy came from default');

  const again = await cli(['versions', 'copy', ...base, '--versions', '1.1.0']);
  t.equal(again.code, 1, 'already there: a failed version');
  t.match(again.out, /^1\.1\.0\tALREADY_EXISTS\t.*allowOverwrite/);
  const overwrite = await cli(['versions', 'copy', ...base, '--versions', '1.1.0', '--allow-overwrite', '--json']);
  t.equal(overwrite.code, 0);
  const result = JSON.parse(overwrite.out) as { successfulVersions: Record<string, { status: string }> };
  t.equal(result.successfulVersions['1.1.0']?.status, 'Published');
  const unknown = await cli(['versions', 'copy', '--from', 'default', '--to', 'nowhere', '-f', 'npm', '-p', 'left-pad', '--versions', '1.1.0']);
  t.equal(unknown.code, 1);
  t.match(unknown.err, /^larder: .*"nowhere"/);
});

t.test('versions dispose: the record stays as Disposed, its guard', async (t) => {
  const base = ['-r', 'npm-store', '-f', 'npm', '-p', 'left-pad'];
  const disposed = await cli(['versions', 'dispose', ...base, '--versions', '1.0.0', '--expected-status', 'Published']);
  t.equal(disposed.code, 0);
  t.match(disposed.out, /^1\.0\.0\tDisposed\trevision \S+\n$/);
  t.match((await cli(['versions', 'list', ...base])).out, /^1\.0\.0\tDisposed\t/);
  const assets = await cli(['versions', 'assets', ...base, '-v', '1.0.0']);
  t.equal(assets.code, 0);
  t.equal(assets.out, '', 'a disposed version has no assets');

  const guard = await cli(['versions', 'dispose', ...base, '--versions', '1.0.0', '--expected-status', 'Published']);
  t.equal(guard.code, 1);
  t.match(guard.out, /^1\.0\.0\tMISMATCHED_STATUS\t/);
  t.match(guard.err, /^larder: no version was changed/);
  const mixed = await cli(['versions', 'dispose', ...base, '--versions', '1.1.0', '8.8.8', '--json']);
  t.equal(mixed.code, 1);
  const result = JSON.parse(mixed.out) as { successfulVersions: Record<string, { status: string }>; failedVersions: Record<string, { errorCode: string }> };
  t.equal(result.successfulVersions['1.1.0']?.status, 'Disposed');
  t.equal(result.failedVersions['8.8.8']?.errorCode, 'NOT_FOUND');
  t.match((await cli(['versions', 'list', '-r', 'default', '-f', 'npm', '-p', 'left-pad'])).out, /^1\.0\.0\tPublished\t/, 'other repositories untouched');
});
