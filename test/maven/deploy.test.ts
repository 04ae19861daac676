// mvn deploy on the wire (issue 9 §1–3): the PUTs maven-deploy-plugin makes, against a real
// daemon whose `team` repository takes publishes and whose `dev` repository reads through it.
import t, { type Test } from 'tap';
import { request as httpRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakeMaven, type FakeMaven } from '../helpers/fake-maven.js';
import { startTestLarder, requestLines, type TestLarder } from '../helpers/larder.js';
import { artifactPath, buildJar, buildPom, checksums, type MavenCoordinates } from '../helpers/maven-artifacts.js';

interface Setup {
  upstream: FakeMaven;
  larder: TestLarder;
  auth: { authorization: string };
}

async function setup(t: Test): Promise<Setup> {
  const upstream = await startFakeMaven({ artifacts: [{ groupId: 'org.public', artifactId: 'shared', versions: { '1.0': {} } }] });
  const larder = await startTestLarder({
    repositories: {
      team: { publish: true, upstreams: ['maven-store'], packages: [{ match: 'com.forbidden:*', format: 'maven', publish: 'block' }] },
      'maven-store': { external: { format: 'maven', url: upstream.url } },
      dev: { upstreams: ['team'] },
      'read-only': { upstreams: ['maven-store'] },
    },
  });
  t.teardown(async () => {
    await larder.stop();
    await upstream.stop();
  });
  const token = createToken(await tokenSecret(larder.dataDir), 'ci-deployer', 60 * 60 * 1000, Date.now());
  return { upstream, larder, auth: { authorization: `Basic ${Buffer.from(`deployer:${token}`).toString('base64')}` } };
}

interface Artifact {
  coordinates: MavenCoordinates;
  files: { path: string; bytes: Buffer }[];
  metadataPath: string;
}

function artifact(groupId: string, artifactId: string, version: string): Artifact {
  const coordinates = { groupId, artifactId, version };
  const pom = buildPom({ ...coordinates, dependencies: [] });
  return {
    coordinates,
    files: [
      { path: artifactPath({ ...coordinates, extension: 'jar' }), bytes: buildJar({ ...coordinates, pom }) },
      { path: artifactPath({ ...coordinates, extension: 'pom' }), bytes: Buffer.from(pom) },
    ],
    metadataPath: `${groupId.replace(/\./g, '/')}/${artifactId}/maven-metadata.xml`,
  };
}

const put = (url: string, body: string | Buffer, headers: Record<string, string>): Promise<Response> => fetch(url, { method: 'PUT', body, headers });

/** What maven-deploy-plugin sends, in its order; stops at the first answer that is not 201. */
async function deploy(base: string, auth: Record<string, string>, what: Artifact): Promise<{ path: string; status: number; reason: string; body: string }[]> {
  const answers: { path: string; status: number; reason: string; body: string }[] = [];
  const send = async (path: string, body: string | Buffer): Promise<boolean> => {
    const res = await put(`${base}${path}`, body, auth);
    answers.push({ path, status: res.status, reason: res.statusText, body: await res.text() });
    return res.status === 201;
  };
  const before = await fetch(`${base}${what.metadataPath}`);
  await before.arrayBuffer();
  for (const file of what.files) {
    const sums = checksums(file.bytes);
    if (!(await send(file.path, file.bytes)) || !(await send(`${file.path}.sha1`, sums.sha1)) || !(await send(`${file.path}.md5`, sums.md5))) return answers;
  }
  const metadata = `<?xml version="1.0" encoding="UTF-8"?>\n<metadata><groupId>${what.coordinates.groupId}</groupId><artifactId>${what.coordinates.artifactId}</artifactId><versioning><release>${what.coordinates.version}</release><versions><version>${what.coordinates.version}</version></versions></versioning></metadata>\n`;
  const sums = checksums(Buffer.from(metadata));
  if (await send(what.metadataPath, metadata)) if (await send(`${what.metadataPath}.sha1`, sums.sha1)) await send(`${what.metadataPath}.md5`, sums.md5);
  return answers;
}

const errorOf = async (res: Response): Promise<string> => ((await res.json()) as { error: string }).error;

t.test('the PUTs of mvn deploy: stored, served byte-identical through dev with its sidecars, listed in metadata', async (t) => {
  const { larder, auth } = await setup(t);
  const demo = artifact('com.acme', 'demo', '1.0');
  const answers = await deploy(larder.maven('team'), auth, demo);
  t.same(
    answers.map((answer) => answer.status),
    answers.map(() => 201),
    'every PUT answers 201',
  );
  t.equal(answers.length, 9, 'two files with two checksums each, then the metadata and its two');

  for (const file of demo.files) {
    const res = await fetch(`${larder.maven('dev')}${file.path}`);
    t.equal(res.status, 200, `${file.path} through dev`);
    const sums = checksums(file.bytes);
    t.equal(res.headers.get('x-checksum-sha1'), sums.sha1, 'X-Checksum-Sha1 at once');
    t.equal(res.headers.get('x-checksum-md5'), sums.md5, 'X-Checksum-MD5 at once');
    t.ok(Buffer.from(await res.arrayBuffer()).equals(file.bytes), 'byte-identical');
    for (const algorithm of ['sha1', 'md5', 'sha256', 'sha512'] as const) {
      const sidecar = await fetch(`${larder.maven('dev')}${file.path}.${algorithm}`);
      t.equal(await sidecar.text(), sums[algorithm], `.${algorithm} right`);
    }
  }
  const jar = await fetch(`${larder.maven('team')}${demo.files[0]?.path ?? ''}`);
  t.equal(jar.headers.get('content-type'), 'application/java-archive');
  await jar.arrayBuffer();

  const metadata = await fetch(`${larder.maven('dev')}${demo.metadataPath}`);
  t.equal(metadata.status, 200);
  const xml = await metadata.text();
  t.match(xml, /<version>1\.0<\/version>/, 'dev lists the deployed version');
  t.match(xml, /<release>1\.0<\/release>/);

  const next = artifact('com.acme', 'demo', '1.1');
  t.same(
    (await deploy(larder.maven('team'), auth, next)).map((answer) => answer.status).filter((status) => status !== 201),
    [],
    'a second version deploys',
  );
  const both = await (await fetch(`${larder.maven('dev')}${demo.metadataPath}`)).text();
  t.same([...both.matchAll(/<version>([^<]+)<\/version>/g)].map((match) => match[1]), ['1.0', '1.1'], 'both versions listed, in order');
  const deployed = requestLines(larder.logs).filter((line) => line.method === 'PUT' && line.status === 201);
  t.ok(deployed.every((line) => line.user === 'ci-deployer'), 'the request log names the token\'s subject');
});

t.test('a checksum that disagrees: 400 naming both digests, the file withdrawn, the deploy repeatable', async (t) => {
  const { larder, auth } = await setup(t);
  const demo = artifact('com.acme', 'checked', '1.0');
  const jar = demo.files[0] ?? { path: '', bytes: Buffer.alloc(0) };
  const pom = demo.files[1] ?? { path: '', bytes: Buffer.alloc(0) };
  const base = larder.maven('team');
  t.equal((await put(`${base}${pom.path}`, pom.bytes, auth)).status, 201);
  t.equal((await put(`${base}${jar.path}`, jar.bytes, auth)).status, 201);
  const wrong = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
  const res = await put(`${base}${jar.path}.sha1`, `${wrong}\n`, auth);
  t.equal(res.status, 400);
  t.match(res.statusText, /corrupted on the way/, 'the reason phrase (what wagon prints) says why');
  const message = await errorOf(res);
  t.match(message, new RegExp(wrong), 'names the digest sent');
  t.match(message, new RegExp(checksums(jar.bytes).sha1), 'names the digest received');
  const gone = await fetch(`${larder.maven('dev')}${jar.path}`);
  t.equal(gone.status, 404, 'the corrupt file is not served');
  await gone.arrayBuffer();
  const kept = await fetch(`${larder.maven('team')}${pom.path}`);
  t.ok(Buffer.from(await kept.arrayBuffer()).equals(pom.bytes), 'the pom deployed before it stays');

  const garbage = await put(`${base}${jar.path}.md5`, 'not a digest', auth);
  t.equal(garbage.status, 404, 'a checksum of a file no longer deployed: 404');
  t.match(await errorOf(garbage), /checked-1\.0\.jar .*is not deployed in team/);

  const again = await deploy(base, auth, { ...demo, files: [jar] });
  t.same(again.map((answer) => answer.status).filter((status) => status !== 201), [], 'deploying the jar again succeeds');
  t.equal((await put(`${base}${pom.path}`, pom.bytes, auth)).status, 409, 'the pom is still there');
  const notHex = await put(`${base}${jar.path}.sha256`, '<html>oops</html>', auth);
  t.equal(notHex.status, 400);
  t.match(await errorOf(notHex), /does not hold a sha256 digest/);
  const upper = await put(`${base}${jar.path}.sha1`, `${checksums(jar.bytes).sha1.toUpperCase()}  checked-1.0.jar\n`, auth);
  t.equal(upper.status, 201, 'upper-case hex with a file name after it is fine');
  const sidecar = await fetch(`${larder.maven('dev')}${jar.path}.sha512`);
  t.equal(await sidecar.text(), checksums(jar.bytes).sha512);

  const lone = artifact('com.acme', 'checked', '1.1').files[0] ?? { path: '', bytes: Buffer.alloc(0) };
  t.equal((await put(`${base}${lone.path}`, lone.bytes, auth)).status, 201);
  const bad = await put(`${base}${lone.path}.md5`, '0123456789abcdef0123456789abcdef', auth);
  t.equal(bad.status, 400, 'a version whose only file fails its checksum…');
  await bad.arrayBuffer();
  const listed = await (await fetch(`${larder.maven('dev')}${demo.metadataPath}`)).text();
  t.same([...listed.matchAll(/<version>([^<]+)<\/version>/g)].map((match) => match[1]), ['1.0'], '…is withdrawn whole: not listed');
});

t.test('release files never change: a redeploy is 409', async (t) => {
  const { larder, auth } = await setup(t);
  const demo = artifact('com.acme', 'fixed', '2.0');
  await deploy(larder.maven('team'), auth, demo);
  const jar = demo.files[0] ?? { path: '', bytes: Buffer.alloc(0) };
  const res = await put(`${larder.maven('team')}${jar.path}`, Buffer.from('other bytes'), auth);
  t.equal(res.status, 409);
  t.match(await errorOf(res), /com\.acme:fixed@2\.0 is already published in team \(fixed-2\.0\.jar is already there\)/);
  t.match(res.statusText, /already published in team/);
  const served = await fetch(`${larder.maven('dev')}${jar.path}`);
  t.ok(Buffer.from(await served.arrayBuffer()).equals(jar.bytes), 'the first bytes stay');
  const sources = await put(`${larder.maven('team')}${artifactPath({ ...demo.coordinates, classifier: 'sources', extension: 'jar' })}`, Buffer.from('sources'), auth);
  t.equal(sources.status, 201, 'a file the version lacks can still be added');
});

t.test('who may deploy: a token, and a repository that takes publishes', async (t) => {
  const { larder, auth } = await setup(t);
  const jar = artifact('com.acme', 'guarded', '1.0').files[0] ?? { path: '', bytes: Buffer.alloc(0) };
  const anonymous = await put(`${larder.maven('team')}${jar.path}`, jar.bytes, {});
  t.equal(anonymous.status, 401);
  t.match(anonymous.headers.get('www-authenticate'), /^Basic /, 'a Basic challenge, which Maven answers with the settings.xml server');
  t.match(await errorOf(anonymous), /larder token create/);
  const forged = await put(`${larder.maven('team')}${jar.path}`, jar.bytes, { authorization: `Basic ${Buffer.from('me:not-a-token').toString('base64')}` });
  t.equal(forged.status, 401);
  await forged.arrayBuffer();
  // 405 as for npm's writes, token or not; wagon would report a 403 as "Authorization failed".
  for (const headers of [auth, {}]) {
    const readOnly = await put(`${larder.maven('read-only')}${jar.path}`, jar.bytes, headers);
    t.equal(readOnly.status, 405, 'a repository without publish: true takes no deploy');
    t.match(readOnly.statusText, /read-only does not accept publishes/, 'the reason phrase says so');
    t.match(await errorOf(readOnly), /repository read-only does not accept publishes; set publish: true on it/);
  }
  const blocked = await put(`${larder.maven('team')}com/forbidden/secret/1.0/secret-1.0.jar`, jar.bytes, auth);
  t.equal(blocked.status, 403, 'a packages rule with publish: block');
  t.match(await errorOf(blocked), /a packages rule in team blocks publishing com\.forbidden:secret there/);
  const metadata = await put(`${larder.maven('dev')}com/acme/guarded/maven-metadata.xml`, '<metadata/>', auth);
  t.equal(metadata.status, 405, 'metadata PUTs too');
  await metadata.arrayBuffer();
  const anonymousMetadata = await put(`${larder.maven('team')}com/acme/guarded/maven-metadata.xml`, '<metadata/>', {});
  t.equal(anonymousMetadata.status, 401);
  await anonymousMetadata.arrayBuffer();
  const deleted = await fetch(`${larder.maven('team')}${jar.path}`, { method: 'DELETE', headers: auth });
  t.equal(deleted.status, 405, 'other writes stay refused');
  await deleted.arrayBuffer();
  const missing = await fetch(`${larder.maven('team')}${jar.path}`);
  t.equal(missing.status, 404, 'nothing was stored');
  await missing.arrayBuffer();
});

t.test('the guard: coordinates the upstream has cannot be deployed', async (t) => {
  const { upstream, larder, auth } = await setup(t);
  const shared = artifact('org.public', 'shared', '1.0');
  const answers = await deploy(larder.maven('team'), auth, shared);
  t.equal(answers[0]?.status, 409, 'the first PUT is refused');
  t.equal(answers.length, 1, 'nothing else is sent');
  t.match(answers[0]?.body ?? '', new RegExp(`already exists on ${upstream.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(through maven-store\\)`));
  t.match(answers[0]?.reason ?? '', /already exists on .* \(through maven-store\)/, 'the reason phrase names it too');
  const served = await fetch(`${larder.maven('dev')}${shared.files[0]?.path ?? ''}`);
  t.ok(Buffer.from(await served.arrayBuffer()).equals((await upstream.file(shared.files[0]?.path ?? '')).bytes), 'dev still gets the public jar');
  const newer = artifact('org.public', 'shared', '1.1');
  t.same((await deploy(larder.maven('team'), auth, newer)).map((answer) => answer.status).filter((status) => status !== 201), [], 'a version the upstream lacks deploys');
});

t.test('SNAPSHOT deploys are refused: larder takes release deploys only', async (t) => {
  const { larder, auth } = await setup(t);
  const base = larder.maven('team');
  for (const path of ['com/acme/snap/1.0-SNAPSHOT/snap-1.0-20240101.120000-1.jar', 'com/acme/snap/1.0-SNAPSHOT/snap-1.0-SNAPSHOT.jar', 'com/acme/snap/1.0-SNAPSHOT/maven-metadata.xml']) {
    const res = await put(`${base}${path}`, Buffer.from('bytes'), auth);
    t.equal(res.status, 400, path);
    t.match(await errorOf(res), /larder takes release deploys only, and com\.acme:snap:1\.0-SNAPSHOT is a SNAPSHOT/);
  }
});

t.test('bodies: no Content-Length is refused, a client that hangs up leaves nothing behind', async (t) => {
  const { larder, auth } = await setup(t);
  const demo = artifact('com.acme', 'aborted', '1.0');
  const jar = demo.files[0] ?? { path: '', bytes: Buffer.alloc(0) };
  const url = new URL(`${larder.maven('team')}${jar.path}`);

  const chunked = await send(url, auth, (req) => {
    req.write(jar.bytes.subarray(0, 10));
    req.end(jar.bytes.subarray(10));
  });
  t.equal(chunked.status, 400, 'a chunked body is refused');
  t.match(chunked.body, /has no Content-Length; send the file with its length/);

  let huge: ReturnType<typeof httpRequest> | undefined;
  const tooLarge = await send(url, { ...auth, 'content-length': String(2 * 1024 ** 3) }, (req) => {
    huge = req;
    req.write(jar.bytes.subarray(0, 10));
  });
  huge?.destroy();
  t.equal(tooLarge.status, 413, 'a file declared over the 1 GiB a publish takes: 413, answered before the body');
  t.match(tooLarge.body, /is 2147483648 bytes, more than the 1073741824 larder accepts in one publish/);

  const abort = httpRequest(url, { method: 'PUT', headers: { ...auth, 'content-length': String(jar.bytes.length) } });
  abort.on('error', () => undefined); // the hang-up is the point
  abort.write(jar.bytes.subarray(0, 100));
  await sleep(50); // let the first bytes reach the store before hanging up
  abort.destroy();
  const hungUp = (): boolean => requestLines(larder.logs).some((line) => line.method === 'PUT' && line.url === url.pathname && line.aborted === true);
  for (let i = 0; i < 500 && !hungUp(); i++) await sleep(10);
  t.ok(hungUp(), 'larder saw the client hang up mid-body');
  await larder.daemon.settle();
  const tmp = join(larder.dataDir, 'blobs-v1', 'tmp');
  let left: string[] = await readdir(tmp).catch(() => []);
  for (let i = 0; i < 100 && left.length > 0; i++) {
    await sleep(10);
    left = await readdir(tmp).catch(() => []);
  }
  t.same(left, [], 'no temp file left in the store');
  const nothing = await fetch(`${larder.maven('dev')}${jar.path}`);
  t.equal(nothing.status, 404, 'nothing recorded');
  await nothing.arrayBuffer();
  t.same((await deploy(larder.maven('team'), auth, demo)).map((answer) => answer.status).filter((status) => status !== 201), [], 'the deploy can then be made in full');
});

/** A PUT through node:http, so the test controls how the body is sent. */
function send(url: URL, headers: Record<string, string>, write: (req: ReturnType<typeof httpRequest>) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    write(req);
  });
}
