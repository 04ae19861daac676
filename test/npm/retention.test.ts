// Retention: in the requesting repository and the gateway, never in between; retained versions
// outlive the upstream dropping them; a restart keeps everything.
import t from 'tap';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import { RetentionRecords } from '../../src/store/records.js';
import { join } from 'node:path';

const ABBREVIATED = { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' };

t.test('a chain of three repositories: retained in the first and the gateway, not the middle', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'dep', versions: { '1.0.0': {}, '1.1.0': {} } }] });
  const larder = await startTestLarder({
    repositories: {
      team: { upstreams: ['shared'] },
      shared: { upstreams: ['npm-store'] },
      'npm-store': { external: { format: 'npm', url: registry.url } },
      other: { upstreams: ['shared'] },
    },
  });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  await (await fetch(`${larder.npm('team')}dep`, { headers: ABBREVIATED })).arrayBuffer();
  const res = await fetch(`${larder.npm('team')}dep/-/dep-1.0.0.tgz`);
  t.equal(res.status, 200);
  await res.arrayBuffer();
  await larder.daemon.settle();
  await larder.daemon.close();

  const records = await SqliteRecordStore.open(join(larder.dataDir, 'records-v1.sqlite'));
  t.teardown(() => records.close());
  const retention = new RetentionRecords(records);
  t.ok(await retention.getVersion('team', 'npm', 'dep', '1.0.0'), 'retained in the requesting repository');
  t.ok(await retention.getVersion('npm-store', 'npm', 'dep', '1.0.0'), 'retained in the gateway');
  t.notOk(await retention.getVersion('shared', 'npm', 'dep', '1.0.0'), 'not retained in the intermediate');
  t.notOk(await retention.getVersion('team', 'npm', 'dep', '1.1.0'), 'only what was fetched');
});

t.test('retained versions stay listed and installable after the upstream drops them, and across a restart', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'dep', versions: { '1.0.0': {}, '1.1.0': {} } }] });
  const options = { npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', metadataTtl: { npm: '1ms' } } } };
  const first = await startTestLarder(options);
  t.teardown(() => registry.stop());
  await (await fetch(`${first.npm()}dep`, { headers: ABBREVIATED })).arrayBuffer();
  const expected = (await registry.tarball('dep', '1.0.0')).bytes;
  await (await fetch(`${first.npm()}dep/-/dep-1.0.0.tgz`)).arrayBuffer();
  await first.daemon.settle();
  await first.daemon.close();

  registry.removeVersion('dep', '1.0.0');
  const second = await startTestLarder({ ...options, dataDir: first.dataDir });
  t.teardown(async () => {
    await second.stop();
    await first.stop();
  });
  const doc = (await (await fetch(`${second.npm()}dep`, { headers: ABBREVIATED })).json()) as { versions: Record<string, { dist: { tarball: string } }> };
  t.same(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0'], 'union of upstream and retained');
  t.equal(doc.versions['1.0.0']?.dist.tarball, `${second.npm()}dep/-/dep-1.0.0.tgz`);
  const before = registry.count((r) => r.path.endsWith('.tgz'));
  const tarball = await fetch(`${second.npm()}dep/-/dep-1.0.0.tgz`);
  t.equal(tarball.status, 200);
  t.equal(tarball.headers.get('x-cache'), 'hit', 'served from the store after the restart');
  t.ok(Buffer.from(await tarball.arrayBuffer()).equals(expected), 'retained bytes never change');
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), before);

  await registry.stop();
  const offlineDoc = (await (await fetch(`${second.npm()}dep`)).json()) as { versions: Record<string, unknown>; 'dist-tags': Record<string, string> };
  t.ok(offlineDoc.versions['1.0.0'], 'upstream down: the retained version is still listed (full document)');
});

t.test('a package only ever seen through retention is synthesized when the upstream is gone', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'solo', versions: { '3.1.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', metadataTtl: { npm: '1ms' } } } });
  t.teardown(() => larder.stop());
  await (await fetch(`${larder.npm()}solo`, { headers: ABBREVIATED })).arrayBuffer();
  await (await fetch(`${larder.npm()}solo/-/solo-3.1.0.tgz`)).arrayBuffer();
  await larder.daemon.settle();
  registry.removePackage('solo');
  const res = await fetch(`${larder.npm()}solo`, { headers: ABBREVIATED });
  t.equal(res.status, 200, 'the upstream says 404, but 3.1.0 is retained');
  const doc = (await res.json()) as { versions: Record<string, unknown>; 'dist-tags': Record<string, string> };
  t.same(Object.keys(doc.versions), ['3.1.0']);
  t.equal(doc['dist-tags'].latest, '3.1.0');
  await registry.stop();
});
