// twine upload on the wire (issue 9 §1–3): the multipart form twine 4 POSTs (field names and
// order as captured from the real client), against a daemon whose `team` repository takes
// publishes, searches the fake PyPI through `pypi-store`, and is searched by `dev`. The real
// twine and pip are in test/e2e/twine-upload.test.ts.
import { randomBytes, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { createToken } from '../../src/domain/tokens.js';
import { contentPath } from '../../src/store/cacache-layout.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakePypi, type FakePypi } from '../helpers/fake-pypi.js';
import { requestLines, startTestLarder, type TestLarder } from '../helpers/larder.js';
import { buildSdist, buildWheel, coreMetadata, type BuiltDistribution, type DistributionSpec } from '../helpers/wheel.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const HOUR = 60 * 60 * 1000;

type Field = [name: string, value: string];
interface Upload {
  fields: Field[];
  file: { name: string; filename: string; bytes: Buffer } | undefined;
  /** Fields sent after the file (twine sends none). */
  trailing?: Field[];
}
interface Answer {
  status: number;
  reason: string;
  headers: Headers;
  text: string;
  error?: string;
}
interface JsonPage {
  files: Array<{ filename: string; url: string; hashes: Record<string, string>; 'requires-python'?: string; size?: number; 'upload-time'?: string }>;
  versions?: string[];
}

/**
 * The fields twine 4 sends for a distribution, in its order: metadata_dictionary() (None values
 * left out, lists one field per item), then `:action` and `protocol_version`; the file comes last.
 */
function twineUpload(spec: DistributionSpec, dist: BuiltDistribution): Upload {
  const wheel = dist.filename.endsWith('.whl');
  const fields: Field[] = [
    ['name', spec.name],
    ['version', spec.version],
    ['filetype', wheel ? 'bdist_wheel' : 'sdist'],
    ['pyversion', wheel ? 'py3' : 'source'],
    ['metadata_version', '2.1'],
    ['summary', spec.summary ?? `${spec.name} for tests`],
    ...['home_page', 'author', 'author_email', 'maintainer', 'maintainer_email', 'license'].map((name): Field => [name, '']),
    ['description', coreMetadata(spec)],
    ['keywords', ''],
    ['classifiers', 'Programming Language :: Python :: 3'],
    ['classifiers', 'License :: OSI Approved :: MIT License'],
    ['download_url', ''],
    ['comment', ''],
    ['sha256_digest', dist.sha256],
    ...(spec.requiresPython === undefined ? [] : [['requires_python', spec.requiresPython] as Field]),
    ['description_content_type', ''],
    ['md5_digest', createHash('md5').update(dist.bytes).digest('hex')],
    // Node has no BLAKE2b-256; larder does not check it (sha256 is required and checked).
    ['blake2_256_digest', '0'.repeat(64)],
    [':action', 'file_upload'],
    ['protocol_version', '1'],
  ];
  return { fields, file: { name: 'content', filename: dist.filename, bytes: dist.bytes } };
}

/** multipart/form-data as requests_toolbelt writes it: fields without a Content-Type, the file with one. */
function multipart(upload: Upload, extraFiles: Upload['file'][] = []): { body: Buffer; contentType: string; prefix: Buffer } {
  const boundary = randomBytes(16).toString('hex');
  const part = (name: string, filename?: string): string =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"\r\nContent-Type: application/octet-stream`}\r\n\r\n`;
  const chunks: Buffer[] = upload.fields.map(([name, value]) => Buffer.from(`${part(name)}${value}\r\n`));
  const prefix = Buffer.concat([...chunks, Buffer.from(upload.file === undefined ? '' : part(upload.file.name, upload.file.filename))]);
  for (const file of [upload.file, ...extraFiles]) {
    if (file !== undefined) chunks.push(Buffer.from(part(file.name, file.filename)), file.bytes, Buffer.from('\r\n'));
  }
  for (const [name, value] of upload.trailing ?? []) chunks.push(Buffer.from(`${part(name)}${value}\r\n`));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}`, prefix };
}

const basic = (token: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` });

async function post(url: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let error: string | undefined;
  try {
    error = (JSON.parse(text) as { error?: string }).error;
  } catch (parseError) {
    void parseError; // a success answers text
  }
  return { status: res.status, reason: res.statusText, headers: res.headers, text, ...(error === undefined ? {} : { error }) };
}

let pypi: FakePypi;
let larder: TestLarder;
let token: string;

const endpoint = (repository = 'team'): string => `${larder.url}/pypi/${repository}/`;

async function send(upload: Upload, options: { repository?: string; headers?: Record<string, string>; extraFiles?: Upload['file'][] } = {}): Promise<Answer> {
  const { body, contentType } = multipart(upload, options.extraFiles);
  return post(endpoint(options.repository), body, { 'content-type': contentType, ...(options.headers ?? basic(token)) });
}

async function jsonPage(repository: string, project: string): Promise<{ status: number; page: JsonPage }> {
  const res = await fetch(`${larder.pypi(repository)}${project}/`, { headers: { accept: JSON_TYPE } });
  if (res.status === 200) return { status: res.status, page: (await res.json()) as JsonPage };
  await res.arrayBuffer();
  return { status: res.status, page: { files: [] } };
}

async function described(repository: string, project: string, version: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const query = new URLSearchParams({ repository, format: 'pypi', package: project, version });
  const res = await fetch(`${larder.url}/-/api/versions/describe?${query.toString()}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The store holds no blob with these bytes, and no temp file of a write (cacache removes it a little after). */
async function assertNotStored(t: Test, bytes: Buffer, what: string): Promise<void> {
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  const sha256 = `sha256-${createHash('sha256').update(bytes).digest('base64')}`;
  const blobs = join(larder.dataDir, 'blobs-v1');
  t.notOk(existsSync(contentPath(blobs, integrity)) || existsSync(contentPath(blobs, sha256)), `${what}: no blob of those bytes`);
  let left: string[] = await readdir(join(blobs, 'tmp')).catch(() => []);
  for (let i = 0; i < 200 && left.length > 0; i++) {
    await sleep(10);
    left = await readdir(join(blobs, 'tmp')).catch(() => []);
  }
  t.same(left, [], `${what}: no temp file left in the store`);
}

t.before(async () => {
  pypi = await startFakePypi({
    projects: [
      { name: 'shared-name', versions: { '1.0.0': {} } },
      { name: 'public-too', versions: { '1.0.0': {}, '1.1.0': { sdist: true } } },
    ],
  });
  larder = await startTestLarder({
    repositories: {
      team: { publish: true, upstreams: ['pypi-store'], packages: [{ match: 'forbidden-*', publish: 'block' }] },
      'pypi-store': { external: { format: 'pypi', url: pypi.url } },
      dev: { upstreams: ['team'] },
      'read-only': { upstreams: ['pypi-store'] },
    },
  });
  token = createToken(await tokenSecret(larder.dataDir), 'ci-uploader', HOUR, Date.now());
});
t.teardown(async () => {
  await larder.stop();
  await pypi.stop();
});

t.test('an upload is published in team and listed through dev with its sha256, byte for byte', async (t) => {
  const spec = { name: 'Acme.Widget', version: '1.0.0', requiresPython: '>=3.8' };
  const wheel = buildWheel(spec);
  const answer = await send(twineUpload(spec, wheel));
  t.equal(answer.status, 200, `twine gets 200 (${answer.text})`);
  t.match(answer.text, `${wheel.filename} is published in team as acme-widget 1.0.0`);

  const { status, page } = await jsonPage('dev', 'acme-widget');
  t.equal(status, 200, 'dev has a project page for it');
  t.equal(page.files.length, 1);
  const file = page.files[0];
  t.equal(file?.filename, wheel.filename);
  t.equal(file?.url, `${larder.url}/pypi/dev/files/acme-widget/${wheel.filename}`, 'served from dev');
  t.same(file?.hashes, { sha256: wheel.sha256 }, 'with the sha256 twine declared');
  t.equal(file?.['requires-python'], '>=3.8', 'and its Requires-Python');
  t.equal(file?.size, wheel.bytes.length);
  t.ok(file?.['upload-time'], 'and an upload time');
  t.same(page.versions, ['1.0.0']);

  const html = await (await fetch(`${larder.pypi('dev')}acme-widget/`, { headers: { accept: 'text/html' } })).text();
  t.match(html, `href="${larder.url}/pypi/dev/files/acme-widget/${wheel.filename}#sha256=${wheel.sha256}"`, 'the HTML page links it with #sha256=');
  t.match(html, 'data-requires-python="&gt;=3.8"');

  const download = await fetch(file?.url ?? '');
  t.equal(download.status, 200);
  t.ok(Buffer.from(await download.arrayBuffer()).equals(wheel.bytes), 'the download is byte-identical');

  const record = await described('team', 'acme-widget', '1.0.0');
  t.equal(record.status, 200);
  t.match(record.body, { status: 'Published', origin: { type: 'published', repository: 'team', publishedBy: 'ci-uploader' } }, 'published by the token subject');
  const log = requestLines(larder.logs).find((line) => line.method === 'POST' && line.status === 200);
  t.match(log, { repository: 'team', package: 'acme-widget', version: '1.0.0', user: 'ci-uploader' }, 'the request log names what and who');
});

t.test('an sdist and a wheel of one version are both listed; the same file again is 409', async (t) => {
  const spec = { name: 'two-files', version: '2.0' };
  const sdist = buildSdist(spec);
  const wheel = buildWheel(spec);
  t.equal((await send(twineUpload(spec, sdist))).status, 200, 'the sdist');
  t.equal((await send(twineUpload(spec, wheel))).status, 200, 'then the wheel of the same version');
  const { page } = await jsonPage('dev', 'two-files');
  t.same(page.files.map((file) => [file.filename, file.hashes.sha256]).sort(), [[sdist.filename, sdist.sha256], [wheel.filename, wheel.sha256]].sort(), 'both files, each with its sha256');

  const again = await send(twineUpload(spec, wheel));
  t.equal(again.status, 409, 'the same file again: 409');
  t.match(again.error, /two-files@2\.0 is already published in team \(two_files-2\.0-py3-none-any\.whl is already there\); a published version never changes/);
  t.equal(again.reason, again.error, 'the message is the reason phrase too (what twine prints)');
});

t.test('a file that does not match its sha256_digest is refused and nothing is retained', async (t) => {
  const spec = { name: 'corrupted', version: '1.0.0' };
  const wheel = buildWheel(spec);
  const upload = twineUpload(spec, wheel);
  const other = buildWheel({ ...spec, summary: 'other bytes' });
  upload.fields = upload.fields.map(([name, value]): Field => [name, name === 'sha256_digest' ? other.sha256 : value]);
  const answer = await send(upload);
  t.equal(answer.status, 400, 'a digest mismatch is the client’s fault: 400');
  t.match(answer.error, /does not match the digest or size the publish declared for it .*nothing was stored/);
  t.equal((await described('team', 'corrupted', '1.0.0')).status, 404, 'no version retained');
  t.equal((await jsonPage('dev', 'corrupted')).status, 404, 'nothing listed');
  await assertNotStored(t, wheel.bytes, 'the mismatched file');

  const md5 = twineUpload(spec, wheel);
  md5.fields = md5.fields.map(([name, value]): Field => [name, name === 'md5_digest' ? '0'.repeat(32) : value]);
  const badMd5 = await send(md5);
  t.equal(badMd5.status, 400, 'a wrong md5_digest: 400');
  t.match(badMd5.error, /does not match its md5_digest/);
  t.equal((await described('team', 'corrupted', '1.0.0')).status, 404, 'still nothing retained');
  t.equal((await send(twineUpload(spec, wheel))).status, 200, 'the right upload then succeeds');
});

t.test('uploads need a token, a repository that publishes, and no blocking rule', async (t) => {
  const spec = { name: 'guarded', version: '1.0.0' };
  const upload = twineUpload(spec, buildWheel(spec));
  const anonymous = await send(upload, { headers: {} });
  t.equal(anonymous.status, 401, 'no token: 401');
  t.match(anonymous.headers.get('www-authenticate'), /^Basic realm="larder"/, 'with a challenge, which twine answers with basic auth');
  const forged = await send(upload, { headers: basic(createToken(randomBytes(32), 'who', HOUR, Date.now())) });
  t.equal(forged.status, 401, 'a token this larder did not sign: 401');
  t.match(forged.reason, /not one this larder signed/);

  const readOnly = await send(upload, { repository: 'read-only' });
  t.equal(readOnly.status, 405, 'a repository without publish: 405, as npm and Maven writes there');
  t.match(readOnly.error, /repository read-only does not accept publishes; set publish: true/);
  const readOnlyAnonymous = await send(upload, { repository: 'read-only', headers: {} });
  t.equal(readOnlyAnonymous.status, 405, 'before any token is asked for');

  const forbiddenSpec = { name: 'forbidden-thing', version: '1.0.0' };
  const blocked = await send(twineUpload(forbiddenSpec, buildWheel(forbiddenSpec)));
  t.equal(blocked.status, 403, 'a publish: block rule: 403');
  t.match(blocked.error, /a packages rule in team blocks publishing forbidden-thing there/);

  t.equal((await described('team', 'guarded', '1.0.0')).status, 404, 'nothing retained');
  t.equal((await described('team', 'forbidden-thing', '1.0.0')).status, 404);
});

t.test('the guard: a version the upstream has is 409; a new version of that name shuts the upstream out', async (t) => {
  const spec = { name: 'shared_name', version: '1.0.0' };
  const clash = await send(twineUpload(spec, buildWheel(spec)));
  t.equal(clash.status, 409, 'a version the fake PyPI has: 409');
  t.match(clash.error, `pypi package shared-name@1.0.0 already exists on ${pypi.url} (through pypi-store)`, 'the message names the upstream');
  t.match(clash.reason, /^pypi package shared-name@1\.0\.0 already exists on http:/, 'in the reason phrase too');
  t.ok(clash.reason.length <= 400 && /^[\x20-\x7e]*$/.test(clash.reason), 'one printable ASCII line of sane length');

  const before = await jsonPage('team', 'public-too');
  t.same(before.page.versions, ['1.0.0', '1.1.0'], 'before: team lists the upstream versions');
  const fresh = { name: 'public-too', version: '2.0.0' };
  const wheel = buildWheel(fresh);
  const published = await send(twineUpload(fresh, wheel));
  t.equal(published.status, 200, 'a new version of a name the upstream has: 200');
  for (const repository of ['team', 'dev']) {
    const after = await jsonPage(repository, 'public-too');
    t.same(after.page.files.map((file) => file.filename), [wheel.filename], `${repository} lists only the published file: the upstream is blocked for a name published here`);
  }
  const upstreamFile = pypi.files('public-too')[0]?.filename ?? '';
  const download = await fetch(`${larder.url}/pypi/dev/files/public-too/${upstreamFile}`);
  t.equal(download.status, 404, "the upstream's files are not served either");
  await download.arrayBuffer();
});

t.test('bad forms are refused with 400 naming the problem, nothing retained', async (t) => {
  const spec = { name: 'bad-form', version: '1.0.0' };
  const wheel = buildWheel(spec);
  const without = (name: string) => (upload: Upload) => void (upload.fields = upload.fields.filter(([field]) => field !== name));
  const setField = (name: string, value: string) => (upload: Upload) => void (upload.fields = upload.fields.map(([field, old]): Field => [field, field === name ? value : old]));
  const otherWheel = buildWheel({ name: 'other-project', version: '1.0.0' });
  const cases: Array<[string, (upload: Upload) => void, number, RegExp]> = [
    ['no sha256_digest', without('sha256_digest'), 400, /no sha256_digest before its file: .*the fields must come first/],
    ['the file before the fields', (u) => void ((u.trailing = u.fields), (u.fields = [])), 400, /no sha256_digest before its file: .*the fields must come first/],
    ['no name', without('name'), 400, /the upload form has no name/],
    ['no version', without('version'), 400, /the upload form has no version/],
    ['no filetype', without('filetype'), 400, /the upload form has no filetype/],
    ['a bad name', setField('name', 'bad/name'), 400, /Invalid PyPI project name "bad\/name"/],
    ['a bad version', setField('version', 'one'), 400, /version "one" is not a PEP 440 version/],
    ['another version than the file', setField('version', '1.0.1'), 400, /is version 1\.0\.0 of bad-form, but the form says version 1\.0\.1/],
    ['a file of another project', (u) => void (u.file = { name: 'content', filename: otherWheel.filename, bytes: otherWheel.bytes }), 400, /does not belong to project bad-form/],
    ['a wheel as an sdist', setField('filetype', 'sdist'), 400, /is a wheel, but the form says filetype sdist/],
    ['an egg', setField('filetype', 'bdist_egg'), 400, /larder takes sdist and bdist_wheel uploads/],
    ['a malformed sha256', setField('sha256_digest', 'abc'), 400, /not a hex SHA-256 digest/],
    ['a bad requires_python', setField('requires_python', 'python 3'), 400, /requires_python "python 3" is not a PEP 440 specifier set/],
    ['another :action', setField(':action', 'submit'), 400, /:action "submit" is not supported/],
    ['no :action', without(':action'), 400, /has no :action/],
    ['no file at all', (u) => void (u.file = undefined), 400, /no file part named "content"/],
    ['a file part of another name', (u) => void (u.file = { name: 'upload', filename: wheel.filename, bytes: wheel.bytes }), 400, /a file part "upload"; larder reads only the file named "content"/],
    ['a field over the cap', (u) => void u.fields.push(['description', 'x'.repeat(3 * 1024 * 1024)]), 413, /larger than the 2097152 bytes larder takes for one field/],
  ];
  for (const [what, change, status, message] of cases) {
    const upload = twineUpload({ ...spec, requiresPython: '>=3' }, wheel);
    change(upload);
    const answer = await send(upload);
    t.equal(answer.status, status, what);
    t.match(answer.error, message, what);
  }
  const two = await send(twineUpload(spec, wheel), { extraFiles: [{ name: 'content', filename: wheel.filename, bytes: wheel.bytes }] });
  t.equal(two.status, 400, 'a second file: 400');
  t.match(two.error, /a second file \("content"\) after "content"; one upload is one file/);
  // twine --sign sends a detached signature as a file part before the upload; PyPI drops them.
  const signedSpec = { name: 'signed-form', version: '1.0.0' };
  const signedWheel = buildWheel(signedSpec);
  const content = { name: 'content', filename: signedWheel.filename, bytes: signedWheel.bytes };
  const signature = { name: 'gpg_signature', filename: `${signedWheel.filename}.asc`, bytes: Buffer.from('-----BEGIN PGP SIGNATURE-----\nnot checked\n-----END PGP SIGNATURE-----\n') };
  const oversized = twineUpload(signedSpec, signedWheel);
  oversized.file = { ...signature, bytes: Buffer.alloc(65 * 1024, 'x') };
  const tooBig = await send(oversized, { extraFiles: [content] });
  t.equal(tooBig.status, 413, 'a signature over 64 KiB: 413');
  t.match(tooBig.error, /the form part "gpg_signature" is larger than the 65536 bytes larder reads of it/);
  t.equal((await described('team', signedSpec.name, signedSpec.version)).status, 404, 'nothing retained');
  const signed = twineUpload(signedSpec, signedWheel);
  signed.file = signature;
  t.equal((await send(signed, { extraFiles: [content] })).status, 200, 'a signature before the file is read and dropped; the upload succeeds');
  t.equal((await described('team', signedSpec.name, signedSpec.version)).status, 200, 'and the version is retained');
  const notMultipart = await post(endpoint(), Buffer.from('name=bad-form'), { 'content-type': 'application/x-www-form-urlencoded', ...basic(token) });
  t.equal(notMultipart.status, 400, 'not multipart: 400');
  t.match(notMultipart.error, /an upload is a multipart\/form-data POST/);
  const truncated = multipart(twineUpload(spec, wheel));
  const cut = await post(endpoint(), truncated.body.subarray(0, truncated.body.length - 40), { 'content-type': truncated.contentType, ...basic(token) });
  t.equal(cut.status, 400, 'a form that breaks off: 400');
  t.equal((await described('team', 'bad-form', '1.0.0')).status, 404, 'nothing retained');
  const put = await fetch(`${endpoint()}legacy/`, { method: 'PUT', body: 'x' });
  t.equal(put.status, 405, 'other methods stay 405');
  await put.arrayBuffer();
  t.equal((await send(twineUpload(spec, wheel), { repository: 'team/legacy' })).status, 200, 'a good form at /legacy/ (as at PyPI) then succeeds');
});

t.test('a client that hangs up mid-file leaves nothing behind; the daemon goes on serving', async (t) => {
  const spec = { name: 'hung-up', version: '1.0.0', size: 4 * 1024 * 1024 };
  const wheel = buildWheel(spec);
  const { body, contentType, prefix } = multipart(twineUpload(spec, wheel));
  const url = new URL(endpoint());
  const req = httpRequest(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': String(body.length), ...basic(token) } });
  req.on('error', () => undefined); // the hang-up is the point
  req.write(prefix);
  req.write(wheel.bytes.subarray(0, 64 * 1024));
  // The guard asks the upstream about hung-up before any byte is stored; then the file streams.
  for (let i = 0; i < 500 && pypi.count((request) => request.path.includes('hung-up')) === 0; i++) await sleep(10);
  t.ok(pypi.count((request) => request.path.includes('hung-up')) > 0, 'the guard ran');
  await new Promise<void>((resolve) => (req.write(wheel.bytes.subarray(64 * 1024, 2 * 1024 * 1024)) ? resolve() : req.once('drain', resolve)));
  req.destroy();
  const hungUp = (): boolean => requestLines(larder.logs).some((line) => line.method === 'POST' && line.package === 'hung-up' && line.aborted === true);
  for (let i = 0; i < 500 && !hungUp(); i++) await sleep(10);
  t.ok(hungUp(), 'larder saw the client hang up mid-file');
  await larder.daemon.settle();
  await assertNotStored(t, wheel.bytes, 'the broken-off file');
  t.equal((await described('team', 'hung-up', '1.0.0')).status, 404, 'nothing recorded');
  const retry = await send(twineUpload(spec, wheel));
  t.equal(retry.status, 200, 'the upload then succeeds in full');
  const download = await fetch(`${larder.url}/pypi/dev/files/hung-up/${wheel.filename}`);
  t.ok(Buffer.from(await download.arrayBuffer()).equals(wheel.bytes), 'and serves the whole file');
});
