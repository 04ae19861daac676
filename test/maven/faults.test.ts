// Maven faults: each upstream failure, digests from headers when sidecars are missing, and the
// remembered 404 during an outage and after a metadata refresh.
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeMaven, type FakeMaven, type FakeMavenOptions } from '../helpers/fake-maven.js';
import { startTestLarder, type TestLarder, type TestLarderOptions } from '../helpers/larder.js';

const LIB = 'org/example/lib';

async function setup(t: Test, options: FakeMavenOptions = {}, larderOptions: Omit<TestLarderOptions, 'mavenUpstreams'> = {}): Promise<{ upstream: FakeMaven; larder: TestLarder }> {
  const upstream = await startFakeMaven({ artifacts: [{ groupId: 'org.example', artifactId: 'lib', versions: { '1.0': {}, '2.0': {} } }], ...options });
  const larder = await startTestLarder({ mavenUpstreams: [upstream.url], ...larderOptions });
  t.teardown(async () => {
    await larder.stop();
    await upstream.stop();
  });
  return { upstream, larder };
}

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

t.test('no sidecar: the X-Checksum-Sha1 header verifies the download', async (t) => {
  const { upstream, larder } = await setup(t, { sidecars: false, checksumHeaders: true });
  const res = await fetch(`${larder.maven()}${LIB}/1.0/lib-1.0.jar`);
  t.equal(res.status, 200);
  t.ok(Buffer.from(await res.arrayBuffer()).equals((await upstream.file(`${LIB}/1.0/lib-1.0.jar`)).bytes));
  t.ok(upstream.requests.some((r) => r.method === 'HEAD'), 'asked with HEAD for the header');
});

t.test('neither sidecar nor header: refused, nothing stored', async (t) => {
  const upstream = await startFakeMaven({ artifacts: [{ groupId: 'org.example', artifactId: 'lib', versions: { '1.0': { noSha1: true } } }] });
  const larder = await startTestLarder({ mavenUpstreams: [upstream.url] });
  t.teardown(async () => {
    await larder.stop();
    await upstream.stop();
  });
  const res = await fetch(`${larder.maven()}${LIB}/1.0/lib-1.0.jar`);
  t.equal(res.status, 502);
  t.match(await errorOf(res), /never stores unverified bytes/);
});

for (const fault of [{ kind: 'status', status: 503 } as const, { kind: 'reset', afterBytes: 10 } as const, { kind: 'truncate' } as const]) {
  t.test(`upstream ${fault.kind}: a 502 for what is not retained, retained files still served`, async (t) => {
    const { upstream, larder } = await setup(t);
    await (await fetch(`${larder.maven()}${LIB}/1.0/lib-1.0.jar`)).arrayBuffer();
    await larder.daemon.settle();
    upstream.fault = { ...fault, match: (r) => r.path.endsWith('.jar') && r.path.includes('/2.0/') };
    const missing = await fetch(`${larder.maven()}${LIB}/2.0/lib-2.0.jar`);
    t.equal(missing.status, 502);
    await missing.arrayBuffer();
    const kept = await fetch(`${larder.maven()}${LIB}/1.0/lib-1.0.jar`);
    t.equal(kept.status, 200);
    t.equal(kept.headers.get('x-cache'), 'hit');
    await kept.arrayBuffer();
  });
}

t.test('slow past the ingestion deadline: 404 now, the retry is served from the store', async (t) => {
  const { upstream, larder } = await setup(t, {}, { config: { defaults: { refresh: 'blocking', ingestionDeadline: '300ms' } } });
  upstream.fault = { kind: 'slow', delayMs: 900, match: (r) => r.path.endsWith('lib-1.0.jar') };
  const first = await fetch(`${larder.maven()}${LIB}/1.0/lib-1.0.jar`);
  t.equal(first.status, 404);
  t.equal(await errorOf(first), 'Ingestion is in progress. Please try again later.');
  await larder.daemon.settle();
  const retry = await fetch(`${larder.maven()}${LIB}/1.0/lib-1.0.jar`);
  t.equal(retry.status, 200);
  t.equal(retry.headers.get('x-cache'), 'hit');
  await retry.arrayBuffer();
});

t.test('a remembered 404 answers 404 during an outage; a metadata refresh forgets it', async (t) => {
  const { upstream, larder } = await setup(t, {}, { config: { defaults: { refresh: 'blocking', notFoundTtl: '200ms', metadataTtl: { maven: '1ms' } } } });
  const missing = await fetch(`${larder.maven()}${LIB}/3.0/lib-3.0.pom`);
  t.equal(missing.status, 404);
  await missing.arrayBuffer();

  upstream.addVersion('org.example', 'lib', '3.0');
  const remembered = await fetch(`${larder.maven()}${LIB}/3.0/lib-3.0.pom`);
  t.equal(remembered.status, 404, 'remembered: not asked again');
  await remembered.arrayBuffer();
  const metadata = await fetch(`${larder.maven()}${LIB}/maven-metadata.xml`);
  t.match(await metadata.text(), /<version>3\.0<\/version>/, 'the metadata refresh sees 3.0');
  const found = await fetch(`${larder.maven()}${LIB}/3.0/lib-3.0.pom`);
  t.equal(found.status, 200, 'the refresh forgot the remembered 404');
  await found.arrayBuffer();

  const gone = await fetch(`${larder.maven()}${LIB}/9.9/lib-9.9.pom`);
  t.equal(gone.status, 404);
  await gone.arrayBuffer();
  await sleep(250);
  await upstream.stop();
  const outage = await fetch(`${larder.maven()}${LIB}/9.9/lib-9.9.pom`);
  t.equal(outage.status, 404, 'expired, upstream down: still a 404 (Maven tolerates it; a 5xx would fail the build)');
  await outage.arrayBuffer();
});

t.test('an upstream that never answers: a bounded 504', async (t) => {
  const { upstream, larder } = await setup(t, {}, { config: { upstream: { headersTimeout: '1s' } } });
  upstream.fault = { kind: 'hang' };
  const started = Date.now();
  const res = await fetch(`${larder.maven()}${LIB}/maven-metadata.xml`);
  t.equal(res.status, 504);
  await res.arrayBuffer();
  t.ok(Date.now() - started < 4000, `bounded: ${Date.now() - started} ms`);
});

t.test('repository-wide probe files are a 404, not a 400', async (t) => {
  const { upstream, larder } = await setup(t);
  for (const path of ['.meta/prefixes.txt', 'archetype-catalog.xml']) {
    const res = await fetch(`${larder.maven()}${path}`);
    t.equal(res.status, 404, path);
    await res.arrayBuffer();
  }
  t.equal(upstream.requests.length, 0);
});

t.test('a remembered 404 stands when the upstream answers 5xx, and across a restart', async (t) => {
  const upstream = await startFakeMaven({ artifacts: [{ groupId: 'org.example', artifactId: 'lib', versions: { '1.0': {} } }] });
  t.teardown(() => upstream.stop());
  const options = { mavenUpstreams: [upstream.url], config: { defaults: { refresh: 'blocking', notFoundTtl: '200ms' } } };
  const first = await startTestLarder(options);
  const missing = await fetch(`${first.maven()}${LIB}/9.9/lib-9.9.pom`);
  t.equal(missing.status, 404);
  await missing.arrayBuffer();
  await sleep(250);
  upstream.fault = { kind: 'status', status: 503 };
  const during5xx = await fetch(`${first.maven()}${LIB}/9.9/lib-9.9.pom`);
  t.equal(during5xx.status, 404, 'expired, the upstream answers 503: still a 404');
  await during5xx.arrayBuffer();
  await first.daemon.close();
  await upstream.stop();
  const second = await startTestLarder({ ...options, dataDir: first.dataDir });
  t.teardown(async () => {
    await second.stop();
    await first.stop();
  });
  const afterRestart = await fetch(`${second.maven()}${LIB}/9.9/lib-9.9.pom`);
  t.equal(afterRestart.status, 404, 'after a restart, with the upstream down: still a 404');
  await afterRestart.arrayBuffer();
});
