// Concurrent misses share one upstream fetch; a client that hangs up does not abort the fill.
import t from 'tap';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';

t.test('N concurrent misses give one upstream request', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'popular', versions: { '1.0.0': { tarballSize: 200_000 } } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  registry.fault = { kind: 'slow', delayMs: 200 };
  const docs = await Promise.all(Array.from({ length: 10 }, () => fetch(`${larder.npm()}popular`).then((res) => res.json() as Promise<{ name: string }>)));
  t.ok(docs.every((doc) => doc.name === 'popular'));
  t.equal(registry.count('/popular'), 1, '10 packument misses, 1 upstream request');

  const expected = (await registry.tarball('popular', '1.0.0')).bytes;
  const bodies = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const res = await fetch(`${larder.npm()}popular/-/popular-1.0.0.tgz`);
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    }),
  );
  t.ok(bodies.every((b) => b.status === 200 && b.body.equals(expected)), 'every client got the whole verified tarball');
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 1, '10 tarball misses, 1 upstream request');
});

t.test('a client hanging up mid-download does not abort the fill', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'large', versions: { '1.0.0': { tarballSize: 4 * 1024 * 1024 } } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  await (await fetch(`${larder.npm()}large`)).arrayBuffer();
  await new Promise<void>((resolve, reject) => {
    const req = request(`${larder.npm()}large/-/large-1.0.0.tgz`, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
    req.end();
  });
  await sleep(50);
  await larder.daemon.settle();
  const before = registry.count((r) => r.path.endsWith('.tgz'));
  const res = await fetch(`${larder.npm()}large/-/large-1.0.0.tgz`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('x-cache'), 'hit', 'the abandoned fill landed in the store');
  t.ok(Buffer.from(await res.arrayBuffer()).equals((await registry.tarball('large', '1.0.0')).bytes));
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), before);
  t.ok(larder.logs.some((line) => line.aborted === true && line.level === 30), 'the hang-up is logged at info');
  t.same(larder.logs.filter((line) => line.level >= 50), [], 'and nothing is logged as an error');
});
