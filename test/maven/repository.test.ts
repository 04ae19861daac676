// Maven through the same engine: layout, verified release assets, sidecars computed from the
// bytes served, merged maven-metadata.xml, sibling ingestion, search across connections.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeMaven, type FakeMaven } from '../helpers/fake-maven.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

const JUNIT = 'org/example/lib-core';

async function setup(t: Test, config: Record<string, unknown> = {}): Promise<{ central: FakeMaven; google: FakeMaven; larder: TestLarder }> {
  const central = await startFakeMaven({
    artifacts: [
      { groupId: 'org.example', artifactId: 'lib-core', versions: { '1.0': { sources: true }, '1.2': { sources: true, javadoc: true, module: true }, '1.10': {} } },
    ],
  });
  const google = await startFakeMaven({ artifacts: [{ groupId: 'com.google.example', artifactId: 'droid', versions: { '2.0': {} } }] });
  const larder = await startTestLarder({ mavenUpstreams: [central.url, google.url], config: { defaults: { refresh: 'blocking' }, ...config } });
  t.teardown(async () => {
    await larder.stop();
    await central.stop();
    await google.stop();
  });
  return { central, google, larder };
}

const sha = (algorithm: string, bytes: Buffer): string => createHash(algorithm).update(bytes).digest('hex');

t.test('assets: verified against the upstream .sha1, retained, served with every sidecar and header', async (t) => {
  const { central, larder } = await setup(t);
  const jar = await central.file(`${JUNIT}/1.2/lib-core-1.2.jar`);
  const first = await fetch(`${larder.maven()}${JUNIT}/1.2/lib-core-1.2.jar`);
  t.equal(first.status, 200);
  t.equal(first.headers.get('x-cache'), 'miss');
  t.equal(first.headers.get('content-type'), 'application/java-archive');
  t.equal(first.headers.get('x-checksum-sha1'), jar.sha1);
  const bytes = Buffer.from(await first.arrayBuffer());
  t.ok(bytes.equals(jar.bytes));
  await larder.daemon.settle();

  const warm = await fetch(`${larder.maven()}${JUNIT}/1.2/lib-core-1.2.jar`);
  t.equal(warm.headers.get('x-cache'), 'hit');
  t.equal(warm.headers.get('x-checksum-sha1'), jar.sha1);
  t.equal(warm.headers.get('x-checksum-md5'), jar.md5);
  t.equal(warm.headers.get('content-length'), String(jar.bytes.length));
  t.ok(warm.headers.get('last-modified'));
  t.ok(warm.headers.get('etag'));
  await warm.arrayBuffer();
  for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
    const sidecar = await fetch(`${larder.maven()}${JUNIT}/1.2/lib-core-1.2.jar.${algorithm}`);
    t.equal(sidecar.status, 200, algorithm);
    t.equal(await sidecar.text(), sha(algorithm, jar.bytes), `${algorithm} computed from the stored bytes`);
  }
  const range = await fetch(`${larder.maven()}${JUNIT}/1.2/lib-core-1.2.jar`, { headers: { range: 'bytes=0-9' } });
  t.equal(range.status, 206);
  t.ok(Buffer.from(await range.arrayBuffer()).equals(jar.bytes.subarray(0, 10)));
  const head = await fetch(`${larder.maven()}${JUNIT}/1.2/lib-core-1.2.pom`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.headers.get('content-type'), 'text/xml');
});

t.test('mvn\'s no-cache headers never send a stored asset back upstream', async (t) => {
  const { central, larder } = await setup(t);
  await (await fetch(`${larder.maven()}${JUNIT}/1.0/lib-core-1.0.pom`)).arrayBuffer();
  await larder.daemon.settle();
  const before = central.count((r) => r.path.endsWith('lib-core-1.0.pom'));
  const again = await fetch(`${larder.maven()}${JUNIT}/1.0/lib-core-1.0.pom`, { headers: { 'cache-control': 'no-cache', pragma: 'no-cache' } });
  t.equal(again.headers.get('x-cache'), 'hit');
  await again.arrayBuffer();
  t.equal(central.count((r) => r.path.endsWith('lib-core-1.0.pom')), before);
});

t.test('a wrong digest is never retained: 502 with both digests', async (t) => {
  const { central, larder } = await setup(t);
  central.fault = { kind: 'wrong-digest' };
  const res = await fetch(`${larder.maven()}${JUNIT}/1.10/lib-core-1.10.jar`);
  t.equal(res.status, 502);
  const message = ((await res.json()) as { error: string }).error;
  t.match(message, /org\.example:lib-core@1\.10/);
  t.match(message, /expected sha1-.*got sha1-/);
  central.fault = undefined;
  await larder.daemon.settle();
});

t.test('maven-metadata.xml: merged with retained versions, latest and release recomputed, sidecars regenerated', async (t) => {
  const { central, larder } = await setup(t, { defaults: { refresh: 'blocking', metadataTtl: { maven: '1ms' } } });
  await (await fetch(`${larder.maven()}${JUNIT}/1.0/lib-core-1.0.jar`)).arrayBuffer();
  await larder.daemon.settle();
  central.removeVersion('org.example', 'lib-core', '1.0');
  const res = await fetch(`${larder.maven()}${JUNIT}/maven-metadata.xml`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /xml/);
  const xml = await res.text();
  const versions = [...xml.matchAll(/<version>([^<]+)<\/version>/g)].map((m) => m[1]);
  t.same(versions, ['1.0', '1.2', '1.10'], 'the retained 1.0 stays listed, in Maven order');
  t.match(xml, /<latest>1\.10<\/latest>/);
  t.match(xml, /<release>1\.10<\/release>/);
  t.match(xml, /<lastUpdated>\d{14}<\/lastUpdated>/);
  const sha1 = await (await fetch(`${larder.maven()}${JUNIT}/maven-metadata.xml.sha1`)).text();
  t.equal(sha1, sha('sha1', Buffer.from(xml)), 'sidecar of what larder serves');
});

t.test('release ingestion: the version\'s standard assets come in the background, dependencies do not', async (t) => {
  const { central, larder } = await setup(t);
  await (await fetch(`${larder.maven()}${JUNIT}/1.2/lib-core-1.2.pom`)).arrayBuffer();
  for (let i = 0; i < 50 && central.count((r) => r.path.endsWith('lib-core-1.2.module')) === 0; i += 1) await sleep(20);
  await sleep(100);
  await larder.daemon.settle();
  for (const file of ['lib-core-1.2.jar', 'lib-core-1.2-sources.jar', 'lib-core-1.2-javadoc.jar', 'lib-core-1.2.module']) {
    const res = await fetch(`${larder.maven()}${JUNIT}/1.2/${file}`);
    t.equal(res.headers.get('x-cache'), 'hit', `${file} was ingested`);
    await res.arrayBuffer();
  }
  t.equal(central.count((r) => r.path.includes('/1.0/') || r.path.includes('/1.10/')), 0, 'other versions were not fetched');
});

t.test('search across connections: in order, and a 404 is remembered per connection', async (t) => {
  const { central, google, larder } = await setup(t);
  const path = 'com/google/example/droid/2.0/droid-2.0.pom';
  const first = await fetch(`${larder.maven()}${path}`);
  t.equal(first.status, 200, 'found in the second connection');
  await first.arrayBuffer();
  t.equal(google.count((r) => r.path.startsWith('/com/google/example/droid/2.0/droid-2.0.pom')), 2, 'sidecar then file from the second connection');
  const centralAsked = central.count((r) => r.path.includes('droid'));
  t.ok(centralAsked >= 1, 'the first connection was asked first');
  const missing = await fetch(`${larder.maven()}${path.replace('2.0', '3.0').replace('2.0', '3.0')}`);
  t.equal(missing.status, 404);
  t.match(((await missing.json()) as { error: string }).error, /not found/);
  await larder.daemon.settle();
  const asked = central.requests.length + google.requests.length;
  const again = await fetch(`${larder.maven()}${path.replace('2.0', '3.0').replace('2.0', '3.0')}`);
  t.equal(again.status, 404);
  await again.arrayBuffer();
  t.same([...central.requests, ...google.requests].slice(asked).map((r) => r.path), [], 'the remembered 404s asked nobody');
  await central.stop();
  await google.stop();
  const outage = await fetch(`${larder.maven()}${path}`);
  t.equal(outage.status, 200, 'retained: served during the outage');
  await outage.arrayBuffer();
});

t.test('bad input: 4xx with a message, nothing written', async (t) => {
  const { central, larder } = await setup(t);
  central.clearRequests();
  for (const [path, status] of [
    [`${JUNIT}/1.2/other-1.2.jar`, 400],
    [`${JUNIT}/1.2/%2e%2e%2fsecret.jar`, 400],
    [`${JUNIT}/1.2/lib-core-1.2.jar%00`, 400],
    ['org/exa$mple/lib/1.0/lib-1.0.jar', 400],
    ['x', 400],
  ] as const) {
    const res = await fetch(`${larder.maven()}${path}`);
    t.equal(res.status, status, path);
    t.ok(((await res.json()) as { error: string }).error.length > 10, `${path}: a message`);
  }
  t.equal(central.requests.length, 0, 'nothing reached the upstream');
  const put = await fetch(`${larder.maven()}${JUNIT}/1.2/lib-core-1.2.jar`, { method: 'PUT', body: 'x' });
  t.equal(put.status, 405);
  await put.arrayBuffer();
});

t.test('SNAPSHOT: version-level metadata follows the TTL, timestamped builds are served', async (t) => {
  const central = await startFakeMaven({ artifacts: [{ groupId: 'org.example', artifactId: 'snap', versions: { '1.1-SNAPSHOT': {} } }] });
  const larder = await startTestLarder({ mavenUpstreams: [central.url], config: { defaults: { refresh: 'blocking', metadataTtl: { maven: '300ms' } } } });
  t.teardown(async () => {
    await larder.stop();
    await central.stop();
  });
  const dir = `${larder.maven()}org/example/snap/1.1-SNAPSHOT/`;
  const first = central.fileVersion('org.example', 'snap', '1.1-SNAPSHOT');
  const meta = await (await fetch(`${dir}maven-metadata.xml`)).text();
  t.match(meta, `<value>${first}</value>`, 'the current timestamped build is listed');
  const jar = await fetch(`${dir}snap-${first}.jar`);
  t.equal(jar.status, 200);
  t.ok(Buffer.from(await jar.arrayBuffer()).equals((await central.file(`org/example/snap/1.1-SNAPSHOT/snap-${first}.jar`)).bytes));

  const second = central.publishSnapshot('org.example', 'snap', '1.1-SNAPSHOT');
  t.not(second, first);
  t.match(await (await fetch(`${dir}maven-metadata.xml`)).text(), `<value>${first}</value>`, 'within the TTL: the cached metadata');
  await sleep(350);
  t.match(await (await fetch(`${dir}maven-metadata.xml`)).text(), `<value>${second}</value>`, 'after the TTL: the new build');
  const next = await fetch(`${dir}snap-${second}.jar`);
  t.equal(next.status, 200);
  await next.arrayBuffer();
});

t.test('a jar asked for right after its pom streams at once, not "ingestion in progress"', async (t) => {
  const central = await startFakeMaven({ artifacts: [{ groupId: 'org.example', artifactId: 'big', versions: { '1.0': { entries: { 'blob.bin': Buffer.alloc(3 * 1024 * 1024, 7) } } } }] });
  const larder = await startTestLarder({ mavenUpstreams: [central.url], config: { defaults: { refresh: 'blocking', ingestionDeadline: '2s' } } });
  t.teardown(async () => {
    await larder.stop();
    await central.stop();
  });
  central.fault = { kind: 'slow', delayMs: 1500, match: (r) => r.path.endsWith('big-1.0.jar') };
  await (await fetch(`${larder.maven()}org/example/big/1.0/big-1.0.pom`)).arrayBuffer();
  const jar = await fetch(`${larder.maven()}org/example/big/1.0/big-1.0.jar`);
  t.equal(jar.status, 200, 'the client led its own fill');
  await jar.arrayBuffer();
});

t.test('maven-metadata.xml has an ETag and Last-Modified, and answers 304', async (t) => {
  const { larder } = await setup(t);
  const res = await fetch(`${larder.maven()}${JUNIT}/maven-metadata.xml`);
  const etag = res.headers.get('etag') ?? '';
  t.match(etag, /^"[0-9a-f]{40}"$/);
  t.ok(Date.parse(res.headers.get('last-modified') ?? '') > 0);
  await res.arrayBuffer();
  const again = await fetch(`${larder.maven()}${JUNIT}/maven-metadata.xml`, { headers: { 'if-none-match': etag } });
  t.equal(again.status, 304);
});

t.test('a SNAPSHOT file without a timestamp is never kept: a redeploy is seen', async (t) => {
  const dir = t.testdir({ org: { example: { s: { '1.0-SNAPSHOT': { 's-1.0-SNAPSHOT.jar': 'build one' } } } } });
  const central = await startFakeMaven({ from: dir });
  const larder = await startTestLarder({ mavenUpstreams: [central.url] });
  t.teardown(async () => {
    await larder.stop();
    await central.stop();
  });
  const url = `${larder.maven()}org/example/s/1.0-SNAPSHOT/s-1.0-SNAPSHOT.jar`;
  t.equal(await (await fetch(url)).text(), 'build one');
  await larder.daemon.settle();
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/org/example/s/1.0-SNAPSHOT/s-1.0-SNAPSHOT.jar`, 'build two');
  t.equal(await (await fetch(url)).text(), 'build two', 'fetched again, verified against the new sidecar');
});
