// The real `npm install` through larder against a fake upstream: cold, warm, and warm with the
// upstream stopped. The project has a scoped package and a transitive dependency.
import t from 'tap';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { npmVersion, runNpmInstall, writeProject } from '../helpers/npm-cli.js';

t.test('npm install through larder: cold, warm, upstream stopped', async (t) => {
  const npm = await npmVersion();
  if (npm === undefined) {
    t.comment('SKIP: npm is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: '@acme/app-kit', versions: { '1.2.0': { dependencies: { 'left-pad': '^1.1.0', 'is-thing': '~2.0.0' } } } },
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {}, '1.3.0': {} } },
      { name: 'is-thing', versions: { '2.0.0': {}, '2.0.4': { dependencies: { 'tiny-dep': '^0.1.0' } } } },
      { name: 'tiny-dep', versions: { '0.1.2': {} } },
    ],
  });
  // Prefetch on, as users have it: the client's requests and larder's prefetch of the same
  // tree meet in one upstream fetch per tarball.
  const larder = await startTestLarder({ npmUpstream: registry.url, prefetch: true });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-e2e-'));
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  /** A fresh project and a fresh npm cache each time: only larder can serve the install. */
  const install = async (label: string) => {
    const cwd = join(scratch, label);
    await mkdir(cwd);
    await writeProject(cwd, { '@acme/app-kit': '^1.0.0' });
    const result = await runNpmInstall({ registry: larder.npm(), cwd, cacheDir: join(scratch, `${label}-cache`), timeoutMs: 120_000 });
    t.equal(result.code, 0, `${label}: npm install exits 0`);
    if (result.code !== 0) t.comment(result.stderr);
    for (const [name, version] of [
      ['@acme/app-kit', '1.2.0'],
      ['left-pad', '1.3.0'],
      ['is-thing', '2.0.4'],
      ['tiny-dep', '0.1.2'],
    ]) {
      const manifest = JSON.parse(await readFile(join(cwd, 'node_modules', ...String(name).split('/'), 'package.json'), 'utf8')) as { version: string };
      t.equal(manifest.version, version, `${label}: ${name}@${version} installed`);
    }
    const lock = JSON.parse(await readFile(join(cwd, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    t.ok(lock.packages['node_modules/tiny-dep']?.resolved?.startsWith(larder.npm()), `${label}: the lockfile resolves to larder`);
    t.comment(`${label}: ${result.ms} ms (npm ${npm})`);
    return result;
  };

  await install('cold');
  await larder.daemon.settle();
  const tarballsAfterCold = registry.count((r) => r.path.endsWith('.tgz'));
  t.equal(tarballsAfterCold, 4, 'cold: each tarball fetched from the upstream once, by npm or by the prefetch');

  await install('warm');
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), tarballsAfterCold, 'warm: no tarball from the upstream');

  // Down but still counting: every connection is accepted and dropped without an answer, so a
  // request larder made would show up here.
  registry.fault = { kind: 'down' };
  registry.clearRequests();
  const seenBefore = larder.logs.length;
  await install('outage');
  t.equal(registry.requests.length, 0, 'upstream down: larder made no upstream request');
  const served = larder.logs.slice(seenBefore).filter((line) => typeof line.status === 'number' && String(line.url).endsWith('.tgz'));
  t.equal(served.length, 4, 'four tarballs served');
  t.ok(served.every((line) => line.status === 200 && line.cache === 'hit'), 'every tarball was a local hit');

  await registry.stop();
  await install('stopped');
});
