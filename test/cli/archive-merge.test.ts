/**
 * `larder import` into a data dir that is not empty, and of an archive that was tampered with,
 * through the CLI: what is already there is kept, blobs already present are skipped, records of
 * a repository the config does not define land with a warning, a changed blob is rejected and
 * named while the rest lands, and a daemon on the result serves everything with every upstream
 * stopped. The commands run in-process through main.ts's run().
 */
import { chmod, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startFakePypi, type FakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { cli, configFile } from './archive-helpers.js';

interface World {
  work: string;
  npm: FakeNpmRegistry;
  pypi: FakePypi;
  /** default → npm-store, pypi-store. */
  full: Record<string, unknown>;
  /** The same without pypi-store. */
  npmOnly: Record<string, unknown>;
  /** frob's one file, as a pip install fetches it through default. */
  frobFile: string;
  config(repos: Record<string, unknown>, dataDir: string): Promise<string>;
  get(larder: TestLarder, path: string): Promise<{ status: number; body: Buffer }>;
}

async function world(t: Test): Promise<World> {
  const work = await mkdtemp(join(tmpdir(), 'larder-archive-merge-'));
  const npm = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {} } }, { name: 'zeta', versions: { '3.0.0': {} } }] });
  const pypi = await startFakePypi({ projects: [{ name: 'frob', versions: { '1.0': {} } }] });
  t.teardown(async () => {
    await Promise.all([npm.stop(), pypi.stop()]);
    await rm(work, { recursive: true, force: true });
  });
  const npmStore = { external: { format: 'npm', url: npm.url } };
  return {
    work,
    npm,
    pypi,
    full: { default: { upstreams: ['npm-store', 'pypi-store'] }, 'npm-store': npmStore, 'pypi-store': { external: { format: 'pypi', url: pypi.url } } },
    npmOnly: { default: { upstreams: ['npm-store'] }, 'npm-store': npmStore },
    frobFile: `pypi/default/files/frob/${pypi.files('frob')[0]?.filename ?? ''}`,
    config: (repos, dataDir) => configFile(work, repos, dataDir),
    get: async (larder, path) => {
      const res = await fetch(`${larder.url}/${path}`);
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    },
  };
}

const tarball = (name: string, version: string): string => `npm/default/${name}/-/${name}-${version}.tgz`;

/** A daemon that fetched `paths` and was stopped, its data dir kept. */
async function filled(t: Test, w: World, repos: Record<string, unknown>, paths: string[]): Promise<string> {
  const dataDir = await mkdtemp(join(w.work, 'data-'));
  const larder = await startTestLarder({ repositories: repos, dataDir });
  for (const path of paths) t.equal((await w.get(larder, path)).status, 200, `filled: ${path}`);
  await larder.daemon.settle();
  await larder.stop();
  return dataDir;
}

/** Stops every upstream, then starts a daemon on `dataDir` with the full config: only what is stored can answer. */
async function offlineLarder(t: Test, w: World, dataDir: string): Promise<TestLarder> {
  await Promise.all([w.npm.stop(), w.pypi.stop()]);
  const offline = await startTestLarder({ repositories: w.full, dataDir });
  t.teardown(() => offline.stop());
  return offline;
}

/** Each of these npm versions is served by `larder` with the upstream's bytes. */
async function servesTarballs(t: Test, w: World, larder: TestLarder, versions: ReadonlyArray<readonly [string, string]>): Promise<void> {
  for (const [name, version] of versions) {
    const got = await w.get(larder, tarball(name, version));
    t.equal(got.status, 200, `${name}@${version} served`);
    t.ok(got.body.equals((await w.npm.tarball(name, version)).bytes), `${name}@${version}: the upstream's bytes`);
  }
}

t.test('import into a data dir that holds other versions: nothing lost, present blobs skipped, an unknown repository warned about', async (t) => {
  const w = await world(t);
  const source = await filled(t, w, w.full, [tarball('left-pad', '1.0.0'), 'pypi/default/simple/frob/', w.frobFile]);
  const target = await filled(t, w, w.npmOnly, [tarball('left-pad', '1.0.0'), tarball('left-pad', '1.1.0'), tarball('zeta', '3.0.0')]);
  const file = join(w.work, 'source.tar');
  t.equal((await cli(['export', file, '--config', await w.config(w.full, source)])).code, 0);

  const imported = await cli(['import', file, '--config', await w.config(w.npmOnly, target)]);
  t.equal(imported.code, 0, imported.err);
  t.equal(imported.err, 'larder: warning: the config has no repository "pypi-store"; its records were imported and are served once it is added to the config\n');
  t.match(imported.out, /^imported 3 repositories \(default, npm-store, pypi-store\): 4 packages, 4 versions \(2 new, 2 already retained\), 2 blobs: 1 written \(.+\), 1 skipped as already present, 0 rejected; 2 metadata documents \(1 kept as newer\) in /);
  // left-pad 1.0.0 was retained in both; left-pad's packument in the target was fetched later, so it stays.

  // The user adds pypi-store to the config; every upstream is down.
  const offline = await offlineLarder(t, w, target);
  await servesTarballs(t, w, offline, [['left-pad', '1.0.0'], ['left-pad', '1.1.0'], ['zeta', '3.0.0']]);
  const frob = await w.get(offline, w.frobFile);
  t.equal(frob.status, 200, 'the imported PyPI file is served');
  t.ok(frob.body.equals(w.pypi.file('frob', w.pypi.files('frob')[0]?.filename ?? '').bytes));
  const packument = JSON.parse((await w.get(offline, 'npm/default/left-pad')).body.toString('utf8')) as { versions: Record<string, unknown> };
  t.same(Object.keys(packument.versions).sort(), ['1.0.0', '1.1.0'], 'the packument lists what both data dirs retained');
  const page = await w.get(offline, 'pypi/default/simple/frob/');
  t.equal(page.status, 200);
  t.match(page.body.toString('utf8'), /frob-1\.0/);
});

t.test('a tampered archive: the changed blob is rejected and named, exit 1, the rest imported; a good archive then completes it', async (t) => {
  const w = await world(t);
  const source = await filled(t, w, w.full, [tarball('left-pad', '1.0.0'), tarball('zeta', '3.0.0'), 'pypi/default/simple/frob/', w.frobFile]);
  const good = join(w.work, 'good.tar');
  const sourceConfig = await w.config(w.full, source);
  t.equal((await cli(['export', good, '--config', sourceConfig])).code, 0);
  const tampered = join(w.work, 'tampered.tar');
  await writeFile(tampered, await readFile(good));
  const zeta = await w.npm.tarball('zeta', '3.0.0');
  const at = (await readFile(tampered)).indexOf(zeta.bytes.subarray(0, 64));
  t.ok(at > 0, 'found the zeta tarball inside the archive');
  await chmod(tampered, 0o644);
  const handle = await open(tampered, 'r+');
  await handle.write(Buffer.from([zeta.bytes[200] === 0x41 ? 0x42 : 0x41]), 0, 1, at + 200);
  await handle.close();

  const target = join(w.work, 'target');
  const targetConfig = await w.config(w.full, target);
  const imported = await cli(['import', tampered, '--config', targetConfig]);
  t.equal(imported.code, 1, 'a rejected blob fails the import');
  const hex = Buffer.from(zeta.integrity.slice('sha512-'.length), 'base64').toString('hex');
  t.match(imported.out, new RegExp(`^rejected: blobs/sha512/${hex}: its bytes hash to sha512-\\S+, not ${zeta.integrity.replace(/[+/]/g, '\\$&')}; nothing of it was stored \\(default npm zeta@3\\.0\\.0 zeta-3\\.0\\.0\\.tgz\\)$`, 'm'));
  t.match(imported.out, /^not imported: default npm zeta@3\.0\.0: its blob sha512-\S+ is in neither the archive nor the store$/m);
  t.match(imported.out, /^not imported: npm-store npm zeta@3\.0\.0: /m);
  t.match(imported.out, /3 blobs: 2 written .*, 0 skipped as already present, 1 rejected;/);
  t.match(imported.err, /^larder: 1 blob rejected and 2 versions not imported; the rest was imported\./m);

  const repaired = await cli(['import', good, '--config', targetConfig]);
  t.equal(repaired.code, 0, repaired.err);
  t.match(repaired.out, /3 blobs: 1 written .*, 2 skipped as already present, 0 rejected;/, 'only the missing blob is written');
  t.match(repaired.out, /\(2 new, 4 already retained\)/, 'and zeta is recorded now');

  const offline = await offlineLarder(t, w, target);
  await servesTarballs(t, w, offline, [['left-pad', '1.0.0'], ['zeta', '3.0.0']]);
  t.equal((await w.get(offline, w.frobFile)).status, 200);
});
