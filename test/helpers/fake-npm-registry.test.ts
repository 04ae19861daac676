import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { startFakeNpmRegistry, type FakeNpmRegistryOptions } from './fake-npm-registry.js';
import { gunzipTar, readTarballPackageJson } from './tarball.js';

const NPM_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

const PACKAGES: FakeNpmRegistryOptions['packages'] = [
  { name: 'left-pad', versions: { '1.0.0': { dependencies: {} }, '1.1.0': {} }, distTags: { latest: '1.1.0', next: '2.0.0-beta.1' } },
  { name: '@acme/util', versions: { '2.0.0': { dependencies: { 'left-pad': '^1.0.0' }, scripts: { test: 'true' } } } },
];

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

type Json = Record<string, unknown>;

/** A registry plus an undici Agent of its own, both closed when the test ends. */
async function setup(t: Test, options: FakeNpmRegistryOptions = {}) {
  const registry = await startFakeNpmRegistry({ packages: PACKAGES, ...options });
  const agent = new Agent();
  t.teardown(async () => {
    await registry.stop();
    await agent.close();
  });
  const get = async (path: string, headers: Record<string, string> = {}, method: Dispatcher.HttpMethod = 'GET'): Promise<Got> => {
    const res = await request(new URL(path, registry.url), { method, headers, dispatcher: agent });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body };
  };
  const getJson = async (path: string, headers: Record<string, string> = {}): Promise<Json> => {
    const res = await get(path, headers);
    t.equal(res.status, 200, `GET ${path}`);
    return JSON.parse(res.body.toString('utf8')) as Json;
  };
  return { registry, agent, get, getJson };
}

/** Body bytes node:http delivered before the response failed, and how it failed. */
function partialBody(url: string): Promise<{ received: number; declared: number; error: string }> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let declared = NaN;
    // A reset surfaces on the request, a premature close on the response; the first one counts.
    const failed = (error: Error & { code?: string }): void => resolve({ received, declared, error: error.code ?? error.message });
    httpGet(url, (res) => {
      declared = Number(res.headers['content-length']);
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('error', failed);
      res.on('end', () => reject(new Error(`complete body of ${received} bytes`)));
    }).on('error', failed);
  });
}

function field(doc: unknown, ...keys: string[]): unknown {
  let value = doc;
  for (const key of keys) value = (value as Json | undefined)?.[key];
  return value;
}

t.test('full packument has the real registry fields', async (t) => {
  const { registry, get } = await setup(t);
  const res = await get('/left-pad');
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const doc = JSON.parse(res.body.toString('utf8')) as Json;
  t.equal(doc._id, 'left-pad');
  t.equal(doc.name, 'left-pad');
  t.same(doc['dist-tags'], { latest: '1.1.0', next: '2.0.0-beta.1' });
  t.same(Object.keys(doc.versions as Json), ['1.0.0', '1.1.0']);
  t.type(doc.readme, 'string');
  const v = field(doc, 'versions', '1.0.0') as Json;
  t.equal(v.name, 'left-pad');
  t.equal(v.version, '1.0.0');
  t.equal(v._id, 'left-pad@1.0.0');
  t.same(v.dependencies, {});
  t.type(v.description, 'string');
  t.equal(field(v, 'dist', 'tarball'), `${registry.url}left-pad/-/left-pad-1.0.0.tgz`);
  t.match(field(v, 'dist', 'integrity'), /^sha512-[A-Za-z0-9+/]{86}==$/);
  t.match(field(v, 'dist', 'shasum'), /^[0-9a-f]{40}$/);
  t.equal(field(v, 'dist', 'fileCount'), 2);
  t.type(field(v, 'dist', 'unpackedSize'), 'number');
  const time = doc.time as Record<string, string>;
  for (const key of ['created', 'modified', '1.0.0', '1.1.0']) t.ok(!Number.isNaN(Date.parse(time[key] ?? '')), `time.${key}`);
  t.same(field(await registry.document('@acme/util'), 'versions', '2.0.0', 'scripts'), { test: 'true' });
});

t.test('abbreviated packument when Accept asks for it, unless ignoreAbbreviatedAccept', async (t) => {
  const { get } = await setup(t);
  const res = await get('/left-pad', { accept: NPM_ACCEPT });
  t.equal(res.headers['content-type'], 'application/vnd.npm.install-v1+json');
  t.equal(res.headers.vary, 'Accept');
  const doc = JSON.parse(res.body.toString('utf8')) as Json;
  t.same(Object.keys(doc).sort(), ['dist-tags', 'modified', 'name', 'versions']);
  const v = field(doc, 'versions', '1.1.0') as Json;
  t.equal(v._id, undefined, 'no _id in abbreviated versions');
  t.equal(v.description, undefined, 'no description in abbreviated versions');
  t.same(v.dependencies, {});
  t.match(field(v, 'dist', 'integrity'), /^sha512-/);
  const scripted = JSON.parse((await get('/@acme/util', { accept: NPM_ACCEPT })).body.toString('utf8')) as Json;
  t.equal(field(scripted, 'versions', '2.0.0', 'scripts'), undefined, 'scripts are not install fields');

  const full = await setup(t, { ignoreAbbreviatedAccept: true });
  const ignored = await full.get('/left-pad', { accept: NPM_ACCEPT });
  t.match(ignored.headers['content-type'], /^application\/json/);
  t.equal((JSON.parse(ignored.body.toString('utf8')) as Json)._id, 'left-pad');
});

t.test('scoped names in every spelling, manifests, 404s', async (t) => {
  const { registry, get, getJson } = await setup(t);
  const spellings = ['/@acme%2futil', '/@acme%2Futil', '/@acme/util', '/%40acme%2Futil'];
  const bodies = await Promise.all(spellings.map((path) => get(path)));
  for (const [i, res] of bodies.entries()) {
    const spelling = String(spellings[i]);
    t.equal(res.status, 200, spelling);
    t.same(res.body, bodies[0]?.body, `${spelling} serves the same document`);
  }
  const doc = JSON.parse(bodies[0]?.body.toString('utf8') ?? '') as Json;
  t.equal(field(doc, 'versions', '2.0.0', 'dist', 'tarball'), `${registry.url}@acme/util/-/util-2.0.0.tgz`);
  t.same(field(doc, 'versions', '2.0.0', 'dependencies'), { 'left-pad': '^1.0.0' });
  t.equal((await getJson('/left-pad/latest')).version, '1.1.0');
  t.equal((await getJson('/@acme%2futil/2.0.0'))._id, '@acme/util@2.0.0');
  for (const path of ['/nope', '/@acme/nope', '/left-pad/9.9.9', '/left-pad/-/left-pad-9.9.9.tgz', '/left-pad/-/other-1.0.0.tgz', '/-/whoami']) {
    t.equal((await get(path)).status, 404, `${path} is 404`);
  }
  t.equal((await get('/%E0%A4%A', {})).status, 400, 'malformed escapes are 400');
  t.equal((await get('/left-pad', {}, 'PUT')).status, 405);
});

t.test('ETag and Last-Modified with 304s, changing when upstream changes', async (t) => {
  const { registry, get } = await setup(t);
  const first = await get('/left-pad');
  const etag = String(first.headers.etag);
  const lastModified = String(first.headers['last-modified']);
  t.match(etag, /^"[0-9a-f]{40}"$/, 'strong ETag');
  t.ok(!Number.isNaN(Date.parse(lastModified)));
  const abbreviated = await get('/left-pad', { accept: NPM_ACCEPT });
  t.not(abbreviated.headers.etag, etag, 'each representation has its own ETag');

  const byTag = await get('/left-pad', { 'if-none-match': etag });
  t.equal(byTag.status, 304);
  t.equal(byTag.body.length, 0);
  t.equal(byTag.headers.etag, etag);
  t.equal((await get('/left-pad', { 'if-none-match': `"other", W/${etag}` })).status, 304, 'weak comparison, lists');
  t.equal((await get('/left-pad', { 'if-modified-since': lastModified })).status, 304);
  t.equal((await get('/left-pad', { 'if-none-match': '"other"', 'if-modified-since': lastModified })).status, 200, 'If-None-Match wins');

  registry.addVersion('left-pad', '1.2.0');
  const changed = await get('/left-pad', { 'if-none-match': etag });
  t.equal(changed.status, 200);
  t.not(changed.headers.etag, etag);
  t.ok(Date.parse(String(changed.headers['last-modified'])) > Date.parse(lastModified), 'Last-Modified moved on');
  t.equal((await get('/left-pad', { 'if-modified-since': lastModified })).status, 200);
  const doc = JSON.parse(changed.body.toString('utf8')) as Json;
  t.equal(field(doc, 'dist-tags', 'latest'), '1.2.0', 'a publish moves latest');
  t.equal(field(doc, 'time', 'modified'), field(doc, 'time', '1.2.0'));

  const tgz = await get('/left-pad/-/left-pad-1.0.0.tgz');
  t.equal((await get('/left-pad/-/left-pad-1.0.0.tgz', { 'if-none-match': String(tgz.headers.etag) })).status, 304);

  const bare = await setup(t, { validators: false });
  const plain = await bare.get('/left-pad');
  t.equal(plain.headers.etag, undefined);
  t.equal(plain.headers['last-modified'], undefined);
  t.equal((await bare.get('/left-pad', { 'if-none-match': '*', 'if-modified-since': new Date().toUTCString() })).status, 200);
});

t.test('HEAD answers headers only; gzip option compresses JSON for clients that accept it', async (t) => {
  const { get } = await setup(t);
  const head = await get('/left-pad', {}, 'HEAD');
  const full = await get('/left-pad');
  t.equal(head.status, 200);
  t.equal(head.body.length, 0);
  t.equal(head.headers['content-length'], String(full.body.length));
  t.equal(head.headers.etag, full.headers.etag);
  t.equal(full.headers['content-encoding'], undefined, 'no compression by default');

  const zipped = await setup(t, { gzip: true });
  const plain = await zipped.get('/left-pad');
  t.equal(plain.headers['content-encoding'], undefined, 'not without Accept-Encoding');
  const res = await zipped.get('/left-pad', { 'accept-encoding': 'gzip, deflate' });
  t.equal(res.headers['content-encoding'], 'gzip');
  t.equal(res.headers.vary, 'Accept, Accept-Encoding');
  t.same(gunzipSync(res.body), plain.body, 'same document, compressed');
  t.not(res.headers.etag, plain.headers.etag, 'each encoding has its own ETag');
  t.equal((await zipped.get('/left-pad', { 'accept-encoding': 'gzip', 'if-none-match': String(res.headers.etag) })).status, 304);
  const tgz = await zipped.get('/left-pad/-/left-pad-1.0.0.tgz', { 'accept-encoding': 'gzip' });
  t.equal(tgz.headers['content-encoding'], undefined, 'tarballs are sent as they are');
});

t.test('tarballs are real tar.gz files matching the advertised digests', async (t) => {
  const { registry, get, getJson } = await setup(t);
  for (const [name, version, path] of [
    ['left-pad', '1.0.0', '/left-pad/-/left-pad-1.0.0.tgz'],
    ['@acme/util', '2.0.0', '/@acme/util/-/util-2.0.0.tgz'],
  ] as const) {
    const doc = await getJson(`/${name.replace('/', '%2f')}`);
    const dist = field(doc, 'versions', version, 'dist') as Json;
    const res = await get(path);
    t.equal(res.status, 200);
    t.equal(res.headers['content-type'], 'application/octet-stream');
    t.equal(Number(res.headers['content-length']), res.body.length);
    t.equal(dist.integrity, `sha512-${createHash('sha512').update(res.body).digest('base64')}`, `${name} integrity`);
    t.equal(dist.shasum, createHash('sha1').update(res.body).digest('hex'), `${name} shasum`);
    const files = gunzipTar(res.body);
    t.same([...files.keys()], ['package/package.json', 'package/index.js']);
    t.equal(dist.fileCount, files.size);
    t.equal(dist.unpackedSize, [...files.values()].reduce((n, b) => n + b.length, 0));
    const pkg = readTarballPackageJson(res.body);
    t.equal(pkg.name, name);
    t.equal(pkg.version, version);
    t.same(pkg.dependencies, field(doc, 'versions', version, 'dependencies'));
    t.same((await registry.tarball(name, version)).bytes, res.body, 'tarball() returns the served bytes');
  }
  // GNU tar (when present) agrees that the archive is well-formed.
  const file = join(t.testdir(), 'x.tgz');
  await writeFile(file, (await registry.tarball('left-pad', '1.1.0')).bytes);
  const listing = await promisify(execFile)('tar', ['-tzf', file]).catch((error: unknown) => ({ stdout: '', error }));
  if ('error' in listing) t.comment(`tar not usable here, skipped: ${String(listing.error)}`);
  else t.same(listing.stdout.trim().split('\n'), ['package/package.json', 'package/index.js']);
});

t.test('tarballSize makes large, incompressible artifacts', async (t) => {
  const size = 5 * 1024 * 1024;
  const { get } = await setup(t, { tarballSize: size });
  const res = await get('/left-pad/-/left-pad-1.0.0.tgz');
  t.ok(Math.abs(res.body.length - size) < size * 0.01, `served ${res.body.length} bytes, asked ${size}`);
  t.equal(readTarballPackageJson(res.body).version, '1.0.0');
  const doc = JSON.parse((await get('/left-pad')).body.toString('utf8')) as Json;
  t.equal(field(doc, 'versions', '1.0.0', 'dist', 'integrity'), `sha512-${createHash('sha512').update(res.body).digest('base64')}`);
});

t.test('unpublish and dist-tag changes', async (t) => {
  const { registry, get, getJson } = await setup(t);
  const before = await getJson('/left-pad');
  registry.removeVersion('left-pad', '1.1.0');
  const after = await getJson('/left-pad');
  t.same(Object.keys(after.versions as Json), ['1.0.0']);
  t.equal(field(after, 'dist-tags', 'latest'), '1.0.0', 'latest falls back');
  t.ok(String(field(after, 'time', 'modified')) > String(field(before, 'time', 'modified')));
  t.equal((await get('/left-pad/-/left-pad-1.1.0.tgz')).status, 404);
  registry.setDistTag('left-pad', 'beta', '1.0.0');
  registry.setDistTag('left-pad', 'next', undefined);
  t.same((await getJson('/left-pad'))['dist-tags'], { latest: '1.0.0', beta: '1.0.0' });
  registry.addVersion('brand-new', '0.1.0', { dependencies: { 'left-pad': '1' } }, { tag: 'next' });
  t.same((await getJson('/brand-new'))['dist-tags'], { next: '0.1.0' });
  registry.removePackage('brand-new');
  t.equal((await get('/brand-new')).status, 404);
});

t.test('ping, search and audit endpoints are served and counted', async (t) => {
  const { registry, get, getJson } = await setup(t);
  t.same(await getJson('/-/ping'), {});
  const found = await getJson('/-/v1/search?text=pad&size=5');
  t.equal(found.total, 1);
  t.equal(field(found, 'objects', '0', 'package', 'name'), 'left-pad');
  t.equal(field(found, 'objects', '0', 'package', 'version'), '1.1.0');
  t.type(field(found, 'objects', '0', 'score', 'final'), 'number');
  const audit = await get('/-/npm/v1/security/advisories/bulk', {}, 'POST');
  t.equal(audit.status, 200);
  t.equal(audit.body.toString(), '{}');
  t.equal(registry.count(), 3);
  t.equal(registry.count('/-/v1/search'), 1);
  t.equal(registry.count((r) => r.method === 'POST'), 1);
  t.equal(registry.requests[0]?.status, 200);
  t.equal(registry.requests[2]?.path, '/-/npm/v1/security/advisories/bulk');
  registry.clearRequests();
  t.equal(registry.count(), 0);
});

t.test('faults: down, status, slow, times and match', async (t) => {
  const { registry, get } = await setup(t);
  registry.fault = { kind: 'down' };
  await t.rejects(get('/left-pad'), 'down: the connection closes without a response');
  t.equal(registry.requests.at(-1)?.fault, 'down');

  registry.fault = { kind: 'status', status: 503, headers: { 'retry-after': '1' } };
  const unavailable = await get('/left-pad');
  t.equal(unavailable.status, 503);
  t.equal(unavailable.headers['retry-after'], '1');

  registry.fault = { kind: 'slow', delayMs: 300 };
  const started = Date.now();
  t.equal((await get('/left-pad')).status, 200);
  t.ok(Date.now() - started >= 280, 'slow: headers waited for the delay');

  registry.fault = { kind: 'status', status: 500, times: 1 };
  t.equal((await get('/left-pad')).status, 500);
  t.equal(registry.fault, undefined, 'switched itself off');
  t.equal((await get('/left-pad')).status, 200);

  registry.fault = { kind: 'status', status: 502, match: '/@acme' };
  t.equal((await get('/left-pad')).status, 200, 'not matched');
  t.equal((await get('/@acme%2futil')).status, 502, 'matched by prefix');
  registry.fault = { kind: 'status', status: 502, match: /\.tgz$/ };
  t.equal((await get('/@acme/util')).status, 200);
  t.equal((await get('/@acme/util/-/util-2.0.0.tgz')).status, 502);
  registry.fault = undefined;
  t.equal(registry.count((r) => r.fault !== undefined), 6);
});

t.test('faults: reset, truncate and wrong digest damage the body', async (t) => {
  const { registry, get } = await setup(t, { tarballSize: 256 * 1024 });
  const path = '/left-pad/-/left-pad-1.0.0.tgz';
  const good = await registry.tarball('left-pad', '1.0.0');

  registry.fault = { kind: 'reset', afterBytes: 1000 };
  await t.rejects(get(path), 'reset: the body fails mid-way');
  t.equal(registry.requests.at(-1)?.status, 200, 'headers were sent before the reset');

  registry.fault = { kind: 'reset', afterBytes: 1000 };
  const reset = await partialBody(`${registry.url}${path.slice(1)}`);
  t.same(reset, { received: 1000, declared: good.bytes.length, error: 'ECONNRESET' }, 'exactly afterBytes, then the reset');

  registry.fault = { kind: 'truncate' };
  await t.rejects(get(path), 'truncate: fewer bytes than Content-Length');
  registry.fault = { kind: 'truncate' };
  const cut = await partialBody(`${registry.url}${path.slice(1)}`);
  t.equal(cut.received, Math.floor(good.bytes.length / 2), 'half the body by default');
  t.equal(cut.declared, good.bytes.length, 'the full length was advertised');
  registry.fault = { kind: 'truncate', afterBytes: 10 };
  await t.rejects(get('/left-pad'), 'truncate applies to packuments too');

  registry.fault = { kind: 'wrong-digest', times: 1 };
  t.equal((await get('/left-pad')).status, 200, 'packuments do not use up a wrong-digest fault');
  const bad = await get(path);
  t.equal(bad.status, 200);
  t.not(`sha512-${createHash('sha512').update(bad.body).digest('base64')}`, good.integrity, 'digest mismatch');
  t.equal(readTarballPackageJson(bad.body).version, '1.0.0', 'still a valid tarball of the same version');
  t.equal(registry.fault, undefined);
  t.same((await get(path)).body, good.bytes, 'the real bytes again once the fault is off');
});

t.test('faults: hang, with and without bytes; stop() ends hung sockets', async (t) => {
  const { registry, agent } = await setup(t);
  registry.fault = { kind: 'hang' };
  const noHeaders = request(new URL('/left-pad', registry.url), { dispatcher: agent, signal: AbortSignal.timeout(300) });
  await t.rejects(noHeaders, { name: 'TimeoutError' }, 'hang: no headers ever');
  t.equal(registry.requests.at(-1)?.status, undefined, 'nothing was answered');

  registry.fault = { kind: 'hang', afterBytes: 5 };
  const res = await request(new URL('/left-pad', registry.url), { dispatcher: agent, bodyTimeout: 60_000 });
  t.equal(res.statusCode, 200, 'headers arrive');
  const body = res.body.arrayBuffer();
  body.catch(() => undefined); // observed below; avoids an unhandled rejection meanwhile
  const raced = await Promise.race([body.then(() => 'done'), new Promise((resolve) => setTimeout(resolve, 200, 'stalled'))]);
  t.equal(raced, 'stalled', 'the body stalls');
  await registry.stop();
  await t.rejects(body, 'stop() destroys the hung socket');
});

t.test('stop() refuses connections; start() comes back on the same port', async (t) => {
  const { registry, get } = await setup(t);
  const { url, port } = registry;
  t.equal((await get('/-/ping')).status, 200);
  await registry.stop();
  t.notOk(registry.listening);
  await t.rejects(get('/-/ping'), { code: 'ECONNREFUSED' });
  await registry.stop(); // idempotent
  await registry.start();
  t.equal(registry.port, port);
  t.equal(registry.url, url);
  t.equal((await get('/left-pad')).status, 200);
  t.equal(registry.count('/-/ping'), 1, 'refused connections are not requests');
});
