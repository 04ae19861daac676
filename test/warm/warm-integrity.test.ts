/**
 * Digests while warming, against a real daemon: a lockfile that pins other bytes than the
 * registry serves (the lockfile is wrong, or the package changed upstream), and a registry that
 * serves bytes its own metadata disowns (larder refuses them and retains nothing).
 */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { warm } from '../../src/warm/warmer.js';
import { api } from '../api/seed.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

const FAST_RETRY = { backoffMs: 20, ingestionPauseMs: 50 };

async function setUp(t: Test): Promise<{ registry: FakeNpmRegistry; larder: TestLarder }> {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {} } }, { name: '@acme/util', versions: { '2.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', ingestionDeadline: '10s', prefetch: false } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  return { registry, larder };
}

const sha512 = (text: string): string => `sha512-${createHash('sha512').update(text).digest('base64')}`;
const describe = (larder: TestLarder, pkg: string, version: string): ReturnType<typeof api<{ assets: Array<{ integrity: string }> }>> =>
  api(larder.url, `versions/describe?repository=default&format=npm&package=${encodeURIComponent(pkg)}&version=${version}`);

t.test('a lockfile digest the registry does not serve is a failure that says so', async (t) => {
  const { registry, larder } = await setUp(t);
  const served = await registry.tarball('left-pad', '1.0.0');
  const pinned = sha512('not the tarball');
  const sha1Pinned = `sha1-${createHash('sha1').update('nor this').digest('base64')}`;
  const report = await warm({
    url: larder.url,
    repository: 'default',
    items: [
      { format: 'npm', name: 'left-pad', version: '1.0.0', integrity: pinned },
      { format: 'npm', name: 'left-pad', version: '1.1.0', integrity: sha1Pinned },
      { format: 'npm', name: '@acme/util', version: '2.0.0', integrity: (await registry.tarball('@acme/util', '2.0.0')).integrity },
    ],
    retry: FAST_RETRY,
  });
  t.equal(report.ok, false);
  t.equal(report.failed, 2);
  t.equal(report.fetched, 1, 'the right pin warms');
  const failure = report.items[0]?.failure;
  t.equal(failure?.kind, 'lockfile-mismatch');
  t.equal(failure?.code, 'E_INTEGRITY_MISMATCH');
  t.match(failure?.message, `the lockfile pins ${pinned} but the registry serves ${served.integrity}`);
  t.match(failure?.fix, /lockfile is wrong or the version was republished upstream/);
  t.match(report.items[1]?.failure?.message, /the lockfile pins sha1-.* but the registry serves sha1-/, 'compared in the lockfile\'s own algorithm');
  t.equal(report.items[0]?.retries, 0, 'not asked again: the registry\'s bytes will not change');

  // larder itself verifies against the registry's metadata: what it holds is the registry's
  // tarball, never something matching the lockfile's digest.
  const record = await describe(larder, 'left-pad', '1.0.0');
  t.same(record.body.assets.map((asset) => asset.integrity), [served.integrity], 'larder holds the registry\'s bytes, which the lockfile disowns');
  const dry = await warm({ url: larder.url, repository: 'default', items: [{ format: 'npm', name: 'left-pad', version: '1.0.0', integrity: pinned }], dryRun: true });
  t.equal(dry.items[0]?.state, 'missing', 'a dry run does not count it as retained either');
  t.match(dry.items[0]?.detail, `retained with ${served.integrity}, which is not the ${pinned} the lockfile pins`);
});

t.test('bytes the registry\'s own metadata disowns are refused and not retained', async (t) => {
  const { registry, larder } = await setUp(t);
  registry.fault = { kind: 'wrong-digest', match: '/left-pad/-/left-pad-1.0.0.tgz' };
  const served = await registry.tarball('left-pad', '1.0.0');
  const report = await warm({ url: larder.url, repository: 'default', items: [{ format: 'npm', name: 'left-pad', version: '1.0.0', integrity: served.integrity }], retry: FAST_RETRY });
  t.equal(report.ok, false);
  const failure = report.items[0]?.failure;
  t.equal(failure?.code, 'E_INTEGRITY_MISMATCH');
  t.equal(failure?.kind, 'upstream-integrity', 'the registry is at fault, not the lockfile');
  t.match(failure?.message, /larder answered 502 E_INTEGRITY_MISMATCH for left-pad@1\.0\.0 \(left-pad-1\.0\.0\.tgz\): .*not retained/);
  t.match(failure?.fix, /do not match its own metadata; larder kept nothing/);
  const record = await describe(larder, 'left-pad', '1.0.0');
  t.equal(record.status, 404, 'nothing retained');
  const dry = await warm({ url: larder.url, repository: 'default', items: [{ format: 'npm', name: 'left-pad', version: '1.0.0' }], dryRun: true });
  t.equal(dry.items[0]?.state, 'missing');
});

t.test('a pin that is no digest fails the item, not the run', async (t) => {
  const { larder } = await setUp(t);
  const report = await warm({
    url: larder.url,
    repository: 'default',
    items: [
      { format: 'npm', name: 'left-pad', version: '1.0.0', integrity: 'md5-AAAAAAAAAAAAAAAAAAAAAA==' },
      { format: 'npm', name: 'left-pad', version: '1.1.0' },
    ],
  });
  t.same(report.items.map((item) => [item.state, item.failure?.kind]), [
    ['failed', 'invalid'],
    ['fetched', undefined],
  ]);
  t.match(report.items[0]?.failure?.message, /unsupported algorithm "md5"/);
});
