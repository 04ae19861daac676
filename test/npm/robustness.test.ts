// What one bad actor must not do to everyone else: a stalled client, a probe that gets an odd
// answer, a failing store, a document pointing at another host.
import t from 'tap';
import { request } from 'node:http';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';

t.test('a client that stops reading does not hold the fill or other clients hostage', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'huge', versions: { '1.0.0': { tarballSize: 16 * 1024 * 1024 } } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', ingestionDeadline: '3s' } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  await (await fetch(`${larder.npm()}huge`)).arrayBuffer();
  // Read the headers and one chunk, then stop reading while keeping the connection open.
  const stalled = await new Promise<{ destroy: () => void }>((resolve, reject) => {
    const req = request(`${larder.npm()}huge/-/huge-1.0.0.tgz`, (res) => {
      res.once('data', () => {
        res.pause();
        resolve({ destroy: () => req.destroy() });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end();
  });
  t.teardown(() => stalled.destroy());
  const started = Date.now();
  const other = await fetch(`${larder.npm()}huge/-/huge-1.0.0.tgz`);
  t.equal(other.status, 200, 'another client is served, not told to come back later');
  const body = Buffer.from(await other.arrayBuffer());
  t.ok(body.equals((await registry.tarball('huge', '1.0.0')).bytes), 'with the whole verified tarball');
  t.ok(Date.now() - started < 3000, `within the deadline (${Date.now() - started} ms)`);
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 1, 'one upstream fetch');
  t.ok(larder.logs.some((line) => line.msg.includes('cut loose')), 'the stalled client was cut loose and it was logged');
});

t.test('a probe answered with a 4xx closes the breaker instead of wedging it', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'a', versions: { '1.0.0': {} } }, { name: 'b', versions: { '1.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { upstream: { breakerThreshold: 3, breakerCooldown: '300ms' } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  registry.fault = { kind: 'status', status: 503, times: 3 };
  for (let i = 0; i < 3; i += 1) await (await fetch(`${larder.npm()}a`)).arrayBuffer();
  const refused = await fetch(`${larder.npm()}a`);
  t.equal(refused.status, 503, 'open');
  await refused.arrayBuffer();
  await sleep(350);
  registry.fault = { kind: 'status', status: 403, times: 1 };
  const probe = await fetch(`${larder.npm()}a`);
  t.equal(probe.status, 502, 'the probe went through and got the 403');
  await probe.arrayBuffer();
  const after = await fetch(`${larder.npm()}b`);
  t.equal(after.status, 200, 'the next request is not refused by the breaker');
  await after.arrayBuffer();
});

t.test('a store that fails mid-fill still serves the client, and retains nothing', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'dep', versions: { '1.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  await (await fetch(`${larder.npm()}dep`)).arrayBuffer();
  // cacache writes every blob into blobs-v1/tmp first: a file in its place breaks every write.
  const tmp = join(larder.dataDir, 'blobs-v1', 'tmp');
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(larder.dataDir, 'blobs-v1'), { recursive: true });
  await writeFile(tmp, 'not a directory');
  const res = await fetch(`${larder.npm()}dep/-/dep-1.0.0.tgz`);
  t.equal(res.status, 200, 'the client is served');
  t.ok(Buffer.from(await res.arrayBuffer()).equals((await registry.tarball('dep', '1.0.0')).bytes));
  await larder.daemon.settle();
  t.ok(larder.logs.some((line) => line.level === 50 && line.msg.includes('store write failed')), 'the store failure is logged as an error');
  await rm(tmp, { force: true });
  const again = await fetch(`${larder.npm()}dep/-/dep-1.0.0.tgz`);
  t.equal(again.headers.get('x-cache'), 'miss', 'nothing was retained: fetched again');
  await again.arrayBuffer();
});

t.test('a dist.tarball on another host is never fetched: the connection\'s own path is', async (t) => {
  const registry = await startFakeNpmRegistry({
    packages: [{ name: 'dep', versions: { '1.0.0': {} } }],
    tarballUrl: () => 'http://attacker.larder-test.invalid/steal/dep-1.0.0.tgz',
  });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const doc = (await (await fetch(`${larder.npm()}dep`)).json()) as { versions: Record<string, { dist: { tarball: string } }> };
  t.equal(doc.versions['1.0.0']?.dist.tarball, `${larder.npm()}dep/-/dep-1.0.0.tgz`, 'clients see larder');
  const res = await fetch(`${larder.npm()}dep/-/dep-1.0.0.tgz`);
  t.equal(res.status, 200);
  await res.arrayBuffer();
  t.equal(registry.count('/dep/-/dep-1.0.0.tgz'), 1, 'fetched from the registry itself');
});
