// Metadata freshness: TTL, conditional revalidation, upstreams without validators or that ignore
// the abbreviated Accept, blocking and background refresh, and never going back in time.
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeNpmRegistry, type FakeNpmRegistry, type FakeNpmRegistryOptions } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

const ABBREVIATED = { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' };

async function setup(t: Test, refresh: 'blocking' | 'background', registryOptions: FakeNpmRegistryOptions = {}): Promise<{ registry: FakeNpmRegistry; larder: TestLarder }> {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'pkg', versions: { '1.0.0': {} } }], ...registryOptions });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh, metadataTtl: { npm: '300ms' } } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  return { registry, larder };
}

async function get(larder: TestLarder, headers: Record<string, string> = {}): Promise<{ status: number; cache: string | null; versions: string[] }> {
  const res = await fetch(`${larder.npm()}pkg`, { headers });
  const doc = (await res.json()) as { versions: Record<string, unknown> };
  return { status: res.status, cache: res.headers.get('x-cache'), versions: Object.keys(doc.versions ?? {}).sort() };
}

const packumentRequests = (registry: FakeNpmRegistry) => registry.requests.filter((r) => r.path === '/pkg');

t.test('within the TTL: served from cache, no upstream request; client max-age=0 does not bypass it', async (t) => {
  const { registry, larder } = await setup(t, 'blocking');
  t.equal((await get(larder)).cache, 'miss');
  t.equal((await get(larder, { 'cache-control': 'max-age=0', pragma: 'no-cache' })).cache, 'hit');
  t.equal(packumentRequests(registry).length, 1);
});

t.test('after the TTL: conditional request with the stored validators; 304 is revalidated', async (t) => {
  const { registry, larder } = await setup(t, 'blocking');
  await get(larder);
  await sleep(400);
  const second = await get(larder);
  t.equal(second.cache, 'revalidated');
  const conditional = packumentRequests(registry)[1];
  t.ok(conditional?.headers['if-none-match'], 'sent If-None-Match');
  t.ok(conditional?.headers['if-modified-since'], 'sent If-Modified-Since');
  t.equal(conditional?.status, 304);
});

t.test('blocking refresh: a new upstream version is seen by the request after the TTL', async (t) => {
  const { registry, larder } = await setup(t, 'blocking');
  t.same((await get(larder)).versions, ['1.0.0']);
  registry.addVersion('pkg', '1.1.0');
  t.same((await get(larder)).versions, ['1.0.0'], 'still fresh: cached copy');
  await sleep(400);
  const refreshed = await get(larder);
  t.same(refreshed.versions, ['1.0.0', '1.1.0']);
  t.equal(refreshed.cache, 'miss');
});

t.test('background refresh: the stale copy now, the new one on the next request', async (t) => {
  const { registry, larder } = await setup(t, 'background');
  await get(larder);
  registry.addVersion('pkg', '1.1.0');
  await sleep(400);
  const stale = await get(larder);
  t.equal(stale.cache, 'stale');
  t.same(stale.versions, ['1.0.0']);
  await larder.daemon.settle();
  const next = await get(larder);
  t.equal(next.cache, 'hit');
  t.same(next.versions, ['1.0.0', '1.1.0']);
});

t.test('an upstream with no validators: bodies are compared', async (t) => {
  const { registry, larder } = await setup(t, 'blocking', { validators: false });
  await get(larder);
  await sleep(400);
  t.equal((await get(larder)).cache, 'revalidated', 'same body: revalidated');
  const second = packumentRequests(registry)[1];
  t.notOk(second?.headers['if-none-match']);
  registry.addVersion('pkg', '2.0.0');
  await sleep(400);
  const changed = await get(larder);
  t.equal(changed.cache, 'miss');
  t.same(changed.versions, ['1.0.0', '2.0.0']);
});

t.test('an upstream that ignores the abbreviated Accept: larder derives the abbreviated form', async (t) => {
  const { larder } = await setup(t, 'blocking', { ignoreAbbreviatedAccept: true });
  const res = await fetch(`${larder.npm()}pkg`, { headers: ABBREVIATED });
  t.match(res.headers.get('content-type'), /application\/vnd\.npm\.install-v1\+json/);
  const doc = (await res.json()) as Record<string, unknown>;
  t.notOk(doc.readme, 'readme dropped');
  t.notOk(doc.time, 'time dropped');
  t.ok(doc.modified, 'modified set');
});

t.test('an older upstream answer never replaces newer cached metadata', async (t) => {
  const { registry, larder } = await setup(t, 'blocking', { validators: false });
  registry.addVersion('pkg', '1.1.0');
  t.same((await get(larder)).versions, ['1.0.0', '1.1.0']);
  // A lagging replica: the document as it was before 1.1.0, with an older `modified`.
  registry.removeVersion('pkg', '1.1.0');
  const older = (await registry.document('pkg')) as { time: Record<string, string> };
  older.time.modified = new Date(Date.parse(older.time.modified ?? '') - 3_600_000).toISOString();
  registry.fault = { kind: 'status', status: 200, body: JSON.stringify(older), headers: { 'content-type': 'application/json' }, match: '/pkg' };
  await sleep(400);
  const after = await get(larder);
  t.same(after.versions, ['1.0.0', '1.1.0'], 'kept the newer document');
  t.equal(after.cache, 'revalidated');
});

t.test('a "not found" is remembered for notFoundTtl, and still answers 404 during an outage', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'pkg', versions: { '1.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', notFoundTtl: '300ms' } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const first = await fetch(`${larder.npm()}later`);
  t.equal(first.status, 404);
  await first.arrayBuffer();
  registry.addPackage({ name: 'later', versions: { '1.0.0': {} } });
  const remembered = await fetch(`${larder.npm()}later`);
  t.equal(remembered.status, 404, 'within notFoundTtl: not asked again');
  await remembered.arrayBuffer();
  t.equal(registry.count('/later'), 1);
  await sleep(350);
  const found = await fetch(`${larder.npm()}later`);
  t.equal(found.status, 200, 'after notFoundTtl: asked again, now found');
  await found.arrayBuffer();

  const gone = await fetch(`${larder.npm()}never`);
  t.equal(gone.status, 404);
  await gone.arrayBuffer();
  await sleep(350);
  await registry.stop();
  const outage = await fetch(`${larder.npm()}never`);
  t.equal(outage.status, 404, 'expired and the upstream is down: still a 404, not a 502');
  t.match(((await outage.json()) as { error: string }).error, /not found/);
});
