// npm read-through: packuments (full and abbreviated), scoped spellings, tarballs retained on
// first fetch and served locally after, ping, pass-through, request logs and x-cache.
import t from 'tap';
import { createHash } from 'node:crypto';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { requestLines, startTestLarder } from '../helpers/larder.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

interface Doc {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, { dist: { tarball: string; integrity: string; shasum: string }; readme?: string; scripts?: unknown }>;
  readme?: string;
  time?: Record<string, string>;
  modified?: string;
}

t.test('packuments and tarballs through larder', async (t) => {
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': { scripts: { test: 'x' } }, '2.0.0-beta.1': {} }, distTags: { latest: '1.1.0', next: '2.0.0-beta.1', legacy: '1.0.0' } },
      { name: '@acme/util', versions: { '2.0.0': { dependencies: { 'left-pad': '^1.0.0' } } } },
    ],
  });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });

  await t.test('full packument: tarball rewritten, digests and dist-tags untouched', async (t) => {
    const res = await fetch(`${larder.npm()}left-pad`);
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type'), /^application\/json/);
    t.equal(res.headers.get('vary'), 'Accept, npm-command');
    t.equal(res.headers.get('x-cache'), 'miss');
    const doc = (await res.json()) as Doc;
    const upstream = (await (await fetch(`${registry.url}left-pad`)).json()) as Doc;
    t.same(doc['dist-tags'], upstream['dist-tags'], 'every dist-tag passed through exactly');
    t.same(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0', '2.0.0-beta.1']);
    for (const [version, manifest] of Object.entries(doc.versions)) {
      t.equal(manifest.dist.tarball, `${larder.npm()}left-pad/-/left-pad-${version}.tgz`);
      t.equal(manifest.dist.integrity, upstream.versions[version]?.dist.integrity);
      t.equal(manifest.dist.shasum, upstream.versions[version]?.dist.shasum);
    }
    t.ok(doc.time?.modified, 'full document keeps time');
    const again = await fetch(`${larder.npm()}left-pad`);
    t.equal(again.headers.get('x-cache'), 'hit');
    const etag = again.headers.get('etag') ?? '';
    await again.arrayBuffer();
    const unchanged = await fetch(`${larder.npm()}left-pad`, { headers: { 'if-none-match': etag } });
    t.equal(unchanged.status, 304, 'clients can revalidate against larder');
  });

  await t.test('abbreviated packument is cached separately and has the install fields only', async (t) => {
    const before = registry.count('/left-pad');
    const res = await fetch(`${larder.npm()}left-pad`, { headers: { accept: `${ABBREVIATED}; q=1.0, application/json; q=0.8, */*` } });
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type'), /^application\/vnd\.npm\.install-v1\+json/);
    t.equal(res.headers.get('x-cache'), 'miss', 'not served from the full document cache');
    t.equal(registry.count('/left-pad'), before + 1);
    const last = registry.requests.at(-1);
    t.match(String(last?.headers.accept), /application\/vnd\.npm\.install-v1\+json/, 'asked upstream for the abbreviated form');
    const doc = (await res.json()) as Doc;
    t.notOk(doc.readme, 'no readme in the abbreviated form');
    t.notOk(doc.versions['1.1.0']?.scripts, 'no scripts in the abbreviated form');
    t.ok(doc.modified);
    t.equal(doc['dist-tags'].next, '2.0.0-beta.1');
  });

  await t.test('scoped names in all three spellings', async (t) => {
    for (const spelling of ['@acme%2futil', '@acme%2Futil', '@acme/util']) {
      const res = await fetch(`${larder.npm()}${spelling}`);
      t.equal(res.status, 200, spelling);
      const doc = (await res.json()) as Doc;
      t.equal(doc.name, '@acme/util', spelling);
      t.equal(doc.versions['2.0.0']?.dist.tarball, `${larder.npm()}@acme/util/-/util-2.0.0.tgz`);
    }
  });

  await t.test('tarball: first fetch from upstream and verified, then served locally', async (t) => {
    const expected = await registry.tarball('@acme/util', '2.0.0');
    const before = registry.count((r) => r.path.endsWith('.tgz'));
    const packumentsBefore = registry.count((r) => !r.path.endsWith('.tgz'));
    const first = await fetch(`${larder.npm()}@acme/util/-/util-2.0.0.tgz`);
    t.equal(first.status, 200);
    t.equal(first.headers.get('x-cache'), 'miss');
    t.equal(first.headers.get('content-type'), 'application/octet-stream');
    const body = Buffer.from(await first.arrayBuffer());
    t.ok(body.equals(expected.bytes), 'bytes identical to upstream');
    t.equal(`sha512-${createHash('sha512').update(body).digest('base64')}`, expected.integrity);
    await larder.daemon.settle();

    for (const path of ['@acme/util/-/util-2.0.0.tgz', '@acme%2futil/-/util-2.0.0.tgz']) {
      const warm = await fetch(`${larder.npm()}${path}`);
      t.equal(warm.status, 200, path);
      t.equal(warm.headers.get('x-cache'), 'hit', path);
      t.equal(warm.headers.get('content-length'), String(expected.bytes.length));
      t.ok(Buffer.from(await warm.arrayBuffer()).equals(expected.bytes));
    }
    t.equal(registry.count((r) => r.path.endsWith('.tgz')), before + 1, 'exactly one upstream tarball request');
    t.equal(registry.count((r) => !r.path.endsWith('.tgz')), packumentsBefore, 'the digest came from the cached full document: no packument request');
  });

  await t.test('HEAD of a retained tarball', async (t) => {
    const res = await fetch(`${larder.npm()}@acme/util/-/util-2.0.0.tgz`, { method: 'HEAD' });
    t.equal(res.status, 200);
    t.ok(Number(res.headers.get('content-length')) > 0);
  });

  await t.test('version endpoint resolves tags and exact versions', async (t) => {
    const latest = (await (await fetch(`${larder.npm()}left-pad/latest`)).json()) as { version: string };
    t.equal(latest.version, '1.1.0');
    const exact = (await (await fetch(`${larder.npm()}left-pad/1.0.0`)).json()) as { version: string };
    t.equal(exact.version, '1.0.0');
    const missing = await fetch(`${larder.npm()}left-pad/9.9.9`);
    t.equal(missing.status, 404);
    t.match(((await missing.json()) as { error: string }).error, /left-pad.*9\.9\.9/);
  });

  await t.test('ping is answered locally', async (t) => {
    const before = registry.requests.length;
    const res = await fetch(`${larder.npm()}-/ping`);
    t.equal(res.status, 200);
    t.same(await res.json(), {});
    t.equal(registry.requests.length, before, 'no upstream request');
  });

  await t.test('search passes through to the external connection', async (t) => {
    const res = await fetch(`${larder.npm()}-/v1/search?text=left&size=5`, { headers: { authorization: 'Bearer secret', cookie: 'a=b' } });
    t.equal(res.status, 200);
    t.equal(res.headers.get('x-cache'), 'bypass');
    const body = (await res.json()) as { objects: unknown[] };
    t.ok(Array.isArray(body.objects));
    const seen = registry.requests.at(-1);
    t.equal(seen?.path, '/-/v1/search?text=left&size=5');
    t.notOk(seen?.headers.authorization, 'credentials are not forwarded');
    t.notOk(seen?.headers.cookie);
  });

  await t.test('one log line per request with the facts, and x-cache', async (t) => {
    const lines = requestLines(larder.logs).filter((line) => String(line.url).includes('util-2.0.0.tgz'));
    t.ok(lines.length >= 3);
    const first = lines[0];
    t.match(first, { method: 'GET', repository: 'default', format: 'npm', package: '@acme/util', version: '2.0.0', status: 200, cache: 'miss' });
    t.type(first?.bytes, 'number');
    t.ok(Number(first?.bytes) > 0);
    t.type(first?.ms, 'number');
    t.equal(lines[1]?.cache, 'hit');
  });
});

t.test('passthrough with the upstream down answers 502 naming it', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(() => larder.stop());
  await registry.stop();
  const res = await fetch(`${larder.npm()}-/v1/search?text=x`);
  t.equal(res.status, 502);
  const body = (await res.json()) as { error: string };
  t.match(body.error, new RegExp(`127\\.0\\.0\\.1:${registry.port}`));
  const ping = await fetch(`${larder.npm()}-/ping`);
  t.equal(ping.status, 200, 'still serving');
});

t.test('pass-through forwards reads and audits, never logins or other writes', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const audit = await fetch(`${larder.npm()}-/npm/v1/security/advisories/bulk`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  t.equal(audit.status, 200, 'audit is forwarded');
  await audit.arrayBuffer();
  const before = registry.requests.length;
  const login = await fetch(`${larder.npm()}-/user/org.couchdb.user:alice`, { method: 'PUT', body: '{"password":"secret"}' });
  t.equal(login.status, 405);
  t.match(((await login.json()) as { error: string }).error, /never credentials/);
  t.equal(registry.requests.length, before, 'the login never reached the upstream');
});

t.test('Range requests on a stored tarball; Last-Modified and ETag', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'ranged', versions: { '1.0.0': { tarballSize: 50_000 } } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  const url = `${larder.npm()}ranged/-/ranged-1.0.0.tgz`;
  const whole = (await registry.tarball('ranged', '1.0.0')).bytes;
  await (await fetch(`${larder.npm()}ranged`)).arrayBuffer();
  const first = await fetch(url, { headers: { range: 'bytes=0-9' } });
  t.equal(first.status, 200, 'a body still arriving from upstream is sent whole');
  await first.arrayBuffer();
  await larder.daemon.settle();

  const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
  t.equal(part.status, 206);
  t.equal(part.headers.get('content-range'), `bytes 100-199/${whole.length}`);
  t.ok(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 200)));
  const suffix = await fetch(url, { headers: { range: 'bytes=-10' } });
  t.equal(suffix.status, 206);
  t.ok(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(whole.length - 10)));
  const open = await fetch(url, { headers: { range: `bytes=${whole.length - 5}-` } });
  t.ok(Buffer.from(await open.arrayBuffer()).equals(whole.subarray(whole.length - 5)));
  const beyond = await fetch(url, { headers: { range: `bytes=${whole.length}-` } });
  t.equal(beyond.status, 416);
  t.equal(beyond.headers.get('content-range'), `bytes */${whole.length}`);
  await beyond.arrayBuffer();

  const plain = await fetch(url);
  t.equal(plain.headers.get('accept-ranges'), 'bytes');
  t.ok(Date.parse(plain.headers.get('last-modified') ?? '') > 0, 'Last-Modified set');
  const etag = plain.headers.get('etag') ?? '';
  await plain.arrayBuffer();
  const revalidated = await fetch(url, { headers: { 'if-none-match': etag } });
  t.equal(revalidated.status, 304);
});
