// The management API's repository operations: list and describe (connection health, counts, bytes).
import { rm } from 'node:fs/promises';
import t from 'tap';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { api, seededDataDir } from './seed.js';

interface Described {
  name: string;
  upstreams: string[];
  externalConnection: { name: string; format: string; url: string; status: string; lastError?: string } | null;
  packageCount: number;
  versionCount: number;
  bytes: number;
}

t.test('list and describe repositories', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'dep', versions: { '1.0.0': {} } }] });
  const shared = [{ name: 'shared.bin', body: 'x'.repeat(100) }];
  const dataDir = await seededDataDir([
    { repository: 'npm-store', format: 'npm', package: 'a', version: '1.0.0', assets: shared },
    { repository: 'npm-store', format: 'npm', package: 'a', version: '1.1.0', assets: [...shared, { name: 'own.bin', body: 'y'.repeat(50) }] },
    { repository: 'npm-store', format: 'pypi', package: 'b', version: '2.0', assets: [{ name: 'b.whl', body: 'z'.repeat(7) }] },
  ]);
  const larder = await startTestLarder({ npmUpstream: registry.url, dataDir });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const list = await api<{ repositories: Described[] }>(larder.url, 'repositories');
  t.equal(list.status, 200);
  t.same(
    list.body.repositories.map((r) => [r.name, r.upstreams, r.externalConnection]),
    [
      ['default', ['npm-store'], null],
      ['npm-store', [], { name: 'custom', format: 'npm', url: registry.url }],
    ],
  );

  const described = await api<Described>(larder.url, 'repositories/npm-store');
  t.equal(described.status, 200);
  t.match(described.body, { name: 'npm-store', packageCount: 2, versionCount: 3, externalConnection: { status: 'AVAILABLE', url: registry.url } });
  t.equal(described.body.bytes, 157, 'a blob held by two versions counts once');
  t.notOk(described.body.externalConnection?.lastError);

  const empty = await api<Described>(larder.url, 'repositories/default');
  t.match(empty.body, { packageCount: 0, versionCount: 0, bytes: 0, externalConnection: null });
});

t.test('a connection whose upstream is down is UNREACHABLE with its last error', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'dep', versions: { '1.0.0': {} } }] });
  const url = registry.url;
  await registry.stop();
  const larder = await startTestLarder({
    npmUpstream: url,
    config: { upstream: { connectTimeout: '2s', headersTimeout: '3s', bodyTimeout: '3s', retries: 0, breakerThreshold: 1, breakerCooldown: '60s' } },
  });
  t.teardown(() => larder.stop());
  t.equal((await api<Described>(larder.url, 'repositories/npm-store')).body.externalConnection?.status, 'AVAILABLE', 'nothing has failed yet');
  const res = await fetch(`${larder.npm()}dep`);
  t.equal(res.status, 502);
  await res.arrayBuffer();
  const described = await api<Described>(larder.url, 'repositories/npm-store');
  t.equal(described.body.externalConnection?.status, 'UNREACHABLE');
  t.match(described.body.externalConnection?.lastError, /ECONNREFUSED|refused|unreachable/i);
});

t.test('unknown repositories and operations', async (t) => {
  const larder = await startTestLarder({});
  t.teardown(() => larder.stop());
  const missing = await api<{ error: string; code: string }>(larder.url, 'repositories/nope');
  t.equal(missing.status, 404);
  t.match(missing.body, { code: 'E_REPOSITORY_UNKNOWN', error: /"nope"/ });
  const unknown = await api<{ error: string }>(larder.url, 'frobnicate');
  t.equal(unknown.status, 404);
  t.match(unknown.body.error, /frobnicate/);
  const wrongMethod = await api<{ code: string }>(larder.url, 'repositories', {});
  t.equal(wrongMethod.status, 405);
  const getOnPost = await api<{ code: string }>(larder.url, 'versions/status');
  t.equal(getOnPost.status, 405);
});
