// npm publishing over HTTP (issue 9 §1, §3), with the request bodies npm itself sends: a publish
// lands in team with origin `published`, reaches dev (downstream) byte for byte; writes need a
// token and a repository that publishes; bad bodies and second publishes are refused and leave
// nothing behind; dist-tags, the `?write=true` view, unpublish, and a restart.
// Then larder's own guard and the origin rules: what npm pre-checks by itself shows only in a raw
// PUT. The real client is in test/e2e/npm-publish.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { buildNpmTarball, type TarballInfo } from '../helpers/tarball.js';

interface Manifest {
  name: string;
  version: string;
  dist: { integrity?: string; shasum?: string; tarball: string };
  [field: string]: unknown;
}
interface Attachment {
  content_type: string;
  data: string;
  length: number;
}
interface PublishDoc {
  _id: string;
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, Manifest>;
  _attachments: Record<string, Attachment>;
  [field: string]: unknown;
}
interface Packument {
  _id?: string;
  _rev?: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, Manifest>;
}
interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: string; code?: string };
}

/** What `npm publish` PUTs: one version, its tarball in base64, and the tag pointing at it. */
async function publishBody(registry: string, name: string, version: string, tag = 'latest'): Promise<{ doc: PublishDoc; manifest: Manifest; attachment: Attachment; tarball: TarballInfo }> {
  const tarball = await buildNpmTarball({ name, version, main: 'index.js' }, { indexJs: `module.exports = ${JSON.stringify(`${name}@${version}`)};\n` });
  const stem = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  const manifest: Manifest = {
    name,
    version,
    main: 'index.js',
    _id: `${name}@${version}`,
    _nodeVersion: '20.0.0',
    _npmVersion: '10.0.0',
    dist: { integrity: tarball.integrity, shasum: tarball.shasum, tarball: `${registry}${name}/-/${stem}-${version}.tgz` },
  };
  const attachment: Attachment = { content_type: 'application/octet-stream', data: tarball.bytes.toString('base64'), length: tarball.bytes.length };
  const doc: PublishDoc = { _id: name, name, description: '', 'dist-tags': { [tag]: version }, versions: { [version]: manifest }, access: null, _attachments: { [`${name}-${version}.tgz`]: attachment } };
  return { doc, manifest, attachment, tarball };
}

const escaped = (name: string): string => name.replace('/', '%2f');

async function call(method: string, url: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'npm-command': 'publish' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: Answer['body'] = {};
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch (error) {
    void error; // not JSON: the test looks at the status
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

async function packument(url: string): Promise<Packument> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Packument;
}

/** The management API's answer for one version in a repository (404 when it is not retained). */
async function describe(larder: TestLarder, repository: string, name: string, version: string): Promise<Answer> {
  const query = new URLSearchParams({ repository, format: 'npm', package: name, version });
  return call('GET', `${larder.url}/-/api/versions/describe?${query.toString()}`);
}

const HOUR = 60 * 60 * 1000;
let registry: FakeNpmRegistry;
let larder: TestLarder;
let token: string;

t.before(async () => {
  registry = await startFakeNpmRegistry({
    packages: [
      { name: 'mixed', versions: { '1.0.0': {}, '1.2.0': {} } },
      { name: 'shared-name', versions: { '1.0.0': {}, '1.1.0': {} } },
      { name: 'private-thing', versions: { '1.0.0': {} } },
      { name: 'left-pad', versions: { '1.0.0': {} } },
    ],
  });
  const rules = [
    { match: 'private-*', upstream: 'block' },
    { match: 'ruled-new', upstream: 'block' },
    { match: 'forbidden-*', publish: 'block' },
  ];
  larder = await startTestLarder({
    repositories: {
      team: { publish: true, upstreams: ['npm-store'], packages: rules },
      'npm-store': { external: { format: 'npm', url: registry.url } },
      dev: { upstreams: ['team'] },
      other: { upstreams: ['npm-store'] },
    },
  });
  token = createToken(await tokenSecret(larder.dataDir), 'who', HOUR, Date.now());
});
t.teardown(async () => {
  await larder.stop();
  await registry.stop();
});

t.test('a publish is retained in team and served through dev byte for byte', async (t) => {
  const { doc, tarball } = await publishBody(larder.npm('team'), '@acme/widget', '1.0.0');
  const put = await call('PUT', `${larder.npm('team')}${escaped('@acme/widget')}`, { token, body: doc });
  t.equal(put.status, 201, 'npm publish gets 201');
  t.match(put.body, { ok: true, id: '@acme/widget' });

  const viaDev = await packument(`${larder.npm('dev')}${escaped('@acme/widget')}`);
  t.same(Object.keys(viaDev.versions), ['1.0.0'], 'dev lists the published version');
  t.equal(viaDev['dist-tags'].latest, '1.0.0');
  const dist = viaDev.versions['1.0.0']?.dist;
  t.equal(dist?.tarball, `${larder.npm('dev')}@acme/widget/-/widget-1.0.0.tgz`, 'the tarball URL is on dev');
  t.equal(dist?.integrity, tarball.integrity, 'the integrity is the one published');
  const download = await fetch(dist?.tarball ?? '');
  t.equal(download.status, 200);
  t.ok(Buffer.from(await download.arrayBuffer()).equals(tarball.bytes), 'the tarball is byte-identical');

  const described = await describe(larder, 'team', '@acme/widget', '1.0.0');
  t.equal(described.status, 200);
  t.match(described.body, { status: 'Published', origin: { type: 'published', repository: 'team', publishedBy: 'who' } }, 'the API says published, by the token subject');
});

t.test('writers need a token, and a repository that publishes', async (t) => {
  const { doc } = await publishBody(larder.npm('team'), '@acme/guarded', '1.0.0');
  const url = `${larder.npm('team')}${escaped('@acme/guarded')}`;
  const anonymous = await call('PUT', url, { body: doc });
  t.equal(anonymous.status, 401, 'no token: 401');
  t.match(anonymous.headers.get('www-authenticate'), /^Basic realm="larder"/, 'with a challenge');
  t.match(anonymous.body.error, /needs a token/);

  const forged = createToken(randomBytes(32), 'who', HOUR, Date.now());
  const wrongSecret = await call('PUT', url, { token: forged, body: doc });
  t.equal(wrongSecret.status, 401, 'a token signed with another secret: 401');
  t.match(wrongSecret.body.error, /not one this larder signed/);
  t.notMatch(wrongSecret.body.error, forged, 'the message never repeats the token');

  const expired = createToken(await tokenSecret(larder.dataDir), 'who', 1000, Date.now() - 2 * HOUR);
  const old = await call('PUT', url, { token: expired, body: doc });
  t.equal(old.status, 401, 'an expired token: 401');
  t.match(old.body.error, /expired/);
  const garbage = await call('PUT', url, { token: 'lt1.abc.def', body: doc });
  t.equal(garbage.status, 401, 'a malformed token: 401');

  const readOnly = await call('PUT', `${larder.npm('dev')}${escaped('@acme/guarded')}`, { body: doc });
  t.equal(readOnly.status, 405, 'a repository without publish: 405, even without a token');
  t.match(readOnly.body.error, /repository dev does not accept publishes; set publish: true/);
  const tagOnDev = await call('PUT', `${larder.npm('dev')}-/package/${escaped('@acme/widget')}/dist-tags/beta`, { raw: '"1.0.0"' });
  t.equal(tagOnDev.status, 405, 'a dist-tag change there too');
  const anonymousTag = await call('PUT', `${larder.npm('team')}-/package/${escaped('@acme/widget')}/dist-tags/beta`, { raw: '"1.0.0"' });
  t.equal(anonymousTag.status, 401, 'a dist-tag change needs a token');
  const anonymousDelete = await call('DELETE', `${larder.npm('team')}${escaped('@acme/widget')}/-rev/1-x`);
  t.equal(anonymousDelete.status, 401, 'an unpublish needs a token');

  t.equal((await describe(larder, 'team', '@acme/guarded', '1.0.0')).status, 404, 'nothing was retained');
  t.equal((await describe(larder, 'team', '@acme/widget', '1.0.0')).status, 200, 'and nothing was removed');
});

t.test('bad bodies: 400 naming the problem, nothing retained', async (t) => {
  const name = '@acme/bad';
  const url = `${larder.npm('team')}${escaped(name)}`;
  const other = await buildNpmTarball({ name: 'other', version: '1.0.0' }, { indexJs: 'other' });
  type Body = Awaited<ReturnType<typeof publishBody>>;
  const cases: Array<[string, (body: Body) => void, RegExp]> = [
    ['wrong integrity', (b) => (b.manifest.dist.integrity = other.integrity), /does not match its declared sha512/],
    ['wrong shasum', (b) => (b.manifest.dist.shasum = other.shasum), /does not match its declared sha1/],
    ['a malformed integrity', (b) => (b.manifest.dist.integrity = 'sha512-'), /malformed digest/],
    ['no dist digests', (b) => (b.manifest.dist = { tarball: b.manifest.dist.tarball }), /declares neither dist\.integrity nor dist\.shasum/],
    ['no dist at all', (b) => delete (b.manifest as { dist?: unknown }).dist, /has no "dist"/],
    ['attachment length mismatch', (b) => (b.attachment.length += 1), /says \d+ bytes but its data holds \d+/],
    ['two versions', (b) => (b.doc.versions['1.0.1'] = { ...b.manifest, version: '1.0.1' }), /exactly one version, this one has 2/],
    ['an attachment for another name', (b) => (b.doc._attachments = { '@acme/other-1.0.0.tgz': b.attachment }), /carries one attachment, bad-1\.0\.0\.tgz/],
    ['two attachments', (b) => (b.doc._attachments['bad-1.0.0.tgz'] = b.attachment), /carries one attachment/],
    ['attachment data not base64 text', (b) => ((b.attachment as { data: unknown }).data = 42), /data must hold the tarball in base64/],
    ['the name in the body is not the one in the URL', (b) => (b.doc.name = '@acme/other'), /is for "@acme\/other" but was sent to @acme\/bad/],
    ['a version object for another package', (b) => (b.manifest.name = '@acme/other'), /is for another package/],
    ['a version object that says another version', (b) => (b.manifest.version = '1.0.1'), /says it is version 1\.0\.1/],
    ['an invalid version', (b) => ((b.doc.versions = { 'not-a-version': b.manifest }), (b.doc['dist-tags'] = {})), /"not-a-version" is not a valid semver version/],
    ['a dist-tag on an invalid version', (b) => (b.doc['dist-tags'] = { latest: '^1.0.0' }), /dist-tag "latest" must name an exact version/],
    ['an invalid dist-tag name', (b) => (b.doc['dist-tags'] = { '1.x': '1.0.0' }), /"1\.x" is not a valid dist-tag/],
    ['no versions object', (b) => delete (b.doc as { versions?: unknown }).versions, /no "versions" object/],
  ];
  for (const [what, spoil, message] of cases) {
    const body = await publishBody(larder.npm('team'), name, '1.0.0');
    spoil(body);
    const answer = await call('PUT', url, { token, body: body.doc });
    t.equal(answer.status, 400, `${what}: 400`);
    t.match(answer.body, { code: 'E_BAD_REQUEST', error: message }, `${what}: the message names it`);
  }
  const notJson = await call('PUT', url, { token, raw: '{"name": "@acme/bad", versions' });
  t.equal(notJson.status, 400, 'not JSON: 400');
  t.match(notJson.body.error, /not valid JSON/);
  const array = await call('PUT', url, { token, raw: '[]' });
  t.equal(array.status, 400, 'a JSON array: 400');
  t.match(array.body.error, /must be a JSON object/);

  t.equal((await describe(larder, 'team', name, '1.0.0')).status, 404, 'nothing was retained');
  const good = await publishBody(larder.npm('team'), name, '1.0.0');
  t.equal((await call('PUT', url, { token, body: good.doc })).status, 201, 'the same version, sent right, publishes: no refused attempt left anything behind');
});

t.test('a version is published once: again is 409, and of two at once exactly one wins', async (t) => {
  const url = `${larder.npm('team')}${escaped('@acme/once')}`;
  const first = await publishBody(larder.npm('team'), '@acme/once', '1.0.0');
  t.equal((await call('PUT', url, { token, body: first.doc })).status, 201);
  const again = await call('PUT', url, { token, body: first.doc });
  t.equal(again.status, 409, 'the same version again: 409');
  t.match(again.body.error, /already published in team.*publish a new version/);
  const altered = await publishBody(larder.npm('team'), '@acme/once', '1.0.0');
  altered.doc.description = 'changed';
  t.equal((await call('PUT', url, { token, body: altered.doc })).status, 409, 'with other bytes too');

  for (const version of ['2.0.0', '2.0.1', '2.0.2']) {
    const body = await publishBody(larder.npm('team'), '@acme/once', version);
    const answers = await Promise.all([call('PUT', url, { token, body: body.doc }), call('PUT', url, { token, body: body.doc })]);
    t.same(answers.map((answer) => answer.status).sort(), [201, 409], `${version}: one 201 and one 409`);
  }
  const distinct = ['3.0.0', '3.0.1', '3.0.2', '3.0.3'];
  const answers = await Promise.all(distinct.map(async (version) => call('PUT', url, { token, body: (await publishBody(larder.npm('team'), '@acme/once', version)).doc })));
  t.same(answers.map((answer) => answer.status), [201, 201, 201, 201], 'different versions at once all publish');
  const doc = await packument(`${larder.npm('team')}${escaped('@acme/once')}`);
  t.same(Object.keys(doc.versions).sort(), ['1.0.0', '2.0.0', '2.0.1', '2.0.2', ...distinct], 'and none is lost');
});

t.test('dist-tags over HTTP', async (t) => {
  const name = '@acme/tags';
  const base = `${larder.npm('team')}${escaped(name)}`;
  const tags = `${larder.npm('team')}-/package/${escaped(name)}/dist-tags`;
  t.equal((await call('PUT', base, { token, body: (await publishBody(larder.npm('team'), name, '1.0.0')).doc })).status, 201);
  t.equal((await call('PUT', base, { token, body: (await publishBody(larder.npm('team'), name, '2.0.0-beta.1', 'beta')).doc })).status, 201, 'npm publish --tag beta');
  t.same((await call('GET', tags)).body, { latest: '1.0.0', beta: '2.0.0-beta.1' }, 'latest stays; beta points at the beta');

  const added = await call('PUT', `${tags}/next`, { token, raw: '"1.0.0"' });
  t.equal(added.status, 200, 'a tag set');
  t.same((await call('GET', tags)).body, { latest: '1.0.0', beta: '2.0.0-beta.1', next: '1.0.0' });
  t.same((await packument(`${larder.npm('dev')}${escaped(name)}`))['dist-tags'], { latest: '1.0.0', beta: '2.0.0-beta.1', next: '1.0.0' }, 'dev sees the tags');
  t.equal((await call('PUT', `${tags}/latest`, { token, raw: '"2.0.0-beta.1"' })).status, 200, 'latest can move');
  t.equal((await call('GET', tags)).body.latest, '2.0.0-beta.1');

  const removed = await call('DELETE', `${tags}/next`, { token });
  t.equal(removed.status, 200, 'a tag removed');
  t.same((await call('GET', tags)).body, { latest: '2.0.0-beta.1', beta: '2.0.0-beta.1' });
  const latest = await call('DELETE', `${tags}/latest`, { token });
  t.equal(latest.status, 400, 'latest cannot be removed');
  t.match(latest.body.error, /latest tag cannot be removed/);
  const nowhere = await call('PUT', `${tags}/next`, { token, raw: '"9.9.9"' });
  t.equal(nowhere.status, 400, 'a tag on a version not published there: 400');
  t.match(nowhere.body.error, /@acme\/tags@9\.9\.9 is not published in team/);
  const notString = await call('PUT', `${tags}/next`, { token, raw: '{"version":"1.0.0"}' });
  t.equal(notString.status, 400, 'a body that is not a JSON string: 400');
  const badTag = await call('PUT', `${tags}/1.0`, { token, raw: '"1.0.0"' });
  t.equal(badTag.status, 400, 'a tag that looks like a version: 400');
  const unknown = await call('PUT', `${larder.npm('team')}-/package/never-published/dist-tags/beta`, { token, raw: '"1.0.0"' });
  t.equal(unknown.status, 404, 'a tag on a package never published there: 404');
  t.same((await call('GET', tags)).body, { latest: '2.0.0-beta.1', beta: '2.0.0-beta.1' }, 'the refusals changed nothing');
});

t.test('?write=true, unpublish of one version, and of the package', async (t) => {
  const team = larder.npm('team');
  // team retains mixed@1.0.0 from upstream before publishing versions of its own.
  t.equal((await fetch(`${team}mixed/-/mixed-1.0.0.tgz`)).status, 200, 'mixed@1.0.0 retained in team from upstream');
  for (const version of ['2.0.0', '2.1.0']) {
    t.equal((await call('PUT', `${team}mixed`, { token, body: (await publishBody(team, 'mixed', version)).doc })).status, 201, `mixed@${version} published`);
  }
  t.same(Object.keys((await packument(`${team}mixed`)).versions).sort(), ['1.0.0', '2.0.0', '2.1.0'], 'team lists what it retains and what it published (1.2.0, not retained, is blocked)');

  const view = await call('GET', `${team}mixed?write=true`, { token });
  t.equal(view.status, 200);
  const writeDoc = view.body as unknown as Packument;
  t.same(Object.keys(writeDoc.versions).sort(), ['2.0.0', '2.1.0'], '?write=true: only what team published');
  t.equal(writeDoc._id, 'mixed');
  t.type(writeDoc._rev, 'string', 'with a _rev');
  t.same(writeDoc['dist-tags'], { latest: '2.1.0' });
  t.equal((await call('GET', `${team}mixed?write=true`)).status, 401, 'the write view needs a token');
  const devView = await call('GET', `${larder.npm('dev')}mixed?write=true`);
  t.equal(devView.status, 200, 'on dev (no publish) it is an ordinary read, no token needed');
  t.notOk('_rev' in devView.body, 'without a _rev');
  t.same(Object.keys((devView.body as unknown as Packument).versions).sort(), ['1.0.0', '2.0.0', '2.1.0'], 'the ordinary packument of dev: what team retains and published');

  // npm unpublish NAME@V: the document read with ?write=true, without V, PUT back to -rev/REV.
  const { ['2.1.0']: dropped, ...kept } = writeDoc.versions;
  t.ok(dropped);
  const change = await call('PUT', `${team}mixed/-rev/${writeDoc._rev ?? ''}`, { token, body: { ...writeDoc, versions: kept, 'dist-tags': { latest: '2.0.0' } } });
  t.equal(change.status, 200, 'the document without 2.1.0 is accepted');
  t.equal((await call('DELETE', `${team}mixed/-/mixed-2.1.0.tgz/-rev/${writeDoc._rev ?? ''}`, { token })).status, 200, 'and the tarball DELETE npm sends after');
  const after = await packument(`${team}mixed`);
  t.same(Object.keys(after.versions).sort(), ['1.0.0', '2.0.0'], '2.1.0 is gone; the upstream version team retained stays');
  t.equal(after['dist-tags'].latest, '2.0.0');
  t.equal((await fetch(`${larder.npm('dev')}mixed/-/mixed-2.1.0.tgz`)).status, 404, 'its tarball is no longer served');
  const resurrect = await call('PUT', `${team}mixed/-rev/x`, { token, body: { name: 'mixed', versions: { '2.0.0': {}, '3.0.0': {} } } });
  t.equal(resurrect.status, 400, 'a document naming a version never published: 400');
  t.match(resurrect.body.error, /mixed@3\.0\.0 is not published in team/);

  const gone = await call('DELETE', `${team}mixed/-rev/1-x`, { token });
  t.equal(gone.status, 200, 'npm unpublish NAME: DELETE -rev');
  const left = await packument(`${team}mixed`);
  t.ok(Object.hasOwn(left.versions, '1.0.0'), 'the version team retained from upstream is never removed by it');
  t.notOk(Object.hasOwn(left.versions, '2.0.0'), 'the published one is gone');
  t.match((await describe(larder, 'team', 'mixed', '1.0.0')).body, { origin: { type: 'external' } });
  // Nothing is published here any more, so nothing should keep the public versions out.
  t.ok(Object.hasOwn(left.versions, '1.2.0'), 'the public versions come back once nothing is published');

  const only = '@acme/only-published';
  t.equal((await call('PUT', `${team}${escaped(only)}`, { token, body: (await publishBody(team, only, '1.0.0')).doc })).status, 201);
  t.equal((await call('DELETE', `${team}${escaped(only)}/-rev/1-x`, { token })).status, 200);
  t.equal((await fetch(`${team}${escaped(only)}`)).status, 404, 'a package only published there is gone from team');
  t.equal((await call('DELETE', `${team}${escaped(only)}/-rev/1-x`, { token })).status, 404, 'unpublishing it again: 404');
});

t.test('the guard: a version the upstream has is 409, naming the connection', async (t) => {
  const team = larder.npm('team');
  const { doc } = await publishBody(team, 'shared-name', '1.0.0');
  const clash = await call('PUT', `${team}shared-name`, { token, body: doc });
  t.equal(clash.status, 409);
  t.match(clash.body.error, /npm package shared-name@1\.0\.0 already exists on .*\(through npm-store\)/, 'the message names npm-store');
  t.match(clash.body.error, /add a packages rule with upstream: block for it in team/, 'and how to claim the name');
  t.equal((await describe(larder, 'team', 'shared-name', '1.0.0')).status, 404, 'nothing retained');
  t.same(Object.keys((await packument(`${larder.npm('dev')}shared-name`)).versions).sort(), ['1.0.0', '1.1.0'], 'the name is not blocked by a refused publish');

  // The guard asks afresh: a version that appeared upstream since the cached packument is caught.
  t.same(Object.keys((await packument(`${larder.npm('dev')}left-pad`)).versions), ['1.0.0'], 'left-pad is cached');
  registry.addVersion('left-pad', '1.5.0');
  const fresh = await call('PUT', `${team}left-pad`, { token, body: (await publishBody(team, 'left-pad', '1.5.0')).doc });
  t.equal(fresh.status, 409, 'a version published upstream after the packument was cached: 409');
});

t.test('the upstream cannot be asked: an error that says so, nothing retained; a rule needs no asking', async (t) => {
  const team = larder.npm('team');
  const asked = (name: string): number => registry.count((request) => request.path.includes(name));
  for (const fault of [{ kind: 'status', status: 500 }, { kind: 'down' }] as const) {
    registry.fault = { ...fault, match: (request) => request.path.includes('brand-new') };
    const before = asked('brand-new');
    const answer = await call('PUT', `${team}brand-new`, { token, body: (await publishBody(team, 'brand-new', '1.0.0')).doc });
    t.ok(answer.status >= 500 && answer.status < 600, `upstream ${fault.kind}: ${answer.status}, a 5xx`);
    t.match(answer.body.error, /could not check that .* \(through npm-store\) does not have it/, 'says it could not check');
    t.ok(asked('brand-new') > before, 'the upstream was asked');
    t.equal((await describe(larder, 'team', 'brand-new', '1.0.0')).status, 404, 'nothing retained');
  }
  registry.fault = { kind: 'status', status: 500, match: (request) => request.path.includes('ruled-new') };
  const ruled = await call('PUT', `${team}ruled-new`, { token, body: (await publishBody(team, 'ruled-new', '1.0.0')).doc });
  t.equal(ruled.status, 201, 'with upstream: block for the name, the same publish succeeds while the upstream fails');
  t.equal(asked('ruled-new'), 0, 'without asking the upstream');
  registry.fault = undefined;
  t.equal((await call('PUT', `${team}brand-new`, { token, body: (await publishBody(team, 'brand-new', '1.0.0')).doc })).status, 201, 'once the upstream answers, the refused publish goes through');
});

t.test('publish: block refuses with 403', async (t) => {
  const team = larder.npm('team');
  const answer = await call('PUT', `${team}forbidden-x`, { token, body: (await publishBody(team, 'forbidden-x', '1.0.0')).doc });
  t.equal(answer.status, 403);
  t.match(answer.body.error, /a packages rule in team blocks publishing forbidden-x there \(publish: block\)/);
  t.equal((await describe(larder, 'team', 'forbidden-x', '1.0.0')).status, 404, 'nothing retained');
});

t.test('upstream: block keeps a name never published here from every upstream', async (t) => {
  const asked = (): number => registry.count((request) => request.path.includes('private-thing'));
  for (const repository of ['team', 'dev']) {
    const doc = await fetch(`${larder.npm(repository)}private-thing`);
    t.equal(doc.status, 404, `through ${repository}: 404`);
    t.match(((await doc.json()) as { error: string }).error, /a packages rule in team blocks it from upstream/, 'saying why');
    t.equal((await fetch(`${larder.npm(repository)}private-thing/-/private-thing-1.0.0.tgz`)).status, 404, `its tarball through ${repository}: 404`);
  }
  t.equal(asked(), 0, 'the upstream got no request for it');
  t.ok(Object.hasOwn((await packument(`${larder.npm('dev')}left-pad`)).versions, '1.0.0'), 'another name still comes from upstream');
  t.equal((await fetch(`${larder.npm('other')}private-thing`)).status, 200, 'a repository that does not search team is not bound by its rule');
});

t.test('publishing a new version of a public name blocks the public versions for everyone searching team', async (t) => {
  const team = larder.npm('team');
  const published = await publishBody(team, 'shared-name', '2.0.0');
  t.equal((await call('PUT', `${team}shared-name`, { token, body: published.doc })).status, 201, 'shared-name@2.0.0 publishes: the upstream lacks that version');
  const viaDev = await packument(`${larder.npm('dev')}shared-name`);
  t.same(Object.keys(viaDev.versions), ['2.0.0'], 'dev lists only the published version');
  t.same(viaDev['dist-tags'], { latest: '2.0.0' });
  const tarballsAsked = (): number => registry.count((request) => request.path.endsWith('.tgz') && request.path.includes('shared-name'));
  t.equal((await fetch(`${larder.npm('dev')}shared-name/-/shared-name-1.0.0.tgz`)).status, 404, 'the public 1.0.0 tarball is not served through dev');
  t.equal(tarballsAsked(), 0, 'nor fetched from the upstream');

  const viaOther = await packument(`${larder.npm('other')}shared-name`);
  t.same(Object.keys(viaOther.versions).sort(), ['1.0.0', '1.1.0'], 'other, which does not search team, still sees the public versions');
  const publicTarball = await fetch(`${larder.npm('other')}shared-name/-/shared-name-1.0.0.tgz`);
  t.ok(Buffer.from(await publicTarball.arrayBuffer()).equals((await registry.tarball('shared-name', '1.0.0')).bytes), 'and gets the public bytes');
  const writeView = (await call('GET', `${team}shared-name?write=true`, { token })).body as unknown as Packument;
  t.same(Object.keys(writeView.versions), ['2.0.0'], '?write=true shows only the published version');

  // Issue 9 §2: a version that exists through the connection cannot be published, even once the
  // name is published here; otherwise team's 1.1.0 and the public 1.1.0 (other) would differ.
  const shadow = await call('PUT', `${team}shared-name`, { token, body: (await publishBody(team, 'shared-name', '1.1.0')).doc });
  t.equal(shadow.status, 409, 'a version the public registry has is still refused after the name is published here');
  t.match(shadow.body.error, /shared-name@1\.1\.0 already exists on /, 'naming the connection');
});

t.test('a restart keeps published versions and their dist-tags', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'larder-publish-restart-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const repositories = { team: { publish: true, upstreams: ['npm-store'] }, 'npm-store': { external: { format: 'npm', url: registry.url } } };
  const first = await startTestLarder({ repositories, dataDir });
  const writer = createToken(await tokenSecret(dataDir), 'ci', HOUR, Date.now());
  const one = await publishBody(first.npm('team'), 'kept', '1.0.0');
  try {
    t.equal((await call('PUT', `${first.npm('team')}kept`, { token: writer, body: one.doc })).status, 201);
    t.equal((await call('PUT', `${first.npm('team')}kept`, { token: writer, body: (await publishBody(first.npm('team'), 'kept', '1.1.0-rc.1', 'next')).doc })).status, 201);
    t.equal((await call('PUT', `${first.npm('team')}-/package/kept/dist-tags/stable`, { token: writer, raw: '"1.0.0"' })).status, 200);
  } finally {
    await first.stop();
  }
  const second = await startTestLarder({ repositories, dataDir });
  t.teardown(() => second.stop());
  const doc = await packument(`${second.npm('team')}kept`);
  t.same(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0-rc.1'], 'both versions after the restart');
  t.same(doc['dist-tags'], { latest: '1.0.0', next: '1.1.0-rc.1', stable: '1.0.0' }, 'and every tag');
  const download = await fetch(`${second.npm('team')}kept/-/kept-1.0.0.tgz`);
  t.ok(Buffer.from(await download.arrayBuffer()).equals(one.tarball.bytes), 'the tarball is still byte-identical');
  t.equal((await call('PUT', `${second.npm('team')}kept`, { token: writer, body: one.doc })).status, 409, 'and still published once: the token made before still works, the version still conflicts');
});

