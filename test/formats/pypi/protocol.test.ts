import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { integrityFromHex } from '../../../src/domain/integrity.js';
import { isLarderError, type ErrorCode } from '../../../src/errors.js';
import { pypiProtocol as pypi, type ProjectPage } from '../../../src/formats/pypi/index.js';
import { SAMPLE_PAGE_URL, SAMPLE_PROJECT, readPypiFixture } from '../../fixtures/pypi/fixtures.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const BASE = new URL('http://upstream.invalid/simple/');
const WHEEL = 'sample_requests-2.31.0-py3-none-any.whl';

function throwsCode(tt: Test, fn: () => unknown, code: ErrorCode, mention: string | RegExp, label: string): void {
  try {
    fn();
    tt.fail(`${label}: expected ${code}`);
  } catch (error) {
    tt.ok(isLarderError(error, code), `${label}: ${code}`);
    tt.match(String((error as Error).message), mention, `${label}: says ${String(mention)}`);
  }
}

const parsed = (form: 'html' | 'json' = 'json'): ProjectPage =>
  pypi.parseMetadata(readPypiFixture(form), form === 'json' ? 'application/vnd.pypi.simple.v1+json' : 'text/html', SAMPLE_PROJECT, 'page', SAMPLE_PAGE_URL).doc;

t.test('metadataRequest: normalised name under the simple URL, JSON preferred', async (t) => {
  const request = pypi.metadataRequest(BASE, 'Sample_Requests', 'page');
  t.equal(request.url.href, 'http://upstream.invalid/simple/sample-requests/');
  t.equal(request.headers.accept, 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1');
  t.equal(pypi.metadataRequest(new URL('https://idx.invalid/root/pypi/+simple/'), 'zope.interface', 'page').url.href, 'https://idx.invalid/root/pypi/+simple/zope-interface/');
  throwsCode(t, () => pypi.metadataRequest(BASE, '../admin', 'page'), 'E_BAD_REQUEST', 'PEP 508', 'traversal in a name');
  throwsCode(t, () => pypi.metadataRequest(BASE, 'pkg', 'full'), 'E_INTERNAL', 'variant', 'unknown variant');
  t.same(pypi.assetMetadataVariants, ['page']);
  t.equal(pypi.format, 'pypi');
});

t.test('parseMetadata stores the model as JSON; decodeStored reads it back', async (t) => {
  for (const form of ['html', 'json'] as const) {
    const result = pypi.parseMetadata(readPypiFixture(form), form === 'json' ? 'application/vnd.pypi.simple.v1+json' : 'text/html', SAMPLE_PROJECT, 'page', SAMPLE_PAGE_URL);
    t.equal(result.contentType, 'application/json', form);
    t.equal(result.modifiedAt, undefined, form);
    t.same(JSON.parse(result.body), result.doc, `${form}: the body is the document`);
    t.same(pypi.decodeStored(result.body, SAMPLE_PROJECT), result.doc, `${form}: decodes to the same page`);
  }
  throwsCode(t, () => pypi.parseMetadata('nope', 'text/plain', SAMPLE_PROJECT, 'page', SAMPLE_PAGE_URL), 'E_UPSTREAM_BAD_RESPONSE', 'neither', 'bad upstream');
  throwsCode(t, () => pypi.decodeStored('{', SAMPLE_PROJECT), 'E_STORE', 'not JSON', 'corrupt store');
  throwsCode(t, () => pypi.decodeStored('{"name":"x"}', SAMPLE_PROJECT), 'E_STORE', 'not a project page', 'wrong shape');
  throwsCode(t, () => pypi.decodeStored('{"name":"x","files":[{"filename":"a"}]}', SAMPLE_PROJECT), 'E_STORE', 'malformed', 'bad file');
});

t.test('hasVersion looks at the files, by normalised version', async (t) => {
  const doc = parsed();
  t.ok(pypi.hasVersion(doc, '2.31.0'));
  t.ok(pypi.hasVersion(doc, '2.0.0'), 'the legacy-named sdist');
  t.ok(pypi.hasVersion(doc, '2.33.0rc1'));
  t.notOk(pypi.hasVersion(doc, '2.29.0'), 'in versions, but no file');
  t.notOk(pypi.hasVersion(doc, '1.0'), 'only an egg');
  t.notOk(pypi.hasVersion(doc, '2.31'));
});

t.test('locateAsset: URL, sha256 as SRI, size', async (t) => {
  const doc = parsed();
  const wheel = pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.31.0', WHEEL);
  t.match(wheel?.url.href, /^https:\/\/files\.upstream\.invalid\/packages\/.+\/sample_requests-2\.31\.0-py3-none-any\.whl$/);
  t.equal(wheel?.integrity, integrityFromHex('sha256', sha(WHEEL)));
  t.equal(wheel?.size, 2443, 'size from the page');
  const legacy = pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.0.0', 'Sample-Requests-2.0.0.tar.gz');
  t.equal(legacy?.url.href, 'http://upstream.invalid/packages/source/S/Sample-Requests/Sample-Requests-2.0.0.tar.gz');
  const rc = pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.33.0rc1', 'sample_requests-2.33.0rc1-1-py3-none-any.whl');
  t.match(rc?.url.search, '?download=1&mirror=eu', 'query kept');

  const metadata = pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.31.0', `${WHEEL}.metadata`);
  t.equal(metadata?.url.href, `${wheel?.url.href}.metadata`, 'PEP 658: the file URL plus .metadata');
  t.equal(metadata?.integrity, integrityFromHex('sha256', sha(`${WHEEL}.metadata`)));
  t.equal(metadata?.size, undefined);
  const oldName = pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.32.3', 'sample_requests-2.32.3-py3-none-any.whl.metadata');
  t.ok(oldName, 'metadata offered under the old name is served too');
});

t.test('locateAsset: unlisted is undefined, listed without a digest throws', async (t) => {
  const doc = parsed();
  t.equal(pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.31.0', 'sample_requests-2.31.0-cp312-cp312-win_amd64.whl'), undefined, 'no such file');
  t.equal(pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.28.0', WHEEL), undefined, 'the version asked is not the file’s');
  t.equal(pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.31.0', 'sample_requests-2.31.0.tar.gz.metadata'), undefined, 'no metadata offered');
  t.equal(pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.31.0', '../etc/passwd'), undefined, 'not a file name');
  t.equal(pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '1.0', 'sample_requests-1.0-py2.7.egg'), undefined, 'eggs are never files');
  throwsCode(t, () => pypi.locateAsset(doc, BASE, SAMPLE_PROJECT, '2.32.3', 'sample_requests-2.32.3.tar.gz.metadata'), 'E_UPSTREAM_BAD_RESPONSE', 'without a sha256', 'metadata offered without a hash');
  const md5Only: ProjectPage = { name: 'pkg', files: [{ filename: 'pkg-1.0.tar.gz', url: 'http://u.invalid/pkg-1.0.tar.gz', hashes: { md5: 'a'.repeat(32) } }] };
  throwsCode(t, () => pypi.locateAsset(md5Only, BASE, 'pkg', '1.0', 'pkg-1.0.tar.gz'), 'E_UPSTREAM_BAD_RESPONSE', 'never stores unverified bytes', 'md5 only');
});

t.test('assetListing: the file entry, also for its metadata', async (t) => {
  const doc = parsed();
  const file = doc.files.find((candidate) => candidate.filename === WHEEL);
  t.same(pypi.assetListing(doc, '2.31.0', WHEEL), file);
  t.same(pypi.assetListing(doc, '2.31.0', `${WHEEL}.metadata`), file);
  t.equal(pypi.assetListing(doc, '2.32.0', WHEEL), undefined);
  t.equal(pypi.assetListing(doc, '2.31.0', 'nope'), undefined);
  t.same(pypi.versionManifest(doc, '2.31.0'), {});
});

t.test('assetContentType by file kind', async (t) => {
  const table: Array<[string, string]> = [
    [WHEEL, 'application/octet-stream'],
    ['pkg-1.0.tar.gz', 'application/gzip'],
    ['pkg-1.0.tgz', 'application/gzip'],
    ['pkg-1.0.zip', 'application/zip'],
    ['pkg-1.0.tar.bz2', 'application/x-bzip2'],
    ['pkg-1.0.tar.xz', 'application/x-xz'],
    [`${WHEEL}.metadata`, 'text/plain; charset=utf-8'],
  ];
  for (const [name, type] of table) t.equal(pypi.assetContentType(name), type, name);
});

t.test('union goes through unionPages and checks the variant', async (t) => {
  const doc = parsed();
  t.same(pypi.union([doc], SAMPLE_PROJECT, [], 'page', 'resolver')?.files, doc.files);
  t.equal(pypi.union([], SAMPLE_PROJECT, [], 'page', 'resolver'), undefined);
  throwsCode(t, () => pypi.union([doc], SAMPLE_PROJECT, [], 'abbreviated', 'resolver'), 'E_INTERNAL', 'variant', 'unknown variant');
});
