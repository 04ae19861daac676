// Each upstream fault: retained versions install as if online; what is not retained fails fast
// with a status and a message naming the upstream; a wrong digest is never retained.
import t, { type Test } from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder, type TestLarderOptions } from '../helpers/larder.js';

const ABBREVIATED = { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' };

async function setup(t: Test, options: Omit<TestLarderOptions, 'npmUpstream'> = {}): Promise<{ registry: FakeNpmRegistry; larder: TestLarder }> {
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: 'kept', versions: { '1.0.0': {}, '1.1.0': {} } },
      { name: 'fresh', versions: { '1.0.0': {} } },
    ],
  });
  const larder = await startTestLarder({ ...options, npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  return { registry, larder };
}

/** Installs kept@1.0.0 the way npm does: abbreviated packument, then the tarball. */
async function warm(larder: TestLarder): Promise<void> {
  await (await fetch(`${larder.npm()}kept`, { headers: ABBREVIATED })).arrayBuffer();
  await (await fetch(`${larder.npm()}kept/-/kept-1.0.0.tgz`)).arrayBuffer();
  await larder.daemon.settle();
}

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

async function blobCount(larder: TestLarder): Promise<number> {
  const walk = async (dir: string): Promise<number> => {
    let count = 0;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      count += entry.isDirectory() ? await walk(join(dir, entry.name)) : 1;
    }
    return count;
  };
  return walk(join(larder.dataDir, 'blobs-v1', 'content-v2'));
}

t.test('upstream down (connection refused)', async (t) => {
  const { registry, larder } = await setup(t, { config: { defaults: { refresh: 'blocking', metadataTtl: { npm: '1ms' } } } });
  await warm(larder);
  await registry.stop();

  const doc = await fetch(`${larder.npm()}kept`, { headers: ABBREVIATED });
  t.equal(doc.status, 200, 'cached packument served when the upstream is down');
  t.equal(doc.headers.get('x-cache'), 'stale');
  t.ok(((await doc.json()) as { versions: Record<string, unknown> }).versions['1.0.0']);

  const tarball = await fetch(`${larder.npm()}kept/-/kept-1.0.0.tgz`);
  t.equal(tarball.status, 200, 'retained tarball installs as if online');
  t.equal(tarball.headers.get('x-cache'), 'hit');
  await tarball.arrayBuffer();

  const started = Date.now();
  const missing = await fetch(`${larder.npm()}fresh`);
  t.equal(missing.status, 502, 'not retained: 502');
  const message = await errorOf(missing);
  t.match(message, new RegExp(`127\\.0\\.0\\.1:${registry.port}`), 'names the upstream');
  t.match(message, /ECONNREFUSED|refused/i, 'names the failure');
  t.ok(Date.now() - started < 5000, 'fails within a bounded time');
});

t.test('repeated failures open the breaker: no more upstream calls during the cool-down', async (t) => {
  const { registry, larder } = await setup(t);
  registry.fault = { kind: 'status', status: 503 };
  for (let i = 0; i < 3; i += 1) {
    const res = await fetch(`${larder.npm()}fresh`);
    t.equal(res.status, 502);
    await res.arrayBuffer();
  }
  const calls = registry.requests.length;
  const cooled = await fetch(`${larder.npm()}fresh`);
  t.equal(cooled.status, 503, 'answered from the breaker');
  t.match(await errorOf(cooled), /not calling it/);
  t.equal(registry.requests.length, calls, 'the upstream was not called');
});

t.test('5xx with a cached copy serves it stale; a tarball 5xx is a 502', async (t) => {
  const { registry, larder } = await setup(t, { config: { defaults: { refresh: 'blocking', metadataTtl: { npm: '1ms' } } } });
  await warm(larder);
  registry.fault = { kind: 'status', status: 500 };
  const doc = await fetch(`${larder.npm()}kept`, { headers: ABBREVIATED });
  t.equal(doc.status, 200);
  t.equal(doc.headers.get('x-cache'), 'stale');
  await doc.arrayBuffer();
  const tarball = await fetch(`${larder.npm()}kept/-/kept-1.1.0.tgz`);
  t.equal(tarball.status, 502);
  t.match(await errorOf(tarball), /500/);
});

t.test('slow upstream past the ingestion deadline: 404, then the retry is served from the store', async (t) => {
  const { registry, larder } = await setup(t, { config: { defaults: { refresh: 'blocking', ingestionDeadline: '300ms' } } });
  registry.fault = { kind: 'slow', delayMs: 1000, match: /\.tgz$/ };
  await (await fetch(`${larder.npm()}kept`, { headers: ABBREVIATED })).arrayBuffer();
  const first = await fetch(`${larder.npm()}kept/-/kept-1.0.0.tgz`);
  t.equal(first.status, 404);
  t.equal(await errorOf(first), 'Ingestion is in progress. Please try again later.');
  await larder.daemon.settle();
  registry.fault = undefined;
  const before = registry.count((r) => r.path.endsWith('.tgz'));
  const retry = await fetch(`${larder.npm()}kept/-/kept-1.0.0.tgz`);
  t.equal(retry.status, 200);
  t.equal(retry.headers.get('x-cache'), 'hit');
  t.ok(Buffer.from(await retry.arrayBuffer()).equals((await registry.tarball('kept', '1.0.0')).bytes));
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), before, 'the retry made no upstream request');
});

t.test('slow metadata past the deadline with nothing cached: 404 ingestion, then served', async (t) => {
  const { registry, larder } = await setup(t, { config: { defaults: { refresh: 'blocking', ingestionDeadline: '300ms' } } });
  registry.fault = { kind: 'slow', delayMs: 800, times: 1 };
  const first = await fetch(`${larder.npm()}kept`);
  t.equal(first.status, 404);
  t.equal(await errorOf(first), 'Ingestion is in progress. Please try again later.');
  await larder.daemon.settle();
  const retry = await fetch(`${larder.npm()}kept`);
  t.equal(retry.status, 200);
  t.equal(retry.headers.get('x-cache'), 'hit');
  await retry.arrayBuffer();
});

for (const fault of [
  { kind: 'reset', afterBytes: 100 } as const,
  { kind: 'truncate' } as const,
  { kind: 'wrong-digest' } as const,
]) {
  t.test(`tarball fault ${fault.kind}: not retained, the client sees an error`, async (t) => {
    const { registry, larder } = await setup(t);
    await (await fetch(`${larder.npm()}fresh`, { headers: ABBREVIATED })).arrayBuffer();
    const blobsBefore = await blobCount(larder);
    registry.fault = { ...fault, match: /\.tgz$/ };
    const res = await fetch(`${larder.npm()}fresh/-/fresh-1.0.0.tgz`);
    t.equal(res.status, 502, 'a clean 502 before any byte (the tarball fits the verify window)');
    const message = await errorOf(res);
    if (fault.kind === 'wrong-digest') {
      const expected = (await registry.tarball('fresh', '1.0.0')).integrity;
      t.match(message, /fresh@1\.0\.0/, 'names the package and version');
      t.ok(message.includes(expected), 'names the expected digest');
      t.match(message, /got sha512-/, 'names the actual digest');
    }
    await larder.daemon.settle();
    t.equal(await blobCount(larder), blobsBefore, 'nothing retained');
    registry.fault = undefined;
    if (fault.kind !== 'wrong-digest') {
      const retry = await fetch(`${larder.npm()}fresh/-/fresh-1.0.0.tgz`);
      t.equal(retry.status, 200, 'a later request fetches it whole');
      t.equal(retry.headers.get('x-cache'), 'miss');
      await retry.arrayBuffer();
    } else {
      const retry = await fetch(`${larder.npm()}fresh/-/fresh-1.0.0.tgz`);
      t.equal(retry.status, 502, 'a retry right after a mismatch gets the 502 again');
      await retry.arrayBuffer();
    }
  });
}

t.test('a large tarball with a wrong digest breaks the response instead of ending it cleanly', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'big', versions: { '1.0.0': { tarballSize: 3 * 1024 * 1024 } } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  await (await fetch(`${larder.npm()}big`, { headers: ABBREVIATED })).arrayBuffer();
  registry.fault = { kind: 'wrong-digest' };
  const res = await fetch(`${larder.npm()}big/-/big-1.0.0.tgz`);
  t.equal(res.status, 200, 'headers were sent before the digest could be known');
  await t.rejects(res.arrayBuffer(), 'the body never ends cleanly');
  await larder.daemon.settle();
  const retry = await fetch(`${larder.npm()}big/-/big-1.0.0.tgz`);
  t.equal(retry.status, 502, 'the retry gets the mismatch as a 502');
  t.match(await errorOf(retry), /big@1\.0\.0.*expected sha512-/);
});

t.test('offline mode never contacts an upstream', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'kept', versions: { '1.0.0': {}, '1.1.0': {} } }, { name: 'fresh', versions: { '1.0.0': {} } }] });
  t.teardown(() => registry.stop());
  const online = await startTestLarder({ npmUpstream: registry.url });
  await warm(online);
  await online.daemon.close();
  const offline = await startTestLarder({ npmUpstream: registry.url, dataDir: online.dataDir, config: { offline: true } });
  t.teardown(async () => {
    await offline.stop();
    await online.stop();
  });
  registry.clearRequests();
  const doc = await fetch(`${offline.npm()}kept`, { headers: ABBREVIATED });
  t.equal(doc.status, 200);
  await doc.arrayBuffer();
  const tarball = await fetch(`${offline.npm()}kept/-/kept-1.0.0.tgz`);
  t.equal(tarball.status, 200);
  await tarball.arrayBuffer();
  const missing = await fetch(`${offline.npm()}fresh`);
  t.equal(missing.status, 404, 'a 404: the client fails at once instead of retrying');
  t.match(await errorOf(missing), /offline/);
  const search = await fetch(`${offline.npm()}-/v1/search?text=x`);
  t.equal(search.status, 404);
  await search.arrayBuffer();
  const notRetained = await fetch(`${offline.npm()}kept/-/kept-1.1.0.tgz`);
  t.equal(notRetained.status, 404, 'a tarball that is not retained');
  t.match(await errorOf(notRetained), /offline and kept@1\.1\.0 \(kept-1\.1\.0\.tgz\) was never retained/);
  t.equal(registry.requests.length, 0, 'no upstream request at all');
});

t.test('an upstream that never answers: 504 within the headers timeout, naming the upstream', async (t) => {
  const { registry, larder } = await setup(t, { config: { upstream: { headersTimeout: '1s', retries: 0 } } });
  registry.fault = { kind: 'hang' };
  const started = Date.now();
  const res = await fetch(`${larder.npm()}fresh`);
  t.equal(res.status, 504);
  const message = await errorOf(res);
  t.match(message, new RegExp(`127\\.0\\.0\\.1:${registry.port}`));
  t.match(message, /tim/i, 'says it timed out');
  t.ok(Date.now() - started < 4000, `bounded: ${Date.now() - started} ms`);
});

t.test('a DNS failure fails fast with a message naming the host', async (t) => {
  const larder = await startTestLarder({ npmUpstream: 'http://registry.larder-test.invalid/' });
  t.teardown(() => larder.stop());
  const started = Date.now();
  const res = await fetch(`${larder.npm()}anything`);
  t.equal(res.status, 502);
  const message = await errorOf(res);
  t.match(message, /registry\.larder-test\.invalid/);
  t.match(message, /DNS|ENOTFOUND|resolve/i);
  t.ok(Date.now() - started < 5000, 'bounded');
});
