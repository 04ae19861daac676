/**
 * `larder export` / `larder import` end to end (issue 8 §3): a real daemon fills a data dir from
 * fake npm, PyPI and Maven upstreams; export runs beside it while it serves; import lands the
 * archive in an empty data dir; a new daemon on that dir, with every upstream stopped, serves the
 * same packuments, simple pages, maven-metadata and artifacts. The commands run in-process
 * through main.ts's run().
 */
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { readTarFile } from '../../src/store/archive/tar-read.js';
import { startFakeMaven, type FakeMaven } from '../helpers/fake-maven.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startFakePypi, type FakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { cli, configFile } from './archive-helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LOADER = join(ROOT, 'node_modules', '@tapjs', 'typescript', 'dist', 'esm', 'import.mjs');

interface Upstreams {
  npm: FakeNpmRegistry;
  pypi: FakePypi;
  maven: FakeMaven;
}

interface Setup {
  /** A temp dir for archives and config files. */
  work: string;
  up: Upstreams;
  /** default → npm-store, pypi-store, maven-1, the gateways to `up`. */
  repos: Record<string, unknown>;
  /** A daemon on `repos` with a data dir of its own. */
  larder: TestLarder;
}

/** A work dir, the three fake upstreams and a daemon in front of them, all gone when `t` ends. */
async function setUp(t: Test): Promise<Setup> {
  const work = await mkdtemp(join(tmpdir(), 'larder-archive-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const npm = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': { tarballSize: 40_000 } } }, { name: '@acme/util', versions: { '2.0.0': {} } }] });
  const pypi = await startFakePypi({ projects: [{ name: 'frob', versions: { '1.0': { sdist: true } } }] });
  const maven = await startFakeMaven({ artifacts: [{ groupId: 'org.example', artifactId: 'lib', versions: { '1.0': {} } }] });
  t.teardown(async () => {
    await Promise.all([npm.stop(), pypi.stop(), maven.stop()]);
  });
  const repos = {
    default: { upstreams: ['npm-store', 'pypi-store', 'maven-1'] },
    'npm-store': { external: { format: 'npm', url: npm.url } },
    'pypi-store': { external: { format: 'pypi', url: pypi.url } },
    'maven-1': { external: { format: 'maven', url: maven.url } },
  };
  const larder = await startTestLarder({ repositories: repos });
  t.teardown(() => larder.stop());
  return { work, up: { npm, pypi, maven }, repos, larder };
}

const ABBREVIATED = 'application/vnd.npm.install-v1+json';
const PYPI_JSON = 'application/vnd.pypi.simple.v1+json';

/** What installs ask for: metadata in each form, and every artifact. */
function requests(up: Upstreams): Array<{ path: string; accept?: string }> {
  const frob = up.pypi.files('frob').map((file) => ({ path: `pypi/default/files/frob/${file.filename}` }));
  return [
    { path: 'npm/default/left-pad', accept: 'application/json' },
    { path: 'npm/default/left-pad', accept: ABBREVIATED },
    { path: 'npm/default/@acme%2futil', accept: ABBREVIATED },
    { path: 'npm/default/left-pad/-/left-pad-1.0.0.tgz' },
    { path: 'npm/default/left-pad/-/left-pad-1.1.0.tgz' },
    { path: 'npm/default/@acme/util/-/util-2.0.0.tgz' },
    { path: 'pypi/default/simple/frob/' },
    { path: 'pypi/default/simple/frob/', accept: PYPI_JSON },
    ...frob,
    { path: 'maven/default/org/example/lib/maven-metadata.xml' },
    { path: 'maven/default/org/example/lib/1.0/lib-1.0.pom' },
    { path: 'maven/default/org/example/lib/1.0/lib-1.0.jar' },
    { path: 'maven/default/org/example/lib/1.0/lib-1.0.jar.sha1' },
  ];
}

/** Status and body of each request, with the daemon's own address replaced so two daemons compare. */
async function fetchAll(larder: TestLarder, list: Array<{ path: string; accept?: string }>): Promise<Array<{ path: string; status: number; body: string }>> {
  const answers: Array<{ path: string; status: number; body: string }> = [];
  for (const { path, accept } of list) {
    const res = await fetch(`${larder.url}/${path}`, accept === undefined ? {} : { headers: { accept } });
    const body = Buffer.from(await res.arrayBuffer());
    answers.push({ path: `${path} ${accept ?? ''}`, status: res.status, body: body.toString('latin1').split(larder.url).join('http://LARDER') });
  }
  return answers;
}

/** Fetches `list` through `larder`, every answer a 200, and waits until what it fetched is stored. */
async function fill(t: Test, larder: TestLarder, list: Array<{ path: string; accept?: string }>): Promise<void> {
  for (const answer of await fetchAll(larder, list)) t.equal(answer.status, 200, `filled: ${answer.path}`);
  await larder.daemon.settle();
}

async function manifestOf(file: string): Promise<{ repositories: Array<{ name: string }>; counts: Record<string, number> }> {
  for await (const entry of readTarFile(file)) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry.body) chunks.push(chunk);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { repositories: Array<{ name: string }>; counts: Record<string, number> };
  }
  throw new Error('empty archive');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

t.test('export beside a serving daemon, import into an empty data dir, serve it with every upstream stopped', async (t) => {
  const { work, up, repos, larder: source } = await setUp(t);
  const wanted = requests(up);
  await fill(t, source, wanted);
  // What the filled cache answers (maven-metadata's lastUpdated moved when the jar was retained).
  const before = await fetchAll(source, wanted);

  const file = join(work, 'warm.tar.gz');
  const sourceConfig = await configFile(work, repos, source.dataDir);
  const exported = await cli(['export', file, '--config', sourceConfig], { tty: true });
  t.equal(exported.code, 0, exported.err);
  t.match(exported.out, /^exported 4 repositories \(default, maven-1, npm-store, pypi-store\): 8 packages, 10 versions, 5 metadata documents, 7 blobs \(.+\) to .*warm\.tar\.gz in \d+\.\d s\n$/);
  t.match(exported.err, /\rexporting \[#{24}\] 100% 7\/7 /, 'a progress bar on a terminal, reaching the end');
  t.ok(exported.err.endsWith('\r\u001b[K'), 'and wiped before the summary');
  t.equal((await fetch(`${source.npm()}left-pad`)).status, 200, 'the daemon served on while export read its data dir');

  await Promise.all([up.npm.stop(), up.pypi.stop(), up.maven.stop()]);
  const target = join(work, 'offline-data');
  const targetConfig = await configFile(work, repos, target);
  const imported = await cli(['import', file, '--config', targetConfig], { tty: true });
  t.equal(imported.code, 0, imported.err);
  t.match(imported.err, /\rimporting \[#{24}\] 100% 7\/7 /, 'a progress bar while importing');
  t.notMatch(imported.err, /warning/, 'no warning: every repository is configured');
  t.match(imported.out, /^imported 4 repositories \(default, maven-1, npm-store, pypi-store\): 8 packages, 10 versions \(10 new, 0 already retained\), 7 blobs: 7 written \(45\.5 KB\), 0 skipped as already present, 0 rejected; 5 metadata documents \(0 kept as newer\) in \d+\.\d s\n$/);

  // Every metadata TTL is over at once: the daemon asks the (stopped) upstreams and serves what is stored.
  const offline = await startTestLarder({ repositories: repos, dataDir: target, config: { defaults: { refresh: 'blocking', metadataTtl: { npm: '1ms', pypi: '1ms', maven: '1ms' } } } });
  t.teardown(() => offline.stop());
  const after = await fetchAll(offline, wanted);
  t.same(after, before, 'the same answers, byte for byte, with no upstream reachable');
  const stale = await fetch(`${offline.npm()}left-pad`);
  t.equal(stale.headers.get('x-cache'), 'stale', 'metadata served stale-if-error from the imported cache');
  await stale.arrayBuffer();
  const javadoc = await fetch(`${offline.maven()}org/example/lib/1.0/lib-1.0-javadoc.jar`);
  t.equal(javadoc.status, 404, 'a file the upstream did not have is still a 404 (the remembered miss came along), not a 5xx that fails a build');
  await javadoc.arrayBuffer();
});

t.test('--repo chooses what is exported: with its upstreams by default, alone with --no-upstreams', async (t) => {
  const { work, up, repos, larder } = await setUp(t);
  await fill(t, larder, requests(up));
  const config = await configFile(work, repos, larder.dataDir);

  // default retains every version it served, but the cached metadata lives in the gateways.
  const cases: Array<[string[], string[], number, number]> = [
    [['--repo', 'pypi-store'], ['pypi-store'], 2, 1],
    [['--repo', 'default'], ['default', 'maven-1', 'npm-store', 'pypi-store'], 7, 5],
    [['--repo', 'default', '--no-upstreams'], ['default'], 7, 0],
    [['--repo', 'npm-store', '--repo', 'maven-1'], ['maven-1', 'npm-store'], 5, 4],
  ];
  for (const [flags, names, blobs, metadata] of cases) {
    const file = join(work, `${flags.join('_')}.tar`);
    const result = await cli(['export', file, '--config', config, ...flags]);
    t.equal(result.code, 0, result.err);
    const manifest = await manifestOf(file);
    t.same(manifest.repositories.map((r) => r.name), names, `${flags.join(' ')}: ${names.join(', ')}`);
    t.equal(manifest.counts.blobs, blobs, `${flags.join(' ')}: the blobs those records reference`);
    t.equal(manifest.counts.metadata, metadata, `${flags.join(' ')}: the metadata documents of the gateways chosen`);
  }
  const unknown = await cli(['export', join(work, 'x.tar'), '--config', config, '--repo', 'nope']);
  t.equal(unknown.code, 2);
  t.match(unknown.err, /no repository named "nope" in the config or the data dir/);
  t.notOk(await exists(join(work, 'x.tar')), 'no archive written');
  const nowhere = await cli(['export', join(work, 'no-such-dir', 'x.tar'), '--config', config]);
  t.equal(nowhere.code, 2);
  t.match(nowhere.err, /no-such-dir is not a directory/);
  const empty = await cli(['export', join(work, 'y.tar'), '--config', await configFile(work, repos, join(work, 'no-data'))]);
  t.equal(empty.code, 2);
  t.match(empty.err, /no larder data dir at .*no-data/);
});

/** Takes the data dir's daemon lock in another process (as a running daemon holds it) until killed. */
async function holdLockInChild(t: Test, dir: string): Promise<number> {
  const script = `import { lockDataDir } from ${JSON.stringify(join(ROOT, 'src/store/data-dir-lock.ts'))}; await lockDataDir(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', LOADER, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  await new Promise<void>((held, reject) => {
    child.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('held') ? held() : undefined));
    child.on('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  return child.pid ?? 0;
}

t.test('import refuses while a daemon holds the data dir, and says how to proceed', async (t) => {
  const { work, repos, larder } = await setUp(t);
  await (await fetch(`${larder.npm()}left-pad/-/left-pad-1.0.0.tgz`)).arrayBuffer();
  await larder.daemon.settle();
  const file = join(work, 'a.tar');
  t.equal((await cli(['export', file, '--config', await configFile(work, repos, larder.dataDir)])).code, 0);

  const busy = join(work, 'busy');
  await mkdir(busy);
  const pid = await holdLockInChild(t, busy);
  const refused = await cli(['import', file, '--config', await configFile(work, repos, busy)]);
  t.equal(refused.code, 1);
  t.match(refused.err, new RegExp(`another larder \\(pid ${pid}\\) is serving the data directory ${busy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  t.match(refused.err, /stop it first \(systemctl --user stop larder\), or import into another --data-dir/);
  t.notOk(await exists(join(busy, 'records-v1.sqlite')), 'nothing written');

  const missing = await cli(['import', join(work, 'nope.tar'), '--config', await configFile(work, repos, join(work, 'z'))]);
  t.equal(missing.code, 2);
  t.match(missing.err, /cannot read the archive .*nope\.tar: no such file/);
  t.notOk(await exists(join(work, 'z')), 'no data dir made for a missing archive');
});

t.test('help: both commands, with their options and examples', async (t) => {
  const exportHelp = await cli(['export', '--help']);
  t.equal(exportHelp.code, 0);
  t.match(exportHelp.out, /--repo/);
  t.match(exportHelp.out, /--upstreams\s+also export every repository a chosen one searches/);
  t.match(exportHelp.out, /--no-upstreams/);
  t.match(exportHelp.out, /larder export warm\.tar\.gz --repo default/);
  t.match(exportHelp.out, /--data-dir/);
  const importHelp = await cli(['import', '--help']);
  t.match(importHelp.out, /stop the daemon first/);
  t.match(importHelp.out, /systemctl --user stop larder/);
  t.match(importHelp.out, /--config/);
  const noFile = await cli(['export']);
  t.equal(noFile.code, 2, 'the file is required');
});
