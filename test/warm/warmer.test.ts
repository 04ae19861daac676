/**
 * The warmer against a real daemon in front of a fake npm registry: an npm list (scoped names
 * included) warmed and then served with the registry stopped, --dry-run before and after, a
 * missing package reported, and the concurrency bound held at the upstream.
 */
import t, { type Test } from 'tap';
import { warm, type WarmReport } from '../../src/warm/warmer.js';
import { dedupeItems, itemLabel, mavenFileNames } from '../../src/warm/items.js';
import type { NpmWarmItem } from '../../src/warm/types.js';
import { api } from '../api/seed.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

const FAST_RETRY = { backoffMs: 20, ingestionPauseMs: 50 };
const NO_PREFETCH = { defaults: { refresh: 'blocking', ingestionDeadline: '10s', prefetch: false } };

async function setUp(t: Test, packages: Parameters<typeof startFakeNpmRegistry>[0]): Promise<{ registry: FakeNpmRegistry; larder: TestLarder }> {
  const registry = await startFakeNpmRegistry(packages);
  const larder = await startTestLarder({ npmUpstream: registry.url, config: NO_PREFETCH });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  return { registry, larder };
}

const item = (name: string, version: string, integrity?: string): NpmWarmItem => ({ format: 'npm', name, version, ...(integrity === undefined ? {} : { integrity }) });

function states(report: WarmReport): Record<string, string> {
  return Object.fromEntries(report.items.map((outcome) => [outcome.label, outcome.state]));
}

t.test('an npm list is warmed, then installs with the registry stopped', async (t) => {
  const { registry, larder } = await setUp(t, {
    packages: [
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': { tarballSize: 40_000 } } },
      { name: '@acme/util', versions: { '2.0.0': {} } },
      { name: '@acme/web', versions: { '0.1.0-beta.1': {} } },
    ],
  });
  const wanted: Array<[string, string]> = [
    ['left-pad', '1.0.0'],
    ['left-pad', '1.1.0'],
    ['@acme/util', '2.0.0'],
    ['@acme/web', '0.1.0-beta.1'],
  ];
  const tarballs = await Promise.all(wanted.map(([name, version]) => registry.tarball(name, version)));
  // Half the list carries the lockfile's sha512, one the old sha1 form, one nothing.
  const items = [
    item('left-pad', '1.0.0', tarballs[0]?.integrity),
    item('left-pad', '1.1.0', `sha1-${Buffer.from(tarballs[1]?.shasum ?? '', 'hex').toString('base64')}`),
    item('@acme/util', '2.0.0', tarballs[2]?.integrity),
    item('@acme/web', '0.1.0-beta.1'),
  ];

  const before = await warm({ url: larder.url, repository: 'default', items, dryRun: true });
  t.same(states(before), { 'left-pad@1.0.0': 'missing', 'left-pad@1.1.0': 'missing', '@acme/util@2.0.0': 'missing', '@acme/web@0.1.0-beta.1': 'missing' });
  t.equal(before.ok, false, 'a dry run with nothing retained is not ok');
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 0, 'a dry run fetches nothing');

  const progress: number[] = [];
  const report = await warm({ url: larder.url, repository: 'default', items, retry: FAST_RETRY, onProgress: (p) => progress.push(p.done) });
  t.equal(report.ok, true);
  t.same(states(report), { 'left-pad@1.0.0': 'fetched', 'left-pad@1.1.0': 'fetched', '@acme/util@2.0.0': 'fetched', '@acme/web@0.1.0-beta.1': 'fetched' });
  const totalBytes = tarballs.reduce((sum, info) => sum + (info?.bytes.length ?? 0), 0);
  t.equal(report.bytes, totalBytes, 'every byte of every tarball went through');
  t.equal(progress.at(-1), 4, 'progress reaches the count');
  t.ok(registry.requests.some((r) => r.path === '/@acme/util/-/util-2.0.0.tgz'), 'the scoped tarball was asked upstream at its canonical path');

  const after = await warm({ url: larder.url, repository: 'default', items, dryRun: true });
  t.equal(after.ok, true, 'the dry run now finds everything retained');
  t.same(Object.values(states(after)), ['retained', 'retained', 'retained', 'retained']);

  await registry.stop();
  for (const [index, [name, version]] of wanted.entries()) {
    const file = `${name.slice(name.indexOf('/') + 1)}-${version}.tgz`;
    const res = await fetch(`${larder.npm()}${name}/-/${file}`);
    t.equal(res.status, 200, `${name}@${version} served with the registry down`);
    t.ok(Buffer.from(await res.arrayBuffer()).equals(tarballs[index]?.bytes ?? Buffer.alloc(0)), `${name}@${version}: the registry's bytes`);
  }
  const described = await api<{ status: string; origin: { repository: string } }>(larder.url, 'versions/describe?repository=default&format=npm&package=%40acme%2Futil&version=2.0.0');
  t.equal(described.status, 200);
  t.equal(described.body.status, 'Published', 'retained in default, the repository warmed');

  const again = await warm({ url: larder.url, repository: 'default', items, retry: FAST_RETRY });
  t.equal(again.ok, true, 'warming again needs no upstream');
  t.equal(again.retained, 4, 'and says everything was already retained');
  t.equal(again.fetched, 0);
});

t.test('a package the registry does not have is listed as a failure', async (t) => {
  const { larder } = await setUp(t, { packages: [{ name: 'here', versions: { '1.0.0': {} } }] });
  const report = await warm({
    url: larder.url,
    repository: 'default',
    items: [item('here', '1.0.0'), item('nowhere', '1.0.0'), item('here', '9.9.9')],
    retry: FAST_RETRY,
  });
  t.equal(report.ok, false);
  t.equal(report.fetched, 1);
  t.equal(report.failed, 2);
  const failures = report.items.filter((outcome) => outcome.failure !== undefined);
  t.same(failures.map((outcome) => [outcome.label, outcome.failure?.kind, outcome.failure?.code]), [
    ['nowhere@1.0.0', 'not-found', 'E_NOT_FOUND'],
    ['here@9.9.9', 'not-found', 'E_NOT_FOUND'],
  ]);
  t.match(failures[0]?.failure?.message, /larder answered 404 E_NOT_FOUND for nowhere@1\.0\.0 \(nowhere-1\.0\.0\.tgz\)/);
  t.match(failures[0]?.failure?.fix, /exist on the upstream registry.*larder repos describe default/);
  t.equal(failures[0]?.retries, 0, 'a plain 404 is not asked again');
});

t.test('an invalid name fails that item only', async (t) => {
  const { larder } = await setUp(t, { packages: [{ name: 'ok', versions: { '1.0.0': {} } }] });
  const report = await warm({ url: larder.url, repository: 'default', items: [item('../evil', '1.0.0'), item('ok', '1.0.0'), item('ok', 'latest')] });
  t.same(states(report), { '../evil@1.0.0': 'failed', 'ok@1.0.0': 'fetched', 'ok@latest': 'failed' });
  t.equal(report.items[0]?.failure?.kind, 'invalid');
});

t.test('no more versions at once than --concurrency', async (t) => {
  const names = Array.from({ length: 6 }, (_, index) => `pkg-${index}`);
  const { registry, larder } = await setUp(t, { packages: names.map((name) => ({ name, versions: { '1.0.0': {} } })) });
  const delayMs = 300;
  registry.fault = { kind: 'slow', delayMs, match: /\.tgz$/ };
  const report = await warm({ url: larder.url, repository: 'default', items: names.map((name) => item(name, '1.0.0')), concurrency: 2, retry: FAST_RETRY });
  t.equal(report.ok, true);
  const arrivals = registry.requests.filter((r) => r.path.endsWith('.tgz')).map((r) => r.at);
  t.equal(arrivals.length, 6);
  // Each tarball request takes at least delayMs, and a worker asks for its next one only after
  // its previous one ended: arrivals closer than delayMs overlap.
  const overlap = Math.max(...arrivals.map((start) => arrivals.filter((at) => at >= start && at < start + delayMs).length));
  t.equal(overlap, 2, 'two at a time, never more');
});

t.test('usage problems are refused before anything is asked', async (t) => {
  const { larder } = await setUp(t, { packages: [] });
  await t.rejects(warm({ url: larder.url, repository: 'default', items: [], concurrency: 0 }), { code: 'E_USAGE' });
  await t.rejects(warm({ url: larder.url, repository: 'a/b', items: [] }), { code: 'E_USAGE' });
  await t.rejects(warm({ url: larder.url, repository: 'nope', items: [item('x', '1.0.0')] }), { code: 'E_REPOSITORY_UNKNOWN', message: /larder repos list/ });
  await t.rejects(warm({ url: 'http://127.0.0.1:9', repository: 'default', items: [] }), { code: 'E_UPSTREAM_UNREACHABLE', message: /larder serve/ });
  const empty = await warm({ url: larder.url, repository: 'default', items: [] });
  t.equal(empty.ok, true, 'nothing listed: nothing missing');
});

t.test('the same version listed twice is one item, keeping what either entry pins', async (t) => {
  const pinned = 'sha512-' + Buffer.alloc(64, 1).toString('base64');
  const deduped = dedupeItems([
    item('a', '1.0.0'),
    item('a', '1.0.0', pinned),
    { format: 'pypi', name: 'Py_Thing', version: '1.0', integrities: ['sha256-' + Buffer.alloc(32, 1).toString('base64')] },
    { format: 'pypi', name: 'py-thing', version: '1.0', integrities: ['sha256-' + Buffer.alloc(32, 2).toString('base64')], files: ['py_thing-1.0.tar.gz'] },
    { format: 'pypi', name: 'other', version: '2', integrities: ['sha256-' + Buffer.alloc(32, 3).toString('base64')] },
    { format: 'pypi', name: 'Other', version: '2', integrities: [] },
    { format: 'maven', groupId: 'g', artifactId: 'a', version: '1', type: 'test-jar' },
    { format: 'maven', groupId: 'g', artifactId: 'a', version: '1', type: 'jar', classifier: 'tests' },
    { format: 'maven', groupId: 'g', artifactId: 'a', version: '1', type: 'jar' },
  ]);
  t.same(deduped.map(itemLabel), ['a@1.0.0', 'Py_Thing==1.0', 'other==2', 'g:a:1:@test-jar', 'g:a:1']);
  t.same(deduped[0], item('a', '1.0.0', pinned), 'the entry with a digest wins');
  t.same(deduped[1], { format: 'pypi', name: 'Py_Thing', version: '1.0', integrities: ['sha256-' + Buffer.alloc(32, 1).toString('base64'), 'sha256-' + Buffer.alloc(32, 2).toString('base64')], files: ['py_thing-1.0.tar.gz'] }, 'PyPI: both entries\' digests and files, whatever the spelling of the name');
  t.same(deduped[2]?.format === 'pypi' ? deduped[2].integrities : undefined, [], 'one entry without hashes accepts every file');
  t.same(mavenFileNames({ format: 'maven', groupId: 'g', artifactId: 'a', version: '1', type: 'test-jar' }), { main: 'a-1-tests.jar', pom: 'a-1.pom' });
  t.same(mavenFileNames({ format: 'maven', groupId: 'g', artifactId: 'a', version: '1', type: 'maven-plugin' }), { main: 'a-1.jar', pom: 'a-1.pom' });
});
