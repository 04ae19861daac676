// --offline (issue 8 §4): no upstream is contacted, stored metadata is served whatever its age,
// and what was never retained answers 404 saying larder is offline.
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';

const ABBREVIATED = { accept: 'application/vnd.npm.install-v1+json' };

t.test('offline: stored metadata at any age, a clear 404 for the rest, no upstream request', async (t) => {
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: 'kept', versions: { '1.0.0': {}, '1.1.0': {} } },
      { name: 'never-asked', versions: { '1.0.0': {} } },
    ],
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'larder-offline-'));
  t.teardown(async () => {
    await registry.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  // A TTL of a millisecond: online, every request after this one would revalidate.
  const config = { defaults: { refresh: 'blocking', ingestionDeadline: '10s', prefetch: false, metadataTtl: { npm: '1ms' } } };
  const online = await startTestLarder({ npmUpstream: registry.url, dataDir, config });
  const warmed = await fetch(`${online.npm()}kept/-/kept-1.0.0.tgz`);
  t.equal(warmed.status, 200);
  const bytes = Buffer.from(await warmed.arrayBuffer());
  await (await fetch(`${online.npm()}kept`, { headers: ABBREVIATED })).arrayBuffer();
  await online.stop();

  const offline = await startTestLarder({ npmUpstream: registry.url, dataDir, config: { ...config, offline: true } });
  t.teardown(() => offline.stop());
  registry.clearRequests();

  const packument = await fetch(`${offline.npm()}kept`, { headers: ABBREVIATED });
  t.equal(packument.status, 200, 'stale metadata served as it is');
  const doc = (await packument.json()) as { versions: Record<string, unknown> };
  t.same(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0']);

  const tarball = await fetch(`${offline.npm()}kept/-/kept-1.0.0.tgz`);
  t.equal(tarball.status, 200);
  t.ok(Buffer.from(await tarball.arrayBuffer()).equals(bytes), 'the retained bytes');

  for (const [label, path] of [
    ['a version never retained', 'kept/-/kept-1.1.0.tgz'],
    ['a package never asked for', 'never-asked'],
  ] as const) {
    const res = await fetch(`${offline.npm()}${path}`, { headers: ABBREVIATED });
    t.equal(res.status, 404, `${label}: 404, so npm fails at once instead of retrying`);
    const body = (await res.json()) as { error: string; code: string };
    t.equal(body.code, 'E_OFFLINE', label);
    t.match(body.error, /larder is offline and .* was never retained in default, npm-store/, `${label}: says why`);
    t.match(body.error, /larder warm/, `${label}: says how to get it`);
  }
  t.equal(registry.count(), 0, 'the upstream heard nothing');
});
