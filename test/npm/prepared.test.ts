// Warm packuments come from prepared answers (issue 6), and are never stale for it: a status
// change, a newly retained version, a reload or the end of the metadata TTL shows at once.
import { request } from 'node:http';
import t from 'tap';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';

const ABBREVIATED = { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' };

function getWithHost(url: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...ABBREVIATED, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Doc {
  versions: Record<string, { dist: { tarball: string } }>;
  'dist-tags': Record<string, string>;
}

t.test('a warm packument is answered ready, and drops the moment its inputs change', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'hot', versions: { '1.0.0': {}, '1.1.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', metadataTtl: { npm: '10m' } } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const get = async (headers: Record<string, string> = ABBREVIATED) => {
    const res = await fetch(`${larder.npm()}hot`, { headers });
    return { res, doc: (await res.json()) as Doc };
  };
  const packumentRequests = (): number => registry.count((r) => r.path === '/hot');

  const cold = await get();
  t.equal(cold.res.headers.get('x-cache'), 'miss');
  const warm = await get();
  t.equal(warm.res.headers.get('x-cache'), 'hit');
  t.equal(warm.res.headers.get('etag'), cold.res.headers.get('etag'), 'the same bytes: the same ETag');
  t.same(warm.doc, cold.doc);
  for (let i = 0; i < 20; i += 1) await get();
  t.equal(packumentRequests(), 1, 'one upstream request for 22 answers');
  const revalidated = await fetch(`${larder.npm()}hot`, { headers: { ...ABBREVIATED, 'if-none-match': warm.res.headers.get('etag') ?? '' } });
  t.equal(revalidated.status, 304, 'a client revalidating a prepared answer gets 304');

  // fetch will not send another Host; node:http will (as a client using another name for larder does).
  const elsewhereDoc = JSON.parse(await getWithHost(`${larder.npm()}hot`, `localhost:${new URL(larder.url).port}`)) as Doc;
  t.match(elsewhereDoc.versions['1.0.0']?.dist.tarball, /^http:\/\/localhost:\d+\//, 'another Host gets its own tarball URLs, not the prepared ones');

  // A version retained while the upstream lists it no longer: it must appear at once.
  await (await fetch(`${larder.npm()}hot/-/hot-1.1.0.tgz`)).arrayBuffer();
  await larder.daemon.settle();
  registry.removeVersion('hot', '1.1.0');
  const status = await fetch(`${larder.url}/-/api/versions/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repository: 'default', format: 'npm', package: 'hot', versions: ['1.1.0'], targetStatus: 'Archived' }),
  });
  t.equal(status.status, 200);
  const afterStatus = await get();
  t.not(afterStatus.res.headers.get('etag'), warm.res.headers.get('etag'), 'a status change makes a new answer at once');
  t.notOk('1.1.0' in afterStatus.doc.versions, 'the Archived version is gone without waiting for the TTL');
  t.equal(packumentRequests(), 1, 'still no upstream request: the cached upstream copy is fresh');
});

t.test('past the metadata TTL, the next request asks the upstream again', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'ttl', versions: { '1.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', metadataTtl: { npm: '300ms' } } } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const versions = async (): Promise<string[]> => Object.keys(((await (await fetch(`${larder.npm()}ttl`, { headers: ABBREVIATED })).json()) as Doc).versions);
  t.same(await versions(), ['1.0.0']);
  t.same(await versions(), ['1.0.0']);
  registry.addVersion('ttl', '2.0.0');
  t.same(await versions(), ['1.0.0'], 'within the TTL: the prepared answer');
  await new Promise((resolve) => setTimeout(resolve, 350));
  t.same((await versions()).sort(), ['1.0.0', '2.0.0'], 'past it: the upstream is asked and its new version shows');
});
