// PyPI through the same engine: outages, the ingestion deadline, coalescing and bad input hold
// for the simple API exactly as for npm.
import t, { type Test } from 'tap';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { startFakePypi, type FakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder, type TestLarder, type TestLarderOptions } from '../helpers/larder.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

async function setup(t: Test, options: Omit<TestLarderOptions, 'pypiUpstream'> = {}): Promise<{ pypi: FakePypi; larder: TestLarder }> {
  const pypi = await startFakePypi({ projects: [{ name: 'kept', versions: { '1.0': {} } }, { name: 'fresh', versions: { '2.0': { size: 200_000 } } }] });
  const larder = await startTestLarder({ ...options, pypiUpstream: { url: pypi.url } });
  t.teardown(async () => {
    await larder.stop();
    await pypi.stop();
  });
  return { pypi, larder };
}

const fileUrl = (larder: TestLarder, pypi: FakePypi, project: string): string => `${larder.url}/pypi/default/files/${project}/${pypi.files(project)[0]?.filename}`;

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

t.test('upstream down: retained files install, a page past its TTL is served stale, the rest is a 502 naming the upstream', async (t) => {
  const { pypi, larder } = await setup(t, { config: { defaults: { refresh: 'blocking', metadataTtl: { pypi: '1ms' } } } });
  await (await fetch(`${larder.pypi()}kept/`, { headers: { accept: JSON_TYPE } })).arrayBuffer();
  await (await fetch(fileUrl(larder, pypi, 'kept'))).arrayBuffer();
  await larder.daemon.settle();
  const kept = fileUrl(larder, pypi, 'kept');
  const fresh = fileUrl(larder, pypi, 'fresh');
  await pypi.stop();

  const page = await fetch(`${larder.pypi()}kept/`, { headers: { accept: JSON_TYPE } });
  t.equal(page.status, 200);
  t.equal(page.headers.get('x-cache'), 'stale');
  await page.arrayBuffer();
  const file = await fetch(kept);
  t.equal(file.status, 200);
  t.equal(file.headers.get('x-cache'), 'hit');
  await file.arrayBuffer();
  const missing = await fetch(`${larder.pypi()}fresh/`);
  t.equal(missing.status, 502);
  t.match(await errorOf(missing), new RegExp(`127\\.0\\.0\\.1:${pypi.port}`));
  const missingFile = await fetch(fresh);
  t.ok(missingFile.status === 502 || missingFile.status === 503, `file not retained: ${missingFile.status}`);
  await missingFile.arrayBuffer();
});

t.test('slow past the ingestion deadline: 404 now, served from the store on retry', async (t) => {
  const { pypi, larder } = await setup(t, { config: { defaults: { refresh: 'blocking', ingestionDeadline: '300ms' } } });
  await (await fetch(`${larder.pypi()}fresh/`, { headers: { accept: JSON_TYPE } })).arrayBuffer();
  pypi.fault = { kind: 'slow', delayMs: 900, match: '/packages/' };
  const first = await fetch(fileUrl(larder, pypi, 'fresh'));
  t.equal(first.status, 404);
  t.equal(await errorOf(first), 'Ingestion is in progress. Please try again later.');
  await larder.daemon.settle();
  pypi.fault = undefined;
  const retry = await fetch(fileUrl(larder, pypi, 'fresh'));
  t.equal(retry.status, 200);
  t.equal(retry.headers.get('x-cache'), 'hit');
  await retry.arrayBuffer();
  t.equal(pypi.count((r) => r.path.startsWith('/packages/')), 1);
});

for (const kind of ['reset', 'truncate'] as const) {
  t.test(`file ${kind} mid-body: nothing retained, a 502`, async (t) => {
    const { pypi, larder } = await setup(t);
    await (await fetch(`${larder.pypi()}fresh/`, { headers: { accept: JSON_TYPE } })).arrayBuffer();
    pypi.fault = { kind, afterBytes: 1000, match: '/packages/' };
    const res = await fetch(fileUrl(larder, pypi, 'fresh'));
    t.equal(res.status, 502);
    await res.arrayBuffer();
    await larder.daemon.settle();
    pypi.fault = undefined;
    const retry = await fetch(fileUrl(larder, pypi, 'fresh'));
    t.equal(retry.headers.get('x-cache'), 'miss', 'fetched again: the broken one was not kept');
    await retry.arrayBuffer();
  });
}

t.test('a 5xx page with nothing cached is a 502', async (t) => {
  const { pypi, larder } = await setup(t);
  pypi.fault = { kind: 'status', status: 500 };
  const res = await fetch(`${larder.pypi()}kept/`);
  t.equal(res.status, 502);
  t.match(await errorOf(res), /500/);
});

t.test('N concurrent misses give one upstream request per page and per file', async (t) => {
  const { pypi, larder } = await setup(t);
  pypi.fault = { kind: 'slow', delayMs: 150 };
  const pages = await Promise.all(Array.from({ length: 8 }, () => fetch(`${larder.pypi()}fresh/`, { headers: { accept: JSON_TYPE } }).then((res) => res.status)));
  t.ok(pages.every((status) => status === 200));
  t.equal(pypi.count('/simple/fresh/'), 1);
  const files = await Promise.all(Array.from({ length: 8 }, () => fetch(fileUrl(larder, pypi, 'fresh')).then(async (res) => Buffer.from(await res.arrayBuffer()))));
  t.ok(files.every((bytes) => bytes.equals(pypi.files('fresh')[0]?.bytes ?? Buffer.alloc(0))));
  t.equal(pypi.count((r) => r.path.startsWith('/packages/')), 1);
});

t.test('bad input: 4xx with a message, nothing reaches the upstream, nothing is written', async (t) => {
  const { pypi, larder } = await setup(t);
  await (await fetch(`${larder.pypi()}kept/`, { headers: { accept: JSON_TYPE } })).arrayBuffer();
  pypi.clearRequests();
  const wheel = pypi.files('kept')[0]?.filename ?? '';
  const cases: Array<[string, number]> = [
    ['simple/-bad-/', 400],
    ['simple/has%20space/', 400],
    ['simple/..%2f..%2fetc/', 400],
    ['files/kept/..%2f..%2fsecret.whl', 400],
    ['files/kept/other-1.0-py3-none-any.whl', 400],
    ['files/kept/kept-9.9-py3-none-any.whl', 404],
    ['files/kept/kept-1.0.tar.gz', 404],
    [`files/kept/${wheel}%00`, 400],
    ['nowhere', 404],
  ];
  for (const [path, status] of cases) {
    const res = await fetch(`${larder.url}/pypi/default/${path}`);
    t.equal(res.status, status, path);
    t.ok(((await res.json()) as { error: string }).error.length > 10, `${path}: a message`);
  }
  t.equal(pypi.requests.filter((r) => r.path.startsWith('/packages/')).length, 0, 'no file was requested upstream');
  const blobs = await readdir(join(larder.dataDir, 'blobs-v1')).catch(() => []);
  t.same(blobs.filter((name) => name !== 'tmp'), [], 'nothing written to the store');
  // fetch() would resolve dot segments before sending: send this one raw.
  const raw = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: larder.daemon.port, path: '/pypi/default/files/kept/%2e%2e/%2e%2e/x.whl' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(raw, 400, 'encoded dot segments');
  const post = await fetch(`${larder.pypi()}kept/`, { method: 'POST' });
  t.equal(post.status, 405);
  await post.arrayBuffer();
});

t.test('an index that never answers: 504 within the headers timeout', async (t) => {
  const { pypi, larder } = await setup(t, { config: { upstream: { headersTimeout: '1s' } } });
  pypi.fault = { kind: 'hang' };
  const started = Date.now();
  const res = await fetch(`${larder.pypi()}kept/`);
  t.equal(res.status, 504);
  t.match(await errorOf(res), new RegExp(`127\\.0\\.0\\.1:${pypi.port}`));
  t.ok(Date.now() - started < 4000, `bounded: ${Date.now() - started} ms`);
});
