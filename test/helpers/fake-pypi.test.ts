import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { startFakePypi, type FakePypiOptions } from './fake-pypi.js';
import { untar } from './tarball.js';
import { unzip } from './zip.js';

const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

const PROJECTS: FakePypiOptions['projects'] = [
  {
    name: 'Frob.Bar',
    versions: {
      '1.0.0': { requires: ['dep>=1.0'], requiresPython: '>=3.8', metadataFile: true, sdist: true },
      '1.1.0': { yanked: 'broken <build>' },
      '1.2.0': { yanked: true },
    },
  },
  { name: 'dep', versions: { '1.0': {} } },
];

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

type Json = Record<string, unknown>;

async function setup(t: Test, options: FakePypiOptions = {}) {
  const pypi = await startFakePypi({ projects: PROJECTS, ...options });
  const agent = new Agent();
  t.teardown(async () => {
    await pypi.stop();
    await agent.close();
  });
  const get = async (url: string, headers: Record<string, string> = {}): Promise<Got> => {
    const res = await request(new URL(url, pypi.origin), { headers, dispatcher: agent });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') };
  };
  const json = async (url: string): Promise<Json> => {
    const res = await get(url, { accept: PIP_ACCEPT });
    t.equal(res.headers['content-type'], JSON_TYPE, `JSON for ${url}`);
    return JSON.parse(res.text) as Json;
  };
  return { pypi, get, json };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Each `<a …>text</a>` of an HTML page: its attributes (entities decoded) and text. */
function anchors(html: string): { attrs: Record<string, string>; text: string }[] {
  const decode = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return [...html.matchAll(/<a ([^>]*)>([^<]*)<\/a>/g)].map((m) => ({
    attrs: Object.fromEntries([...(m[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1] ?? '', decode(a[2] ?? '')])),
    text: decode(m[2] ?? ''),
  }));
}

/** Body bytes node:http delivered before the response failed, and how it failed. */
function partialBody(url: string): Promise<{ received: number; declared: number; error: string }> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let declared = NaN;
    const failed = (error: Error & { code?: string }): void => resolve({ received, declared, error: error.code ?? error.message });
    httpGet(url, (res) => {
      declared = Number(res.headers['content-length']);
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('error', failed);
      res.on('end', () => reject(new Error(`complete body of ${received} bytes`)));
    }).on('error', failed);
  });
}

t.test('HTML project page: PEP 503 anchors with hashes, requires-python, yanked and PEP 714 metadata', async (t) => {
  const { pypi, get } = await setup(t);
  const page = await get('/simple/frob-bar/', { accept: 'text/html' });
  t.equal(page.status, 200);
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  t.equal(page.headers.vary, 'Accept');
  t.match(page.text, /^<!DOCTYPE html>/);
  t.match(page.text, /<meta name="pypi:repository-version" content="1\.1">/);
  t.match(page.text, /data-requires-python="&gt;=3\.8"/, 'entity-escaped');
  t.match(page.text, /data-yanked="broken &lt;build&gt;"/, 'reason escaped');

  const links = anchors(page.text);
  t.same(links.map((a) => a.text), [
    'frob_bar-1.0.0.tar.gz',
    'frob_bar-1.0.0-py3-none-any.whl',
    'frob_bar-1.1.0-py3-none-any.whl',
    'frob_bar-1.2.0-py3-none-any.whl',
  ]);
  const pageUrl = `${pypi.url}frob-bar/`;
  for (const { attrs, text } of links) {
    t.match(attrs.href, /^\.\.\/\.\.\/packages\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{60}\/[^/]+#sha256=[0-9a-f]{64}$/, `${text}: relative link`);
    const url = new URL(attrs.href ?? '', pageUrl);
    const file = await get(url.href);
    t.equal(sha256(file.body), url.hash.slice('#sha256='.length), `${text}: bytes match the fragment`);
    t.equal(url.pathname.endsWith(`/${text}`), true);
  }
  const [sdist, wheel, yankedWithReason, yanked] = links.map((a) => a.attrs);
  t.equal(sdist?.['data-core-metadata'], undefined, 'metadata is offered for wheels only');
  t.equal(wheel?.['data-yanked'], undefined);
  t.equal(yankedWithReason?.['data-yanked'], 'broken <build>');
  t.equal(yanked?.['data-yanked'], '', 'yanked without a reason: empty attribute');
  t.equal(yanked?.['data-requires-python'], undefined);

  const coreMetadata = wheel?.['data-core-metadata'] ?? '';
  t.match(coreMetadata, /^sha256=[0-9a-f]{64}$/);
  t.equal(wheel?.['data-dist-info-metadata'], coreMetadata, 'the PEP 658 name too');
  const metadata = await get(new URL(`${(wheel?.href ?? '').split('#')[0] ?? ''}.metadata`, pageUrl).href);
  t.equal(metadata.status, 200);
  t.equal(`sha256=${sha256(metadata.body)}`, coreMetadata, 'metadata bytes match data-core-metadata');
  const wheelFile = pypi.file('frob-bar', 'frob_bar-1.0.0-py3-none-any.whl');
  t.same(unzip(wheelFile.bytes).get('frob_bar-1.0.0.dist-info/METADATA'), metadata.body, 'the same METADATA the wheel holds');
  t.equal((await get(`${wheelFile.url.replace(/\.whl$/, '-py3-none-any.whl')}.metadata`)).status, 404);
  const noMetadata = pypi.file('frob-bar', 'frob_bar-1.1.0-py3-none-any.whl');
  t.equal((await get(`${noMetadata.url}.metadata`)).status, 404, 'no .metadata unless offered');
});

t.test('JSON project page: PEP 691 api-version 1.1 with PEP 700 fields', async (t) => {
  const { pypi, json } = await setup(t);
  const doc = await json('/simple/frob-bar/');
  t.same(doc.meta, { 'api-version': '1.1', '_last-serial': (doc.meta as Json)['_last-serial'] });
  t.equal(doc.name, 'frob-bar');
  t.same(doc.versions, ['1.0.0', '1.1.0', '1.2.0']);
  const files = doc.files as Json[];
  t.equal(files.length, 4);
  const wheel = files[1] ?? {};
  const served = pypi.file('frob-bar', 'frob_bar-1.0.0-py3-none-any.whl');
  t.equal(wheel.filename, served.filename);
  t.equal(wheel.url, `../..${served.path}`);
  t.same(wheel.hashes, { sha256: served.sha256 });
  t.equal(wheel['requires-python'], '>=3.8');
  t.equal(wheel.yanked, false);
  t.equal(wheel.size, served.bytes.length);
  t.match(wheel['upload-time'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.same(wheel['core-metadata'], { sha256: served.metadata?.sha256 });
  t.notOk('dist-info-metadata' in wheel, 'never the key that crashes old pip');
  t.equal(files[0]?.['core-metadata'], false);
  t.equal(files[2]?.yanked, 'broken <build>');
  t.equal(files[3]?.yanked, true);
  t.equal(files[3]?.['requires-python'], null);
  t.equal(JSON.stringify(doc), pypi.page('frob-bar', 'json'), 'page() renders what is served');
});

t.test('project list in both forms', async (t) => {
  const { get, json } = await setup(t);
  const html = await get('/simple/');
  t.same(anchors(html.text).map((a) => [a.attrs.href, a.text]), [['frob-bar/', 'Frob.Bar'], ['dep/', 'dep']]);
  const doc = await json('/simple/');
  t.equal((doc.meta as Json)['api-version'], '1.1');
  t.same((doc.projects as Json[]).map((p) => p.name), ['Frob.Bar', 'dep']);
});

t.test('content negotiation honours q-values; html and json forms ignore Accept', async (t) => {
  const { get } = await setup(t);
  const type = async (accept: string | undefined): Promise<unknown> =>
    (await get('/simple/dep/', accept === undefined ? {} : { accept })).headers['content-type'];
  t.equal(await type(undefined), 'text/html; charset=utf-8');
  t.equal(await type('*/*'), 'text/html; charset=utf-8');
  t.equal(await type(PIP_ACCEPT), JSON_TYPE);
  t.equal(await type('application/vnd.pypi.simple.latest+json'), JSON_TYPE);
  t.equal(await type('application/vnd.pypi.simple.v1+html'), 'application/vnd.pypi.simple.v1+html');
  t.equal(await type('application/vnd.pypi.simple.v1+json;q=0.2, text/html'), 'text/html; charset=utf-8');
  t.equal(await type('application/vnd.pypi.simple.v1+json;q=0.5, */*;q=0.1'), JSON_TYPE);
  for (const form of ['html', 'json'] as const) {
    const fixed = await setup(t, { form });
    const res = await fixed.get('/simple/dep/', { accept: form === 'html' ? PIP_ACCEPT : 'text/html' });
    t.equal(res.headers['content-type'], form === 'html' ? 'text/html; charset=utf-8' : JSON_TYPE, `form: ${form}`);
    t.equal(res.headers.vary, undefined, 'no Vary when the form is fixed');
  }
});

t.test('non-normalised URLs redirect as PyPI does; unknown names are 404', async (t) => {
  const { pypi, get } = await setup(t);
  for (const [path, location] of [
    ['/simple/Frob_Bar/', '/simple/frob-bar/'],
    ['/simple/frob.bar/', '/simple/frob-bar/'],
    ['/simple/frob-bar', '/simple/frob-bar/'],
    ['/simple', '/simple/'],
  ] as const) {
    const res = await get(path);
    t.equal(res.status, 301, path);
    t.equal(res.headers.location, location, `${path} → ${location}`);
  }
  t.equal((await get('/simple/nope/')).status, 404);
  t.equal((await get('/simple/No_Pe/')).status, 404);
  t.equal((await get('/simple/%E0%A4%A/')).status, 400, 'malformed escape');
  t.equal((await get('/packages/00/00/nothing/x.whl')).status, 404);
  const head = await request(new URL('/simple/dep/', pypi.origin), { method: 'HEAD' });
  t.same([head.statusCode, Number(head.headers['content-length']) > 0, (await head.body.text()).length], [200, true, 0], 'HEAD: headers only');
  const post = await request(new URL('/simple/', pypi.origin), { method: 'POST', body: 'x' });
  t.equal(post.statusCode, 405);
  await post.body.dump();
});

t.test('wheels and sdists are real archives', async (t) => {
  const { pypi } = await setup(t);
  const wheel = unzip(pypi.file('frob-bar', 'frob_bar-1.0.0-py3-none-any.whl').bytes);
  t.same([...wheel.keys()], [
    'frob_bar/__init__.py',
    'frob_bar-1.0.0.dist-info/METADATA',
    'frob_bar-1.0.0.dist-info/WHEEL',
    'frob_bar-1.0.0.dist-info/RECORD',
  ]);
  t.match(wheel.get('frob_bar-1.0.0.dist-info/WHEEL')?.toString(), /^Wheel-Version: 1\.0\n.*Root-Is-Purelib: true\nTag: py3-none-any\n$/s);
  const record = wheel.get('frob_bar-1.0.0.dist-info/RECORD')?.toString().trim().split('\n') ?? [];
  t.equal(record.at(-1), 'frob_bar-1.0.0.dist-info/RECORD,,');
  for (const line of record.slice(0, -1)) {
    const [path = '', hash = '', size = ''] = line.split(',');
    const content = wheel.get(path) ?? Buffer.alloc(0);
    t.equal(hash, `sha256=${createHash('sha256').update(content).digest('base64url')}`, `${path} hash`);
    t.equal(Number(size), content.length, `${path} size`);
  }
  const sdist = untar(gunzipSync(pypi.file('frob-bar', 'frob_bar-1.0.0.tar.gz').bytes));
  t.match(sdist.get('frob_bar-1.0.0/PKG-INFO')?.toString(), /^Metadata-Version: 2\.1\nName: Frob\.Bar\nVersion: 1\.0\.0\n/);
  t.ok(sdist.has('frob_bar-1.0.0/pyproject.toml'));
});

t.test('absolute links, and files served from a separate origin', async (t) => {
  const absolute = await setup(t, { relativeLinks: false });
  const doc = await absolute.json('/simple/dep/');
  t.equal((doc.files as Json[])[0]?.url, absolute.pypi.file('dep', 'dep-1.0-py3-none-any.whl').url);
  t.match(String((doc.files as Json[])[0]?.url), new RegExp(`^${absolute.pypi.origin}packages/`));

  const separate = await setup(t, { filesOrigin: 'separate' });
  const file = separate.pypi.file('dep', 'dep-1.0-py3-none-any.whl');
  t.not(separate.pypi.filesOrigin, separate.pypi.origin);
  t.ok(file.url.startsWith(separate.pypi.filesOrigin), 'linked to the files server');
  t.same(anchors((await separate.get('/simple/dep/')).text)[0]?.attrs.href, `${file.url}#sha256=${file.sha256}`);
  t.same((await separate.get(file.url)).body, file.bytes);
  t.equal((await separate.get(`${separate.pypi.origin}${file.path.slice(1)}`)).status, 404, 'the index does not serve files');
  t.same(separate.pypi.requests.map((r) => r.server), ['index', 'files', 'index']);

  const elsewhere = await setup(t, { filesOrigin: 'http://files.example.invalid' });
  t.equal(elsewhere.pypi.file('dep', 'dep-1.0-py3-none-any.whl').url.startsWith('http://files.example.invalid/packages/'), true);
});

t.test('ETag and Last-Modified with 304s, changing when the project changes', async (t) => {
  const { pypi, get } = await setup(t);
  const first = await get('/simple/dep/', { accept: PIP_ACCEPT });
  const etag = String(first.headers.etag);
  const lastModified = String(first.headers['last-modified']);
  t.match(etag, /^"[0-9a-f]{40}"$/);
  t.equal((await get('/simple/dep/', { accept: PIP_ACCEPT, 'if-none-match': etag })).status, 304);
  t.equal((await get('/simple/dep/', { accept: PIP_ACCEPT, 'if-modified-since': lastModified })).status, 304);
  t.equal((await get('/simple/dep/', { accept: 'text/html', 'if-none-match': etag })).status, 200, 'the HTML form has its own ETag');
  const url = pypi.file('dep', 'dep-1.0-py3-none-any.whl').url;
  const file = await get(url);
  t.equal((await get(url, { 'if-none-match': String(file.headers.etag) })).status, 304, 'files too');

  pypi.addVersion('dep', '2.0', { requires: ['frob-bar'] });
  const changed = await get('/simple/dep/', { accept: PIP_ACCEPT, 'if-none-match': etag, 'if-modified-since': lastModified });
  t.equal(changed.status, 200, 'a new version invalidates both validators');
  t.ok(Date.parse(String(changed.headers['last-modified'])) > Date.parse(lastModified), 'Last-Modified moved forward');
  t.same((JSON.parse(changed.text) as Json).versions, ['1.0', '2.0']);
  t.ok(Number(changed.headers['x-pypi-last-serial']) > Number(first.headers['x-pypi-last-serial']), 'serial moved');

  const plain = await setup(t, { validators: false });
  const res = await plain.get('/simple/dep/');
  t.equal(res.headers.etag, undefined);
  t.equal(res.headers['last-modified'], undefined);
  t.equal((await plain.get('/simple/dep/', { 'if-none-match': '*' })).status, 200, 'conditional headers ignored');
});

t.test('removeVersion, setYanked and removeProject change what is served', async (t) => {
  const { pypi, get, json } = await setup(t);
  const old = pypi.file('dep', 'dep-1.0-py3-none-any.whl');
  pypi.addVersion('dep', '1.1');
  pypi.removeVersion('dep', '1.0');
  t.same((await json('/simple/dep/')).versions, ['1.1']);
  t.equal((await get(old.url)).status, 404, 'a deleted file is gone');
  pypi.setYanked('dep', '1.1', 'oops');
  t.equal(((await json('/simple/dep/')).files as Json[])[0]?.yanked, 'oops');
  pypi.removeProject('Frob_Bar');
  t.equal((await get('/simple/frob-bar/')).status, 404);
  t.same(((await json('/simple/')).projects as Json[]).map((p) => p.name), ['dep']);
  pypi.addVersion('New.Thing', '0.1');
  t.same(((await json('/simple/new-thing/')).files as Json[]).map((f) => f.filename), ['new_thing-0.1-py3-none-any.whl']);
});

t.test('faults: down, status, slow, times and match', async (t) => {
  const { pypi, get } = await setup(t);
  pypi.fault = { kind: 'down' };
  await t.rejects(get('/simple/dep/'), 'down: the connection closes without a response');
  t.equal(pypi.requests.at(-1)?.fault, 'down');
  pypi.fault = { kind: 'status', status: 503, headers: { 'retry-after': '1' }, times: 1 };
  const unavailable = await get('/simple/dep/');
  t.equal(unavailable.status, 503);
  t.equal(unavailable.headers['retry-after'], '1');
  t.equal(pypi.fault, undefined, 'switched itself off');
  t.equal((await get('/simple/dep/')).status, 200);
  pypi.fault = { kind: 'slow', delayMs: 300 };
  const started = Date.now();
  t.equal((await get('/simple/dep/')).status, 200);
  t.ok(Date.now() - started >= 280, 'slow: headers waited for the delay');
  pypi.fault = { kind: 'status', status: 500, match: '/packages/' };
  t.equal((await get('/simple/dep/')).status, 200, 'not matched');
  t.equal((await get(pypi.file('dep', 'dep-1.0-py3-none-any.whl').url)).status, 500, 'matched by prefix');
  pypi.fault = { kind: 'status', status: 502, match: /\/frob-bar\/$/ };
  t.equal((await get('/simple/frob-bar/')).status, 502, 'matched by pattern');
  pypi.fault = undefined;
  t.equal(pypi.count((r) => r.fault !== undefined), 5);
});

t.test('faults: reset, truncate and wrong digest damage the body', async (t) => {
  const { pypi, get } = await setup(t, { projects: [{ name: 'big', versions: { '1.0': { size: 256 * 1024, metadataFile: true } } }] });
  const good = pypi.file('big', 'big-1.0-py3-none-any.whl');
  t.ok(good.bytes.length > 250 * 1024 && good.bytes.length < 260 * 1024, 'size is honoured');
  pypi.fault = { kind: 'reset', afterBytes: 1000 };
  t.same(await partialBody(good.url), { received: 1000, declared: good.bytes.length, error: 'ECONNRESET' }, 'reset after afterBytes');
  pypi.fault = { kind: 'truncate' };
  const cut = await partialBody(good.url);
  t.same([cut.received, cut.declared], [Math.floor(good.bytes.length / 2), good.bytes.length], 'truncate: half, full length declared');
  pypi.fault = { kind: 'truncate', afterBytes: 10 };
  await t.rejects(get('/simple/big/'), 'truncate applies to pages too');

  pypi.fault = { kind: 'wrong-digest', times: 2 };
  t.equal((await get('/simple/big/')).status, 200, 'pages do not use up a wrong-digest fault');
  const bad = await get(good.url);
  t.not(sha256(bad.body), good.sha256, 'digest mismatch');
  t.ok(unzip(bad.body).has('big-1.0.dist-info/METADATA'), 'still a valid wheel');
  const badMetadata = await get(`${good.url}.metadata`);
  t.not(sha256(badMetadata.body), good.metadata?.sha256, 'metadata too');
  t.equal(pypi.fault, undefined);
  t.same((await get(good.url)).body, good.bytes, 'the real bytes again once the fault is off');
});

t.test('faults: hang; stop() ends hung sockets; start() comes back on the same ports', async (t) => {
  const { pypi, get } = await setup(t, { filesOrigin: 'separate' });
  pypi.fault = { kind: 'hang' };
  await t.rejects(request(pypi.url, { signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' }, 'hang: no headers ever');
  t.equal(pypi.requests.at(-1)?.status, undefined, 'nothing was answered');
  pypi.fault = { kind: 'hang', afterBytes: 5 };
  const res = await request(pypi.url, { bodyTimeout: 60_000 });
  t.equal(res.statusCode, 200, 'headers arrive');
  const body = res.body.arrayBuffer();
  body.catch(() => undefined); // observed below; avoids an unhandled rejection meanwhile
  await pypi.stop();
  await t.rejects(body, 'stop() destroys the hung socket');
  pypi.fault = undefined;

  const { url, port, filesOrigin } = pypi;
  await t.rejects(get(url), { code: 'ECONNREFUSED' });
  await t.rejects(get(pypi.file('dep', 'dep-1.0-py3-none-any.whl').url), { code: 'ECONNREFUSED' }, 'the files server too');
  await pypi.stop(); // idempotent
  await pypi.start();
  t.same([pypi.url, pypi.port, pypi.filesOrigin], [url, port, filesOrigin]);
  t.equal((await get(url)).status, 200);
  t.equal((await get(pypi.file('dep', 'dep-1.0-py3-none-any.whl').url)).status, 200);
});
