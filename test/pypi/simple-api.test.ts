// The PyPI simple API through larder: negotiation, canonical URLs, rewritten file links with
// every attribute preserved, PEP 658 metadata, retention and integrity.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { startFakePypi, type FakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';

interface JsonFile {
  filename: string;
  url: string;
  hashes: Record<string, string>;
  'requires-python'?: string;
  yanked?: boolean | string;
  size?: number;
  'upload-time'?: string;
  'core-metadata'?: unknown;
  'data-dist-info-metadata'?: unknown;
  'dist-info-metadata'?: unknown;
}
interface JsonPage {
  name: string;
  files: JsonFile[];
  versions?: string[];
  meta: { 'api-version': string };
}

async function setup(t: Test, form: 'html' | 'json' | 'negotiate' = 'negotiate'): Promise<{ pypi: FakePypi; larder: TestLarder }> {
  const pypi = await startFakePypi({
    form,
    projects: [
      {
        name: 'Frob_Nicate',
        versions: {
          '1.0.0': { requiresPython: '>=3.8', sdist: true, metadataFile: true },
          '1.1.0': { yanked: 'broken build', metadataFile: true },
          '2.0.0': { requires: ['tiny-dep>=0.1'] },
        },
      },
      { name: 'tiny-dep', versions: { '0.1': {} } },
    ],
  });
  const larder = await startTestLarder({ pypiUpstream: { url: pypi.url }, config: { defaults: { refresh: 'blocking' } } });
  t.teardown(async () => {
    await larder.stop();
    await pypi.stop();
  });
  return { pypi, larder };
}

async function jsonPage(larder: TestLarder, project: string): Promise<{ res: Response; page: JsonPage }> {
  const res = await fetch(`${larder.pypi()}${project}/`, { headers: { accept: JSON_TYPE } });
  return { res, page: (await res.json()) as JsonPage };
}

for (const form of ['html', 'json'] as const) {
  t.test(`an upstream speaking ${form}: larder serves both forms with every attribute`, async (t) => {
    const { pypi, larder } = await setup(t, form);
    const { res, page } = await jsonPage(larder, 'frob-nicate');
    t.equal(res.status, 200);
    t.equal(res.headers.get('content-type'), JSON_TYPE);
    t.equal(res.headers.get('vary'), 'Accept');
    t.equal(page.meta['api-version'].split('.')[0], '1');
    t.equal(page.name, 'frob-nicate');
    const upstreamFiles = pypi.files('frob-nicate');
    t.equal(page.files.length, upstreamFiles.length, 'every file listed');
    for (const file of upstreamFiles) {
      const listed = page.files.find((candidate) => candidate.filename === file.filename);
      t.ok(listed, file.filename);
      t.equal(listed?.url, `${larder.url}/pypi/default/files/frob-nicate/${file.filename}`, 'file URL rewritten to larder');
      t.equal(listed?.hashes.sha256, file.sha256, 'sha256 preserved');
      if (file.requiresPython) t.equal(listed?.['requires-python'], file.requiresPython, 'requires-python preserved');
      if (file.yanked) t.equal(listed?.yanked, file.yanked, 'yanked reason preserved');
      if (file.metadata) t.same(listed?.['core-metadata'], { sha256: file.metadata.sha256 }, 'core-metadata with its hash');
      t.notOk(listed?.['data-dist-info-metadata'] ?? listed?.['dist-info-metadata'], 'JSON carries only core-metadata (PEP 714)');
      if (form === 'json') {
        t.equal(listed?.size, file.bytes.length, 'size preserved');
        t.ok(listed?.['upload-time'], 'upload-time preserved');
      }
    }

    const html = await fetch(`${larder.pypi()}frob-nicate/`, { headers: { accept: 'text/html' } });
    t.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    const text = await html.text();
    const withMetadata = upstreamFiles.find((file) => file.metadata && !file.yanked);
    t.ok(withMetadata);
    const anchor = text.split('\n').find((line) => line.includes(`>${withMetadata?.filename}<`)) ?? '';
    t.match(anchor, `href="${larder.url}/pypi/default/files/frob-nicate/${withMetadata?.filename}#sha256=${withMetadata?.sha256}"`);
    t.match(anchor, `data-core-metadata="sha256=${withMetadata?.metadata?.sha256}"`);
    t.match(anchor, `data-dist-info-metadata="sha256=${withMetadata?.metadata?.sha256}"`, 'both HTML attributes');
    t.match(anchor, 'data-requires-python="&gt;=3.8"', 'requires-python escaped');
    t.match(text, /data-yanked="broken build"/);
  });
}

t.test('content negotiation: q-values, the v1 HTML type, 406', async (t) => {
  const { larder } = await setup(t);
  const cases: Array<[string | undefined, number, string | undefined]> = [
    [PIP_ACCEPT, 200, JSON_TYPE],
    ['application/vnd.pypi.simple.v1+json;q=0.2, application/vnd.pypi.simple.v1+html', 200, 'application/vnd.pypi.simple.v1+html'],
    ['text/html', 200, 'text/html; charset=utf-8'],
    [undefined, 200, 'text/html; charset=utf-8'],
    ['*/*', 200, undefined],
    ['application/json', 406, undefined],
    ['application/vnd.pypi.simple.v1+json;q=0, text/html;q=0', 406, undefined],
  ];
  for (const [accept, status, type] of cases) {
    const res = await fetch(`${larder.pypi()}frob-nicate/`, accept === undefined ? {} : { headers: { accept } });
    t.equal(res.status, status, `Accept: ${accept}`);
    t.ok(res.headers.get('content-type'), 'Content-Type always set');
    if (type) t.equal(res.headers.get('content-type'), type, `Accept: ${accept}`);
    if (status === 406) t.match(((await res.json()) as { error: string }).error, /no representation/);
    else await res.arrayBuffer();
  }
});

t.test('non-canonical names and a missing slash redirect to the canonical URL', async (t) => {
  const { larder } = await setup(t);
  const cases: Array<[string, string]> = [
    ['Frob_Nicate/', 'frob-nicate/'],
    ['frob.nicate/', 'frob-nicate/'],
    ['frob-nicate', 'frob-nicate/'],
  ];
  for (const [path, location] of cases) {
    const res = await fetch(`${larder.pypi()}${path}`, { redirect: 'manual' });
    t.equal(res.status, 301, path);
    t.equal(res.headers.get('location'), `${larder.pypi()}${location}`, path);
  }
  const root = await fetch(`${larder.url}/pypi/default/simple`, { redirect: 'manual' });
  t.equal(root.status, 301);
  t.equal(root.headers.get('location'), larder.pypi());
});

t.test('files: verified while streaming, retained, then served locally; PEP 658 metadata too', async (t) => {
  const { pypi, larder } = await setup(t);
  const { page } = await jsonPage(larder, 'frob-nicate');
  const wheel = pypi.files('frob-nicate').find((file) => file.version === '1.0.0' && file.kind === 'wheel');
  const listed = page.files.find((file) => file.filename === wheel?.filename);
  const first = await fetch(String(listed?.url));
  t.equal(first.status, 200);
  t.equal(first.headers.get('x-cache'), 'miss');
  const bytes = Buffer.from(await first.arrayBuffer());
  t.equal(createHash('sha256').update(bytes).digest('hex'), wheel?.sha256);
  await larder.daemon.settle();
  const second = await fetch(String(listed?.url));
  t.equal(second.headers.get('x-cache'), 'hit');
  await second.arrayBuffer();
  t.equal(pypi.count((r) => r.path.endsWith(String(wheel?.filename))), 1, 'one upstream download');

  const metadata = await fetch(`${String(listed?.url)}.metadata`);
  t.equal(metadata.status, 200);
  t.equal(metadata.headers.get('content-type'), 'text/plain; charset=utf-8');
  t.equal(await metadata.text(), wheel?.metadata?.bytes.toString('utf8'));
});

t.test('a wrong sha256 is never retained and answers 502 with both digests', async (t) => {
  const { pypi, larder } = await setup(t);
  await jsonPage(larder, 'frob-nicate');
  const wheel = pypi.files('frob-nicate').find((file) => file.version === '2.0.0');
  pypi.fault = { kind: 'wrong-digest' };
  const res = await fetch(`${larder.url}/pypi/default/files/frob-nicate/${wheel?.filename}`);
  t.equal(res.status, 502);
  const message = ((await res.json()) as { error: string }).error;
  t.match(message, /frob-nicate@2\.0\.0/);
  t.match(message, /expected sha256-/);
  t.match(message, /got sha256-/);
  pypi.fault = undefined;
  await larder.daemon.settle();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const retry = await fetch(`${larder.url}/pypi/default/files/frob-nicate/${wheel?.filename}`);
  t.equal(retry.status, 502, 'remembered for a while: the retry is answered at once');
  await retry.arrayBuffer();
});

t.test('a retained file stays listed when the upstream drops it; max-age=0 does not bypass the TTL', async (t) => {
  const pypi = await startFakePypi({ projects: [{ name: 'kept', versions: { '1.0': {}, '1.1': {} } }] });
  const larder = await startTestLarder({ pypiUpstream: { url: pypi.url }, config: { defaults: { refresh: 'blocking', metadataTtl: { pypi: '300ms' } } } });
  t.teardown(async () => {
    await larder.stop();
    await pypi.stop();
  });
  const { page } = await jsonPage(larder, 'kept');
  const old = page.files.find((file) => file.filename.includes('-1.0-'));
  await (await fetch(String(old?.url))).arrayBuffer();
  await larder.daemon.settle();

  pypi.removeVersion('kept', '1.0');
  const pages = pypi.count('/simple/kept/');
  const cached = await fetch(`${larder.pypi()}kept/`, { headers: { accept: JSON_TYPE, 'cache-control': 'max-age=0' } });
  t.equal(cached.headers.get('x-cache'), 'hit', 'pip\'s max-age=0 is answered within larder\'s TTL');
  await cached.arrayBuffer();
  t.equal(pypi.count('/simple/kept/'), pages);

  await new Promise((resolve) => setTimeout(resolve, 350));
  const refreshed = await jsonPage(larder, 'kept');
  t.equal(refreshed.res.headers.get('x-cache'), 'miss', 'refreshed after the TTL');
  t.same(refreshed.page.files.map((file) => file.filename).sort(), page.files.map((file) => file.filename).sort(), 'the retained 1.0 file is still listed');
  const again = await fetch(String(old?.url));
  t.equal(again.status, 200);
  t.equal(again.headers.get('x-cache'), 'hit');
  await again.arrayBuffer();
});

t.test('files on another origin: fetched when the connection allows it, refused otherwise', async (t) => {
  const pypi = await startFakePypi({ filesOrigin: 'separate', projects: [{ name: 'split', versions: { '1.0': {} } }] });
  t.teardown(() => pypi.stop());
  const allowed = await startTestLarder({ pypiUpstream: { url: pypi.url, assetOrigins: [pypi.filesOrigin] } });
  const refused = await startTestLarder({ pypiUpstream: { url: pypi.url } });
  t.teardown(async () => {
    await allowed.stop();
    await refused.stop();
  });
  const file = pypi.files('split')[0];
  const ok = await fetch(`${allowed.url}/pypi/default/files/split/${file?.filename}`);
  t.equal(ok.status, 200, 'allowed origin');
  await ok.arrayBuffer();
  const no = await fetch(`${refused.url}/pypi/default/files/split/${file?.filename}`);
  t.equal(no.status, 502, 'another origin is refused');
  t.match(((await no.json()) as { error: string }).error, /assetOrigins/);
});

t.test('the project list shows what is retained', async (t) => {
  const { pypi, larder } = await setup(t);
  const wheel = pypi.files('tiny-dep')[0];
  await jsonPage(larder, 'tiny-dep');
  await (await fetch(`${larder.url}/pypi/default/files/tiny-dep/${wheel?.filename}`)).arrayBuffer();
  await larder.daemon.settle();
  const list = (await (await fetch(larder.pypi(), { headers: { accept: JSON_TYPE } })).json()) as { projects: Array<{ name: string }> };
  t.same(list.projects.map((p) => p.name), ['tiny-dep']);
  const html = await (await fetch(larder.pypi())).text();
  t.match(html, `href="${larder.pypi()}tiny-dep/"`);
});
