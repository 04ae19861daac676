// npm ingestion prefetch (issue 8 §1): one tarball fetched through the external connection makes
// larder fetch, in the background, exactly the versions the rule names for its dependency tree.
import t, { type Test } from 'tap';
import { startFakeNpmRegistry, type FakePackageSpec } from '../helpers/fake-npm-registry.js';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestLarder, type LogLine, type TestLarder } from '../helpers/larder.js';

// app@1.0.0 depends on:
//   lib ^1.0.0      lib has 1.0.0, 1.4.0 and latest 2.0.0: fetch 1.4.0 (the tree's) and 2.0.0;
//                   lib@1.4.0 depends on deep ~3.1.0 → deep 3.1.2 (transitive);
//                   lib@2.0.0 depends on only-in-latest: never fetched (not in the tree).
//   util ^2.0.0     latest 2.3.0 is also the range's newest: one version.
//   stale ^1.0.0    latest 1.1.0 satisfies the range but 1.2.0 is newer: npm installs latest,
//                   the rule also wants the range's newest: both; 1.1.0 is the tree's.
//   @scope/thing 1.x  scoped.
//   native (optional) for another OS: passed over.
//   alias → npm:util@^2.0.0: the real name, already scheduled.
//   peer (peer dependency) ^1.0.0.
//   dev (devDependency): never.
const PACKAGES: FakePackageSpec[] = [
  {
    name: 'app',
    versions: {
      '1.0.0': {
        dependencies: { lib: '^1.0.0', util: '^2.0.0', stale: '^1.0.0', '@scope/thing': '1.x', alias: 'npm:util@^2.0.0', local: 'file:../local' },
        optionalDependencies: { native: '^1.0.0' },
        peerDependencies: { peer: '^1.0.0' },
        devDependencies: { dev: '^1.0.0' },
      },
    },
  },
  { name: 'lib', versions: { '1.0.0': {}, '1.4.0': { dependencies: { deep: '~3.1.0' } }, '2.0.0': { dependencies: { 'only-in-latest': '^1.0.0' } } } },
  { name: 'deep', versions: { '3.1.0': {}, '3.1.2': {}, '3.2.0': {} }, distTags: { latest: '3.1.2' } },
  { name: 'only-in-latest', versions: { '1.0.0': {} } },
  { name: 'util', versions: { '2.0.0': {}, '2.3.0': {} } },
  { name: 'stale', versions: { '1.0.0': {}, '1.1.0': {}, '1.2.0': {} }, distTags: { latest: '1.1.0' } },
  { name: '@scope/thing', versions: { '1.0.0': {}, '1.5.0': {} } },
  { name: 'native', versions: { '1.0.0': { extra: { os: [process.platform === 'win32' ? 'darwin' : 'win32'] } } } },
  { name: 'peer', versions: { '1.0.0': {} } },
  { name: 'dev', versions: { '1.0.0': {} } },
];

const EXPECTED = ['app@1.0.0', 'lib@1.4.0', 'lib@2.0.0', 'deep@3.1.2', 'util@2.3.0', 'stale@1.1.0', 'stale@1.2.0', '@scope/thing@1.5.0', 'peer@1.0.0'].sort();

/** name@version of every tarball the fake registry was asked for. */
function tarballsFetched(paths: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const match = /^\/((?:@[^/]+\/)?[^/]+)\/-\/(?:[^/]+)-(\d[^/]*)\.tgz$/.exec(decodeURIComponent(path));
    if (match) out.push(`${match[1]}@${match[2]}`);
  }
  return out.sort();
}

async function setUp(t: Test, repositories?: (upstream: string) => Record<string, unknown>): Promise<{ larder: TestLarder; fetched: () => string[] }> {
  const registry = await startFakeNpmRegistry({ packages: PACKAGES });
  const larder = await startTestLarder({ npmUpstream: registry.url, prefetch: true, ...(repositories === undefined ? {} : { repositories: repositories(registry.url) }) });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  return { larder, fetched: () => tarballsFetched(registry.requests.map((request) => request.path)) };
}

t.test('one tarball fetched brings in exactly the versions the rule names', async (t) => {
  const { larder, fetched } = await setUp(t);
  const res = await fetch(`${larder.npm()}app/-/app-1.0.0.tgz`);
  t.equal(res.status, 200);
  await res.arrayBuffer();
  await larder.daemon.settle();
  t.same(fetched(), EXPECTED);
  // The summary comes once the prefetching has been quiet for a second.
  const summaries = (): LogLine[] => larder.logs.filter((line) => line.msg.startsWith('prefetch: fetched'));
  for (let waited = 0; summaries().length === 0 && waited < 5000; waited += 100) await delay(100);
  t.match(await summaries(), [{ fetched: EXPECTED.length - 1, failed: 0 }], 'one summary line for the burst');

  await t.test('retained in the requesting repository and served without the upstream', async (t) => {
    for (const [pkg, version] of [['deep', '3.1.2'], ['@scope/thing', '1.5.0'], ['stale', '1.2.0']] as const) {
      const file = `${pkg.split('/').pop() ?? pkg}-${version}.tgz`;
      const tarball = await fetch(`${larder.npm()}${pkg}/-/${file}`);
      t.equal(tarball.status, 200, `${pkg}@${version}`);
      t.equal(tarball.headers.get('x-cache'), 'hit', `${pkg}@${version} is a hit`);
      await tarball.arrayBuffer();
    }
    const described = await fetch(`${larder.url}/-/api/versions/describe?repository=default&format=npm&package=deep&version=3.1.2`);
    t.equal(described.status, 200, 'retained in default, not only in the gateway');
    await described.arrayBuffer();
  });

  await t.test('a second ingestion asks for nothing already scheduled', async (t) => {
    const before = fetched().length;
    const again = await fetch(`${larder.npm()}lib/-/lib-1.0.0.tgz`);
    t.equal(again.status, 200);
    await again.arrayBuffer();
    await larder.daemon.settle();
    t.same(fetched().length, before + 1, 'only lib@1.0.0 itself: deep ~3.1.0 was resolved before');
  });
});

t.test('prefetch: false in the requesting repository fetches only what the client asked', async (t) => {
  const { larder, fetched } = await setUp(t, (url) => ({
    default: { upstreams: ['npm-store'], prefetch: false },
    'npm-store': { external: { format: 'npm', url } },
  }));
  const res = await fetch(`${larder.npm()}app/-/app-1.0.0.tgz`);
  t.equal(res.status, 200);
  await res.arrayBuffer();
  await larder.daemon.settle();
  t.same(fetched(), ['app@1.0.0']);
  t.notOk(larder.logs.some((line) => line.msg.startsWith('prefetch')), 'no prefetch log line');
});

t.test('a client of another repository with prefetch on still prefetches', async (t) => {
  const { larder, fetched } = await setUp(t, (url) => ({
    default: { upstreams: ['npm-store'], prefetch: false },
    ci: { upstreams: ['npm-store'] },
    'npm-store': { external: { format: 'npm', url } },
  }));
  const res = await fetch(`${larder.npm('ci')}app/-/app-1.0.0.tgz`);
  await res.arrayBuffer();
  await larder.daemon.settle();
  t.same(fetched(), EXPECTED);
});
