import t, { type Test } from 'tap';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { lstat, mkdir, readFile, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakeMaven, type FakeMaven, type FakeMavenOptions } from './fake-maven.js';
import { artifactPath, buildJar, buildPom, checksums, CHECKSUM_ALGORITHMS } from './maven-artifacts.js';
import { compareMavenVersions } from './maven-metadata.js';
import { unzip } from './zip.js';

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request with node:http: the path goes out exactly as written (no `..` resolution). */
function send(maven: FakeMaven, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: maven.port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        // A complete body is as long as advertised; anything else is the damage a fault did.
        const declared = res.headers['content-length'];
        if (options.method !== 'HEAD' && res.statusCode !== 304 && declared !== undefined && Number(declared) !== body.length) {
          reject(new Error(`short body: ${body.length} of ${declared}`));
        } else resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

interface XmlElement {
  name: string;
  attributes: string;
  children: XmlElement[];
  text: string;
}

/** A small strict XML reader: throws on unbalanced or stray markup, so a document that loads here is well-formed. */
function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '').replace(/<!--[\s\S]*?-->/g, '');
  const root: XmlElement = { name: '#document', attributes: '', children: [], text: '' };
  const stack = [root];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  while (token.lastIndex < body.length && (match = token.exec(body)) !== null) {
    const [, closing, name = '', attributes = '', selfClosing, text] = match;
    const top = stack.at(-1) as XmlElement;
    if (text !== undefined) {
      if (text.trim() !== '' && top === root) throw new Error('text outside the root element');
      top.text += text.trim();
    } else if (closing === '/') {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const element: XmlElement = { name, attributes, children: [], text: '' };
      top.children.push(element);
      if (selfClosing !== '/') stack.push(element);
    }
  }
  if (token.lastIndex < body.length) throw new Error(`stray markup at ${token.lastIndex}: ${body.slice(token.lastIndex, token.lastIndex + 30)}`);
  if (stack.length !== 1 || root.children.length !== 1) throw new Error('not exactly one closed root element');
  return root.children[0] as XmlElement;
}

function child(element: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  return path.reduce<XmlElement | undefined>((at, name) => at?.children.find((c) => c.name === name), element);
}

const names = (element: XmlElement | undefined): string[] => element?.children.map((c) => c.name) ?? [];

const ARTIFACTS: FakeMavenOptions['artifacts'] = [
  { groupId: 'com.acme.tools', artifactId: 'lib', versions: { '1.0': { sources: true, javadoc: true, module: true }, '1.1': {}, '1.2-SNAPSHOT': { sources: true } } },
  { groupId: 'com.acme.tools', artifactId: 'app', versions: { '2.0': { dependencies: [{ groupId: 'com.acme.tools', artifactId: 'lib', version: '1.0', scope: 'runtime' }] } } },
  { groupId: 'com.acme', artifactId: 'parent', versions: { '3': { packaging: 'pom' } } },
  { groupId: 'com.acme', artifactId: 'legacy', versions: { '0.9': { noSha1: true } } },
];

async function fake(t: Test, options: FakeMavenOptions = {}): Promise<FakeMaven> {
  const maven = await startFakeMaven({ artifacts: ARTIFACTS, ...options });
  t.teardown(() => maven.stop());
  return maven;
}

const LIB = '/com/acme/tools/lib';

t.test('built artifacts: jar, pom, checksums, version order', async (t) => {
  t.same(checksums(Buffer.from('abc')), {
    md5: '900150983cd24fb0d6963f7d28e17f72',
    sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
    sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    sha512: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  });
  const jar = unzip(buildJar({ groupId: 'g.x', artifactId: 'a', version: '1.0', entries: { 'g/x/A.class': Buffer.from([0xca, 0xfe]) } }));
  t.same([...jar.keys()], ['META-INF/', 'META-INF/MANIFEST.MF', 'META-INF/maven/g.x/a/pom.properties', 'g/x/A.class']);
  t.match(jar.get('META-INF/MANIFEST.MF')?.toString(), /^Manifest-Version: 1\.0\r\n/);
  t.same(buildJar({ groupId: 'g', artifactId: 'a', version: '1' }), buildJar({ groupId: 'g', artifactId: 'a', version: '1' }), 'deterministic');
  t.not(checksums(buildJar({ groupId: 'g', artifactId: 'a', version: '1' })).sha1, checksums(buildJar({ groupId: 'g', artifactId: 'a', version: '2' })).sha1);

  const pom = parseXml(buildPom({ groupId: 'g', artifactId: 'a', version: '1', packaging: 'pom', dependencies: [{ groupId: 'd', artifactId: 'e', version: '[1,2)', scope: 'test' }] }));
  t.equal(pom.name, 'project');
  t.same(names(pom), ['modelVersion', 'groupId', 'artifactId', 'version', 'packaging', 'name', 'dependencies']);
  t.same(names(child(pom, 'dependencies', 'dependency')), ['groupId', 'artifactId', 'version', 'scope']);
  t.equal(child(pom, 'dependencies', 'dependency', 'version')?.text, '[1,2)');

  const ordered = ['1.0-alpha-1', '1.0-beta', '1.0-rc1', '1.0-SNAPSHOT', '1.0', '1.0-sp1', '1.0.1', '1.1', '1.9', '1.10', '2'];
  t.same([...ordered].reverse().sort(compareMavenVersions), ordered);
  t.equal(compareMavenVersions('1.0', '1'), 0, 'trailing zeros do not count');
});

t.test('layout: every standard file at its path, with its type; absent and bad paths', async (t) => {
  const maven = await fake(t);
  const expected: [string, RegExp][] = [
    [`${LIB}/1.0/lib-1.0.pom`, /^text\/xml/],
    [`${LIB}/1.0/lib-1.0.jar`, /^application\/java-archive/],
    [`${LIB}/1.0/lib-1.0-sources.jar`, /^application\/java-archive/],
    [`${LIB}/1.0/lib-1.0-javadoc.jar`, /^application\/java-archive/],
    [`${LIB}/1.0/lib-1.0.module`, /^application\/json/],
    [`${LIB}/maven-metadata.xml`, /^text\/xml/],
    ['/com/acme/parent/3/parent-3.pom', /^text\/xml/],
  ];
  for (const [path, type] of expected) {
    const got = await send(maven, path);
    t.equal(got.status, 200, path);
    t.match(got.headers['content-type'], type);
    t.same(got.body, (await maven.file(path)).bytes);
  }
  const jar = unzip((await maven.file(`${LIB}/1.0/lib-1.0.jar`)).bytes);
  const pomText = (await maven.file(`${LIB}/1.0/lib-1.0.pom`)).bytes.toString();
  t.equal(jar.get('META-INF/maven/com.acme.tools/lib/pom.xml')?.toString(), pomText, 'the jar embeds the pom served beside it');
  t.match(pomText, /<!-- do_not_remove: published-with-gradle-metadata -->/, 'a pom published with a .module says so');
  t.ok(unzip((await maven.file(`${LIB}/1.0/lib-1.0-sources.jar`)).bytes).size > 0, 'sources jar is a zip');
  const module = JSON.parse((await maven.file(`${LIB}/1.0/lib-1.0.module`)).bytes.toString()) as { variants: { files: { name: string; sha1: string; size: number }[] }[] };
  const jarFile = await maven.file(`${LIB}/1.0/lib-1.0.jar`);
  t.match(module.variants[0]?.files[0], { name: 'lib-1.0.jar', sha1: jarFile.sha1, size: jarFile.bytes.length }, '.module digests the jar');
  const app = parseXml((await send(maven, '/com/acme/tools/app/2.0/app-2.0.pom')).body.toString());
  t.equal(child(app, 'dependencies', 'dependency', 'scope')?.text, 'runtime');

  for (const path of [`${LIB}/1.1/lib-1.1-sources.jar`, `${LIB}/1.1/lib-1.1.module`, '/com/acme/parent/3/parent-3.jar', '/com/acme/nothing/1/nothing-1.jar', `${LIB}/1.0/`, `${LIB}/`, '/', `${LIB}//1.0/lib-1.0.jar`]) {
    t.equal((await send(maven, path)).status, 404, `404 ${path}`);
  }
  t.equal((await send(maven, `${LIB}/1.1/../1.0/lib-1.0.jar`)).status, 400, 'dot segments are refused, not resolved');
  t.equal((await send(maven, `${LIB}/1.0/lib-1.0%2e%2e.jar`)).status, 404, 'an escaped name is only a name');
  t.equal((await send(maven, `${LIB}/%2e%2e/lib/1.0/lib-1.0.jar`)).status, 400, 'escaped dot segments too');
  t.equal((await send(maven, `${LIB}/1.0/lib-1.0%zz.jar`)).status, 400, 'bad escape');
  const put = await send(maven, `${LIB}/1.0/lib-1.0.jar`, { method: 'PUT' });
  t.equal(put.status, 405);
  t.equal(put.headers.allow, 'GET, HEAD');
  t.equal((await send(maven, `${LIB}/1.0/lib-1.0.jar?x=1`)).status, 200, 'a query string is ignored');
  t.equal(maven.count(`${LIB}/1.0/lib-1.0.jar`), 3);
  t.same(maven.requests.at(-1)?.status, 200);
});

t.test('sidecars and X-Checksum headers match the bytes served', async (t) => {
  const maven = await fake(t);
  for (const path of [`${LIB}/1.0/lib-1.0.jar`, `${LIB}/1.0/lib-1.0.pom`, `${LIB}/1.0/lib-1.0.module`, `${LIB}/maven-metadata.xml`, `${LIB}/1.2-SNAPSHOT/maven-metadata.xml`]) {
    const got = await send(maven, path);
    const sums = checksums(got.body);
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const sidecar = await send(maven, `${path}.${algorithm}`);
      t.equal(sidecar.status, 200);
      t.equal(sidecar.body.toString(), sums[algorithm], `${path}.${algorithm}`);
    }
    t.equal(got.headers['x-checksum-sha1'], sums.sha1);
    t.equal(got.headers['x-checksum-md5'], sums.md5);
  }
  t.equal((await send(maven, `${LIB}/1.0/lib-1.0.jar.sha1`)).headers['x-checksum-sha1'], undefined, 'sidecars carry no checksum headers');
  t.equal((await send(maven, `${LIB}/1.1/lib-1.1-sources.jar.sha1`)).status, 404, 'no sidecar without its file');

  const legacy = '/com/acme/legacy/0.9/legacy-0.9.jar';
  t.equal((await send(maven, `${legacy}.sha1`)).status, 404, 'noSha1: no .sha1');
  t.equal((await send(maven, `${legacy}.md5`)).body.toString(), (await maven.file(legacy)).md5, 'noSha1: .md5 still there');
  const plain = await send(maven, legacy);
  t.equal(plain.headers['x-checksum-sha1'], undefined, 'noSha1: no X-Checksum-Sha1');
  t.equal(plain.headers['x-checksum-md5'], checksums(plain.body).md5);

  const named = await fake(t, { sidecarFilename: true });
  t.equal((await send(named, `${LIB}/1.0/lib-1.0.jar.sha1`)).body.toString(), `${(await named.file(`${LIB}/1.0/lib-1.0.jar`)).sha1}  lib-1.0.jar`);
  const bare = await fake(t, { sidecars: false, checksumHeaders: false });
  t.equal((await send(bare, `${LIB}/1.0/lib-1.0.jar.sha1`)).status, 404, 'sidecars: false');
  t.equal((await send(bare, `${LIB}/maven-metadata.xml.md5`)).status, 404);
  t.equal((await send(bare, `${LIB}/1.0/lib-1.0.jar`)).headers['x-checksum-sha1'], undefined, 'checksumHeaders: false');
});

t.test('artifact-level maven-metadata.xml: the real format, following publishes and removals', async (t) => {
  const maven = await fake(t);
  const first = await send(maven, `${LIB}/maven-metadata.xml`);
  const doc = parseXml(first.body.toString());
  t.equal(doc.name, 'metadata');
  t.match(doc.attributes, /modelVersion="1\.1\.0"/);
  t.same(names(doc), ['groupId', 'artifactId', 'versioning']);
  t.equal(child(doc, 'groupId')?.text, 'com.acme.tools');
  t.same(names(child(doc, 'versioning')), ['latest', 'release', 'versions', 'lastUpdated']);
  t.same(child(doc, 'versioning', 'versions')?.children.map((v) => v.text), ['1.0', '1.1', '1.2-SNAPSHOT']);
  t.equal(child(doc, 'versioning', 'latest')?.text, '1.2-SNAPSHOT', 'latest: the last publish, SNAPSHOTs included');
  t.equal(child(doc, 'versioning', 'release')?.text, '1.1');
  const updated = child(doc, 'versioning', 'lastUpdated')?.text ?? '';
  t.match(updated, /^\d{14}$/);
  t.equal(new Date(String(first.headers['last-modified'])).toISOString().replace(/[-:T]/g, '').slice(0, 14), updated, 'lastUpdated is Last-Modified');

  t.equal(maven.addVersion('com.acme.tools', 'lib', '1.3'), '1.3');
  const second = await send(maven, `${LIB}/maven-metadata.xml`);
  const next = parseXml(second.body.toString());
  t.same(child(next, 'versioning', 'versions')?.children.map((v) => v.text), ['1.0', '1.1', '1.2-SNAPSHOT', '1.3']);
  t.equal(child(next, 'versioning', 'release')?.text, '1.3');
  t.not(second.headers.etag, first.headers.etag);
  t.ok(Date.parse(String(second.headers['last-modified'])) >= Date.parse(String(first.headers['last-modified'])) + 1000, 'Last-Modified moved by at least a second');
  t.equal((await send(maven, `${LIB}/1.3/lib-1.3.jar`)).status, 200);

  maven.removeVersion('com.acme.tools', 'lib', '1.3');
  t.equal((await send(maven, `${LIB}/1.3/lib-1.3.jar`)).status, 404, 'removed files are gone');
  const after = parseXml((await send(maven, `${LIB}/maven-metadata.xml`)).body.toString());
  t.equal(child(after, 'versioning', 'release')?.text, '1.1');
  maven.removeVersion('com.acme', 'parent', '3');
  t.equal((await send(maven, '/com/acme/parent/maven-metadata.xml')).status, 404, 'no versions left: no metadata');
  t.throws(() => maven.removeVersion('com.acme', 'parent', '3'), /no version/);
});

t.test('SNAPSHOTs: version-level metadata, timestamped files, republishing bumps the build', async (t) => {
  const maven = await fake(t);
  const dir = `${LIB}/1.2-SNAPSHOT`;
  const v1 = maven.fileVersion('com.acme.tools', 'lib', '1.2-SNAPSHOT');
  const [, timestamp1 = ''] = /^1\.2-(\d{8}\.\d{6})-1$/.exec(v1) ?? [];
  t.not(timestamp1, '', `timestamped build 1: ${v1}`);
  const doc = parseXml((await send(maven, `${dir}/maven-metadata.xml`)).body.toString());
  t.equal(child(doc, 'version')?.text, '1.2-SNAPSHOT');
  t.equal(child(doc, 'versioning', 'snapshot', 'timestamp')?.text, timestamp1);
  t.equal(child(doc, 'versioning', 'snapshot', 'buildNumber')?.text, '1');
  t.same(names(child(doc, 'versioning')), ['snapshot', 'lastUpdated', 'snapshotVersions']);
  const entries = (child(doc, 'versioning', 'snapshotVersions')?.children ?? []).map((e) => `${child(e, 'classifier')?.text ?? ''}|${child(e, 'extension')?.text ?? ''}|${child(e, 'value')?.text ?? ''}`);
  t.same(entries, [`|pom|${v1}`, `|jar|${v1}`, `sources|jar|${v1}`]);
  for (const name of [`lib-${v1}.pom`, `lib-${v1}.jar`, `lib-${v1}-sources.jar`]) t.equal((await send(maven, `${dir}/${name}`)).status, 200, name);
  t.equal((await send(maven, `${dir}/lib-1.2-SNAPSHOT.jar`)).status, 404, 'no un-timestamped file on a remote');
  t.equal(unzip((await maven.file(`${dir}/lib-${v1}.jar`)).bytes).get('META-INF/maven/com.acme.tools/lib/pom.properties')?.toString(), 'artifactId=lib\ngroupId=com.acme.tools\nversion=1.2-SNAPSHOT\n');

  const v2 = maven.publishSnapshot('com.acme.tools', 'lib', '1.2-SNAPSHOT');
  t.match(v2, /^1\.2-\d{8}\.\d{6}-2$/);
  t.ok(v2.slice(4, 19) > timestamp1, 'a later timestamp');
  t.equal(maven.fileVersion('com.acme.tools', 'lib', '1.2-SNAPSHOT'), v2);
  const after = parseXml((await send(maven, `${dir}/maven-metadata.xml`)).body.toString());
  t.equal(child(after, 'versioning', 'snapshot', 'buildNumber')?.text, '2');
  t.equal(child(after, 'versioning', 'snapshotVersions', 'snapshotVersion', 'value')?.text, v2);
  t.not((await maven.file(`${dir}/lib-${v2}.jar`)).sha1, (await maven.file(`${dir}/lib-${v1}.jar`)).sha1, 'each build has its own bytes');
  t.equal((await send(maven, `${dir}/lib-${v1}.jar`)).status, 200, 'the older build is still served');
  t.throws(() => maven.publishSnapshot('com.acme.tools', 'lib', '1.0'), /not a SNAPSHOT/);
});

t.test('validators: ETag, Last-Modified, 304, HEAD; off when asked', async (t) => {
  const maven = await fake(t);
  const path = `${LIB}/1.0/lib-1.0.jar`;
  const full = await send(maven, path);
  const etag = String(full.headers.etag);
  t.match(etag, /^"[0-9a-f]{40}"$/);
  t.ok(full.headers['last-modified']);
  const byTag = await send(maven, path, { headers: { 'if-none-match': etag } });
  t.equal(byTag.status, 304);
  t.equal(byTag.body.length, 0);
  t.equal((await send(maven, path, { headers: { 'if-modified-since': String(full.headers['last-modified']) } })).status, 304);
  t.equal((await send(maven, path, { headers: { 'if-none-match': '"other"', 'if-modified-since': String(full.headers['last-modified']) } })).status, 200, 'If-None-Match wins');
  t.equal((await send(maven, path, { headers: { 'if-modified-since': new Date(0).toUTCString() } })).status, 200);
  const head = await send(maven, path, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.body.length, 0);
  t.equal(head.headers['content-length'], String(full.body.length));
  t.equal(head.headers.etag, etag);
  t.equal(head.headers['x-checksum-sha1'], full.headers['x-checksum-sha1']);

  const plain = await fake(t, { validators: false });
  const res = await send(plain, path, { headers: { 'if-none-match': etag } });
  t.equal(res.status, 200, 'conditional headers ignored');
  t.equal(res.headers.etag, undefined);
  t.equal(res.headers['last-modified'], undefined);
});

t.test('faults: down, status with times, match, slow, reset, truncate, hang', async (t) => {
  const maven = await fake(t);
  const jar = `${LIB}/1.0/lib-1.0.jar`;
  maven.fault = { kind: 'down' };
  await t.rejects(send(maven, jar), 'down');
  maven.fault = { kind: 'status', status: 503, times: 1, headers: { 'retry-after': '2' } };
  const unavailable = await send(maven, jar);
  t.equal(unavailable.status, 503);
  t.equal(unavailable.headers['retry-after'], '2');
  t.equal(maven.fault, undefined, 'switched itself off');
  t.equal((await send(maven, jar)).status, 200);
  maven.fault = { kind: 'status', status: 500, match: /\.sha1$/ };
  t.equal((await send(maven, jar)).status, 200, 'not matched');
  t.equal((await send(maven, `${jar}.sha1`)).status, 500, 'matched');
  maven.fault = { kind: 'slow', delayMs: 250 };
  const started = Date.now();
  t.equal((await send(maven, jar)).status, 200);
  t.ok(Date.now() - started >= 240, 'slow');
  maven.fault = { kind: 'reset', afterBytes: 10 };
  await t.rejects(send(maven, jar), 'reset mid-body');
  maven.fault = { kind: 'truncate' };
  await t.rejects(send(maven, jar), 'truncate: fewer bytes than Content-Length, then a clean close');
  maven.fault = { kind: 'hang' };
  const hung = send(maven, jar);
  hung.catch(() => undefined); // observed below, after stop()
  const raced = await Promise.race([hung.then(() => 'answered'), new Promise((resolve) => setTimeout(resolve, 200, 'hung'))]);
  t.equal(raced, 'hung');
  await maven.stop();
  await t.rejects(hung, 'stop() ends a hung request');
  t.same(maven.requests.map((r) => r.fault ?? '-'), ['down', 'status', '-', '-', 'status', 'slow', 'reset', 'truncate', 'hang']);
});

t.test('faults: wrong-digest serves a valid file that matches neither sidecar nor header', async (t) => {
  const maven = await fake(t);
  const jar = `${LIB}/1.0/lib-1.0.jar`;
  const good = await maven.file(jar);
  maven.fault = { kind: 'wrong-digest', times: 2 };
  t.equal((await send(maven, `${jar}.sha1`)).body.toString(), good.sha1, 'sidecars do not use up the fault');
  t.equal((await send(maven, `${LIB}/maven-metadata.xml`)).status, 200, 'nor does metadata');
  const bad = await send(maven, jar);
  t.not(checksums(bad.body).sha1, good.sha1, 'the bytes differ');
  t.equal(bad.headers['x-checksum-sha1'], good.sha1, 'the header still names the real digest');
  t.same([...unzip(bad.body).keys()], [...unzip(good.bytes).keys()], 'still a valid jar with the same entries');
  const pom = await send(maven, `${LIB}/1.0/lib-1.0.pom`);
  t.not(checksums(pom.body).sha1, (await maven.file(`${LIB}/1.0/lib-1.0.pom`)).sha1);
  t.doesNotThrow(() => parseXml(pom.body.toString()), 'still a well-formed pom');
  t.equal(maven.fault, undefined);
  t.same((await send(maven, jar)).body, good.bytes);
});

t.test('from: serves a local repository directory read-only', async (t) => {
  const base = t.testdir({ repo: {}, outside: { 'secret.jar': 'not yours' } });
  const root = join(base, 'repo');
  const thing = join(root, 'org', 'local', 'thing');
  await mkdir(join(thing, '1.0'), { recursive: true });
  const jar = buildJar({ groupId: 'org.local', artifactId: 'thing', version: '1.0' });
  await writeFile(join(thing, '1.0', 'thing-1.0.jar'), jar);
  await writeFile(join(thing, '1.0', 'thing-1.0.pom'), buildPom({ groupId: 'org.local', artifactId: 'thing', version: '1.0' }));
  await writeFile(join(thing, '1.0', 'thing-1.0.jar.sha1'), `${checksums(jar).sha1}  /home/someone/thing-1.0.jar\n`);
  await writeFile(join(thing, '1.0', '_remote.repositories'), 'thing-1.0.jar>central=\n');
  await writeFile(join(thing, '1.0', 'thing-1.0.jar.lastUpdated'), 'x\n');
  await writeFile(join(thing, 'maven-metadata-central.xml'), '<metadata><groupId>org.local</groupId><artifactId>thing</artifactId></metadata>\n');
  const other = join(root, 'org', 'local', 'other');
  for (const version of ['1.10', '1.0', '1.9', '2.0-SNAPSHOT']) {
    await mkdir(join(other, version), { recursive: true });
    await writeFile(join(other, version, `other-${version}.pom`), buildPom({ groupId: 'org.local', artifactId: 'other', version }));
  }
  await mkdir(join(other, 'not-a-version'));
  await utimes(join(other, '1.9', 'other-1.9.pom'), new Date('2024-03-04T05:06:07Z'), new Date('2024-03-04T05:06:07Z'));
  await symlink(join(base, 'outside', 'secret.jar'), join(thing, '1.0', 'escape.jar'));
  // Shadowed: the same path in memory wins over the directory.
  await mkdir(join(root, 'com', 'acme', 'tools', 'lib', '1.1'), { recursive: true });
  await writeFile(join(root, 'com', 'acme', 'tools', 'lib', '1.1', 'lib-1.1.jar'), 'from disk');
  const before = await snapshotTree(root);

  const maven = await fake(t, { from: root });
  const jarPath = '/org/local/thing/1.0/thing-1.0.jar';
  const got = await send(maven, jarPath);
  t.same(got.body, jar);
  t.equal(got.headers['x-checksum-sha1'], checksums(jar).sha1);
  t.equal((await send(maven, `${jarPath}.sha1`)).body.toString(), `${checksums(jar).sha1}  /home/someone/thing-1.0.jar\n`, 'a stored sidecar is served as it is');
  t.equal((await send(maven, `${jarPath}.sha256`)).body.toString(), checksums(jar).sha256, 'a missing sidecar is computed');
  const pom = (await send(maven, '/org/local/thing/1.0/thing-1.0.pom.md5')).body.toString();
  t.equal(pom, (await maven.file('org/local/thing/1.0/thing-1.0.pom')).md5);
  for (const hidden of ['_remote.repositories', 'thing-1.0.jar.lastUpdated', 'escape.jar', 'missing.jar', 'missing.jar.sha1']) {
    t.equal((await send(maven, `/org/local/thing/1.0/${hidden}`)).status, 404, `404 ${hidden}`);
  }
  t.equal((await send(maven, '/org/local/thing/maven-metadata-central.xml')).status, 404, 'local metadata only under its remote name');
  const stored = await send(maven, '/org/local/thing/maven-metadata.xml');
  t.equal(stored.body.toString(), '<metadata><groupId>org.local</groupId><artifactId>thing</artifactId></metadata>\n', 'from maven-metadata-<id>.xml');
  t.equal((await send(maven, '/org/local/thing/maven-metadata.xml.sha1')).body.toString(), checksums(stored.body).sha1);

  const synthesized = parseXml((await send(maven, '/org/local/other/maven-metadata.xml')).body.toString());
  t.equal(child(synthesized, 'groupId')?.text, 'org.local');
  t.same(child(synthesized, 'versioning', 'versions')?.children.map((v) => v.text), ['1.0', '1.9', '1.10', '2.0-SNAPSHOT'], 'version directories in Maven order');
  t.equal(child(synthesized, 'versioning', 'latest')?.text, '2.0-SNAPSHOT');
  t.equal(child(synthesized, 'versioning', 'release')?.text, '1.10');
  t.equal((await send(maven, '/org/local/maven-metadata.xml')).status, 404, 'no versions here: nothing to synthesize');
  t.equal((await send(maven, '/org/nowhere/x/maven-metadata.xml')).status, 404);
  t.equal((await send(maven, '/org/local/thing/1.0')).status, 404, 'a directory is not a file');
  t.not((await send(maven, '/com/acme/tools/lib/1.1/lib-1.1.jar')).body.toString(), 'from disk', 'memory first');
  t.same(await snapshotTree(root), before, 'nothing in the directory changed');
});

/** Every path under `dir` with its size, mtime and content, to prove nothing was written. */
async function snapshotTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = await lstat(path);
    const content = entry.isFile() ? checksums(await readFile(path)).sha1 : '';
    out.push(`${path} ${info.size} ${info.mtimeMs} ${content}`);
  }
  return out.sort();
}

t.test('stop() refuses connections; start() comes back on the same port', async (t) => {
  const maven = await fake(t);
  const { url, port } = maven;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  t.equal((await send(maven, `${LIB}/maven-metadata.xml`)).status, 200);
  await maven.stop();
  t.notOk(maven.listening);
  await t.rejects(send(maven, `${LIB}/maven-metadata.xml`), { code: 'ECONNREFUSED' });
  await maven.stop(); // idempotent
  await maven.start();
  t.equal(maven.port, port);
  t.equal(maven.url, url);
  t.equal((await send(maven, `/${artifactPath({ groupId: 'com.acme.tools', artifactId: 'lib', version: '1.0', extension: 'pom' })}`)).status, 200);
  t.equal(maven.count(), 2, 'refused connections are not requests');
  maven.clearRequests();
  t.equal(maven.count(), 0);
});
