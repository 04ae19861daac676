// Issue 8's warm-then-build-offline workflow, with the real npm: a package-lock.json that npm
// itself resolved against the (fake) registry, `larder warm` of it through the running daemon,
// then the registry stopped, the daemon restarted offline on the same data dir, and a real
// `npm ci` with a fresh cache installs exactly the lockfile's tree through it.
import t from 'tap';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/main.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { requestLines, startTestLarder } from '../helpers/larder.js';
import { npmVersion, runNpm, writeProject } from '../helpers/npm-cli.js';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
}

/** The lockfile's installed packages: path under the project (`node_modules/…`) → entry. */
async function lockedPackages(file: string): Promise<Map<string, LockEntry>> {
  const lock = JSON.parse(await readFile(file, 'utf8')) as { packages?: Record<string, LockEntry> };
  return new Map(Object.entries(lock.packages ?? {}).filter(([path]) => path !== ''));
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
function nameAt(path: string): string {
  return path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

t.test('larder warm package-lock.json, then npm ci offline with the registry stopped', async (t) => {
  const npm = await npmVersion();
  if (npm === undefined) {
    t.comment('SKIP: npm is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const scratch = await mkdtemp(join(tmpdir(), 'larder-warm-offline-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: '@acme/app-kit', versions: { '1.2.0': { dependencies: { 'left-pad': '^1.1.0', 'is-thing': '~2.0.0' } } } },
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {}, '1.3.0': {} } },
      { name: 'is-thing', versions: { '2.0.0': {}, '2.0.4': { dependencies: { 'tiny-dep': '^0.1.0' } } } },
      // The project wants 0.2 and is-thing 0.1: the lockfile nests one under is-thing.
      { name: 'tiny-dep', versions: { '0.1.2': {}, '0.2.0': {} } },
    ],
  });
  t.teardown(() => registry.stop());
  const dataDir = join(scratch, 'data');
  await mkdir(dataDir);
  const online = await startTestLarder({ npmUpstream: registry.url, dataDir });
  t.teardown(() => online.stop());
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      t.comment(`phase ${phase}: ${Date.now() - started} ms`);
    }
  };

  // 1. npm resolves the tree against the registry itself: the lockfile's URLs and integrity
  //    values are the registry's, as they are for a project that never heard of larder.
  const project = join(scratch, 'project');
  await mkdir(project);
  await writeProject(project, { '@acme/app-kit': '^1.0.0', 'tiny-dep': '^0.2.0' });
  const locked = await timed('1 npm install --package-lock-only against the registry', () =>
    runNpm('install', { registry: registry.url, cwd: project, cacheDir: join(scratch, 'lock-cache'), args: ['--package-lock-only'] }),
  );
  t.equal(locked.code, 0, 'npm install --package-lock-only exits 0');
  if (locked.code !== 0) t.comment(locked.stdout + locked.stderr);
  const lockfile = join(project, 'package-lock.json');
  const packages = await lockedPackages(lockfile);
  t.same(
    [...packages].map(([path, entry]) => `${path}@${entry.version ?? '?'}`).sort(),
    [
      'node_modules/@acme/app-kit@1.2.0',
      'node_modules/is-thing/node_modules/tiny-dep@0.1.2',
      'node_modules/is-thing@2.0.4',
      'node_modules/left-pad@1.3.0',
      'node_modules/tiny-dep@0.2.0',
    ],
    'the lockfile holds the resolved tree, one tiny-dep nested',
  );
  for (const [path, entry] of packages) {
    const served = await registry.tarball(nameAt(path), entry.version ?? '');
    t.equal(entry.integrity, served.integrity, `${path}: the lockfile's integrity is the registry's`);
    t.ok(entry.resolved?.startsWith(registry.url), `${path}: resolved at the registry, not at larder`);
  }
  t.equal(requestLines(online.logs).length, 0, 'larder was not involved in making the lockfile');
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 0, 'no tarball fetched yet');

  // 2. larder warm, in-process, through the running daemon.
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => (err += text), env: { HOME: tmpdir() }, cwd: project };
  const code = await timed('2 larder warm', () => run(['warm', 'package-lock.json', '--url', online.url], io));
  t.equal(code, 0, 'larder warm exits 0');
  if (code !== 0) t.comment(out + err);
  t.match(out, new RegExp(`^5 versions into default at ${online.url}: 5 fetched, 0 already retained, 0 failed, .+ in [\\d.]+ s$`, 'm'), 'the summary line');
  t.comment(out.trim());
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 5, 'warm: each tarball fetched from the registry once');

  // 3. Registry gone, daemon offline on the same data dir, npm with a fresh cache.
  await online.daemon.settle();
  await online.stop();
  await registry.stop();
  const offline = await startTestLarder({ npmUpstream: registry.url, dataDir, config: { offline: true } });
  t.teardown(() => offline.stop());
  const target = join(scratch, 'ci');
  await mkdir(target);
  await copyFile(join(project, 'package.json'), join(target, 'package.json'));
  await copyFile(lockfile, join(target, 'package-lock.json'));
  // The lockfile names the registry's host; npm swaps in the configured registry (larder)
  // for every resolved URL, as it does by default for the public registry's host.
  const ci = await timed('3 npm ci through the offline daemon', () =>
    runNpm('ci', { registry: offline.npm(), cwd: target, cacheDir: join(scratch, 'ci-cache'), args: ['--replace-registry-host=always'] }),
  );
  t.equal(ci.code, 0, 'npm ci exits 0');
  if (ci.code !== 0) t.comment(ci.stdout + ci.stderr);
  for (const [path, entry] of packages) {
    const manifest = await readFile(join(target, path, 'package.json'), 'utf8').then(
      (text) => JSON.parse(text) as { version?: string },
      () => ({ version: undefined }), // not installed: the assertion below says so
    );
    t.equal(manifest.version, entry.version, `npm ci installed ${path}@${entry.version ?? '?'}`);
  }
  const tarballs = requestLines(offline.logs).filter((line) => String(line.url).endsWith('.tgz'));
  t.equal(tarballs.length, 5, 'the five tarballs came from the offline daemon');
  t.ok(tarballs.every((line) => line.status === 200 && line.cache === 'hit'), 'each one a local hit');
  t.comment(`npm ci: ${ci.ms} ms (npm ${npm})`);
});
