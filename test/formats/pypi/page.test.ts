import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { isLarderError } from '../../../src/errors.js';
import { parseProjectPage, type ProjectPage, type PypiFile } from '../../../src/formats/pypi/index.js';
import { SAMPLE_FILES, SAMPLE_PAGE_URL, SAMPLE_PROJECT, readPypiFixture } from '../../fixtures/pypi/fixtures.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const REASON = 'Yanked due to conflicts with CVE-2024-35195 mitigation & "verify" handling';

function byName(page: ProjectPage, filename: string): PypiFile {
  const file = page.files.find((candidate) => candidate.filename === filename);
  if (file === undefined) throw new Error(`no ${filename} on the page`);
  return file;
}

function throwsBadResponse(tt: Test, fn: () => unknown, mention: string | RegExp, label: string): void {
  try {
    fn();
    tt.fail(`${label}: expected E_UPSTREAM_BAD_RESPONSE, got no error`);
  } catch (error) {
    tt.ok(isLarderError(error, 'E_UPSTREAM_BAD_RESPONSE'), `${label}: E_UPSTREAM_BAD_RESPONSE`);
    tt.match(String((error as Error).message), mention, `${label}: says ${String(mention)}`);
  }
}

/** What both fixture forms must say about each file (HTML carries no size / upload-time). */
function checkSampleFiles(t: Test, page: ProjectPage): void {
  t.equal(page.name, SAMPLE_PROJECT);
  t.same(
    page.files.map((file) => file.filename),
    SAMPLE_FILES,
    'every wheel and sdist in page order; the egg left out',
  );
  for (const file of page.files) t.same(file.hashes, { sha256: sha(file.filename) }, `${file.filename} sha256`);

  const legacy = byName(page, 'Sample-Requests-2.0.0.tar.gz');
  t.equal(legacy.url, 'http://upstream.invalid/packages/source/S/Sample-Requests/Sample-Requests-2.0.0.tar.gz', 'relative link resolved, fragment removed');
  t.equal(legacy.requiresPython, undefined);
  t.equal(legacy.coreMetadata, undefined);

  const wheel = byName(page, 'sample_requests-2.28.0-py3-none-any.whl');
  t.match(wheel.url, /^https:\/\/files\.upstream\.invalid\/packages\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]+\/sample_requests-2\.28\.0-py3-none-any\.whl$/);
  t.equal(wheel.requiresPython, '>=3.7, <4', 'entities decoded');
  t.same(wheel.coreMetadata, { sha256: sha(`${wheel.filename}.metadata`) });
  t.equal(wheel.yanked, undefined);
  t.equal(byName(page, 'sample_requests-2.28.0.tar.gz').coreMetadata, undefined, 'no metadata offered (false in JSON)');

  t.equal(byName(page, 'sample_requests-2.32.0-py3-none-any.whl').yanked, REASON, 'yanked with its reason');
  t.equal(byName(page, 'sample_requests-2.32.0-py3-none-any.whl').requiresPython, '>=3.8', 'decimal entity');
  t.equal(byName(page, 'sample_requests-2.32.0.tar.gz').requiresPython, '>=3.8', 'hex entity');
  t.equal(byName(page, 'sample_requests-2.32.1-py3-none-any.whl').yanked, true, 'yanked without reason');
  t.equal(byName(page, 'sample_requests-2.32.1.tar.gz').yanked, true, 'valueless data-yanked');

  const oldName = byName(page, 'sample_requests-2.32.3-py3-none-any.whl');
  t.same(oldName.coreMetadata, { sha256: sha(`${oldName.filename}.metadata`) }, 'metadata under the pre-PEP 714 name');
  t.equal(byName(page, 'sample_requests-2.32.3.tar.gz').coreMetadata, true, 'metadata offered without a hash');

  const rc = byName(page, 'sample_requests-2.33.0rc1-1-py3-none-any.whl');
  t.match(rc.url, /\/sample_requests-2\.33\.0rc1-1-py3-none-any\.whl\?download=1&mirror=eu$/, 'query kept, &amp; decoded');
}

t.test('PEP 503 HTML as PyPI serves it', async (t) => {
  const page = parseProjectPage(readPypiFixture('html'), HTML, SAMPLE_PAGE_URL, SAMPLE_PROJECT);
  checkSampleFiles(t, page);
  t.equal(page.versions, undefined, 'HTML has no versions list');
  for (const file of page.files) t.equal(file.size, undefined, 'HTML has no sizes');
  const same = parseProjectPage(readPypiFixture('html'), 'application/vnd.pypi.simple.v1+html', SAMPLE_PAGE_URL, 'Sample_Requests');
  t.same(same, page, 'the v1 HTML media type and an unnormalised project name give the same page');
});

t.test('PEP 691 JSON as PyPI serves it, with PEP 700 fields', async (t) => {
  const page = parseProjectPage(readPypiFixture('json'), JSON_TYPE, SAMPLE_PAGE_URL, SAMPLE_PROJECT);
  checkSampleFiles(t, page);
  t.same(page.versions, ['1.0', '2.0.0', '2.28.0', '2.29.0', '2.31.0', '2.32.0', '2.32.1', '2.32.3', '2.33.0rc1']);
  const wheel = byName(page, 'sample_requests-2.28.0-py3-none-any.whl');
  t.equal(wheel.size, 2443);
  t.equal(wheel.uploadTime, '2022-08-02T15:41:09.134123Z');
  const html = parseProjectPage(readPypiFixture('html'), HTML, SAMPLE_PAGE_URL, SAMPLE_PROJECT);
  const strip = (file: PypiFile): PypiFile => ({ ...file, size: undefined, uploadTime: undefined });
  t.same(JSON.parse(JSON.stringify(page.files.map(strip))), html.files, 'both forms describe the same files');
});

t.test('HTML details: base href, fragments, odd markup, entities', async (t) => {
  const url = new URL('http://idx.invalid/simple/pkg/');
  const body = [
    '<html><head><BASE HREF="http://mirror.invalid/files/"><title>pkg</title>',
    '<script>var s = "<a href=\'evil-1.0.tar.gz\'>x</a>";</script></head><body>',
    '<!-- <a href="pkg-0.1.tar.gz">commented out</a> -->',
    "<A Href='pkg-1.0.tar.gz#SHA256=" + 'AB'.repeat(32) + "' DATA-REQUIRES-PYTHON='&gt;=3.6'>pkg-1.0.tar.gz</A>",
    '<a href=pkg-1.1.tar.gz#md5=' + 'c'.repeat(32) + ' data-yanked=bad&#x20;build>pkg-1.1.tar.gz</a>',
    '<a href="pkg-1.2.tar.gz#sha256=nothex">pkg-1.2.tar.gz</a>',
    '<a href="pkg-1.3.tar.gz#sha256=' + 'a'.repeat(63) + '">short digest</a>',
    '<a href="pkg-1.4.tar.gz#sha256=' + 'd'.repeat(64) + '" data-core-metadata="sha256=zz" data-dist-info-metadata="sha256=' + 'e'.repeat(64) + '">x</a>',
    '<a href="pkg-1.5.tar.gz" data-core-metadata="false">x</a>',
    '<a href="pkg%2D1.6.tar.gz">percent-encoded name</a>',
    '<a href="javascript:alert(1)//pkg-9.tar.gz">js</a>',
    '<a href="file:///etc/pkg-9.tar.gz">file</a>',
    '<a href="pkg-1.0.tar.gz#sha256=' + 'f'.repeat(64) + '">duplicate, ignored</a>',
    '<a href="../other/">a page link</a>',
    '<a href="pkg-1.7-py3-none-any.whl"><span>nested</span> text', // unclosed at EOF
  ].join('\n');
  const page = parseProjectPage(body, 'text/html', url, 'pkg');
  t.same(
    page.files.map((file) => file.filename),
    ['pkg-1.0.tar.gz', 'pkg-1.1.tar.gz', 'pkg-1.2.tar.gz', 'pkg-1.3.tar.gz', 'pkg-1.4.tar.gz', 'pkg-1.5.tar.gz', 'pkg-1.6.tar.gz', 'pkg-1.7-py3-none-any.whl'],
  );
  const [v10, v11, v12, v13, v14, v15, v16] = page.files;
  t.equal(v10?.url, 'http://mirror.invalid/files/pkg-1.0.tar.gz', '<base href> wins over the page URL');
  t.same(v10?.hashes, { sha256: 'ab'.repeat(32) }, 'hash name and hex lowercased');
  t.equal(v10?.requiresPython, '>=3.6');
  t.same(v11?.hashes, { md5: 'c'.repeat(32) }, 'unquoted attributes; other algorithms kept');
  t.equal(v11?.yanked, 'bad build');
  t.same(v12?.hashes, {}, 'non-hex digest dropped');
  t.same(v13?.hashes, {}, 'digest of the wrong length dropped');
  t.equal(v14?.coreMetadata, true, 'data-core-metadata wins; its bad hash means "offered, unverifiable"');
  t.equal(v15?.coreMetadata, undefined, '"false" offers nothing');
  t.equal(v16?.url, 'http://mirror.invalid/files/pkg%2D1.6.tar.gz', 'file name percent-decoded, URL kept');
});

t.test('a page without links is an empty project, not an error', async (t) => {
  const page = parseProjectPage('<!DOCTYPE html><html><body><h1>Links for pkg</h1></body></html>', HTML, new URL('http://i.invalid/simple/pkg/'), 'pkg');
  t.same(page, { name: 'pkg', files: [] });
  const json = parseProjectPage('{"meta":{"api-version":"1.0"},"name":"PKG","files":[]}', JSON_TYPE, new URL('http://i.invalid/simple/pkg/'), 'pkg');
  t.same(json, { name: 'pkg', files: [] });
});

t.test('JSON details: relative URLs, tolerated shapes, dropped entries', async (t) => {
  const body = JSON.stringify({
    meta: { 'api-version': '1.4' },
    name: 'Pkg',
    files: [
      { filename: 'pkg-1.0.tar.gz', url: '/files/pkg-1.0.tar.gz#sha256=ignored', hashes: { SHA256: 'A'.repeat(64), blake2b: 'b'.repeat(128), md5: 'short' }, 'requires-python': '', yanked: '', size: -1, 'upload-time': 'yesterday' },
      { filename: 'pkg-1.1.tar.gz', url: 'pkg-1.1.tar.gz', hashes: null, 'dist-info-metadata': { sha256: 'c'.repeat(64) }, 'core-metadata': false, size: 1.5 },
      { filename: 'pkg-1.2.tar.gz', url: 'https://f.invalid/pkg-1.2.tar.gz', hashes: {}, 'core-metadata': { sha256: 'nope' }, yanked: false, 'upload-time': '2024-01-02T03:04:05Z' },
      { filename: 'other-1.0.tar.gz', url: 'other-1.0.tar.gz', hashes: {} },
      { filename: '../pkg-2.0.tar.gz', url: 'x', hashes: {} },
      { filename: 'pkg-3.0.tar.gz', url: 'ftp://f.invalid/pkg-3.0.tar.gz', hashes: {} },
      { filename: 'pkg-3.1.tar.gz', hashes: {} },
      'not an object',
      { filename: 'pkg-1.0.tar.gz', url: 'dup', hashes: {} },
    ],
    versions: ['1.0', '1.1', '1.0.0-RC1', 7],
  });
  const page = parseProjectPage(body, 'application/vnd.pypi.simple.v1+json; charset=utf-8', new URL('http://i.invalid/simple/pkg/'), 'pkg');
  t.same(page.files, [
    { filename: 'pkg-1.0.tar.gz', url: 'http://i.invalid/files/pkg-1.0.tar.gz', hashes: { sha256: 'a'.repeat(64), blake2b: 'b'.repeat(128) }, yanked: true },
    { filename: 'pkg-1.1.tar.gz', url: 'http://i.invalid/simple/pkg/pkg-1.1.tar.gz', hashes: {} },
    { filename: 'pkg-1.2.tar.gz', url: 'https://f.invalid/pkg-1.2.tar.gz', hashes: {}, uploadTime: '2024-01-02T03:04:05Z', coreMetadata: true },
  ]);
  t.same(page.versions, ['1.0.0rc1', '1.0', '1.1'], 'normalised, PEP 440 order, non-strings dropped');
});

t.test('sniffing only when the Content-Type says nothing', async (t) => {
  const url = new URL('http://i.invalid/simple/pkg/');
  const json = '{"meta":{"api-version":"1.0"},"name":"pkg","files":[]}';
  t.same(parseProjectPage(json, '', url, 'pkg'), { name: 'pkg', files: [] });
  t.same(parseProjectPage(json, 'application/json', url, 'pkg'), { name: 'pkg', files: [] });
  t.same(parseProjectPage('\uFEFF  <html></html>', 'application/octet-stream', url, 'pkg'), { name: 'pkg', files: [] });
});

t.test('anything that is not a v1 page of the project is E_UPSTREAM_BAD_RESPONSE', async (t) => {
  const url = new URL('http://i.invalid/simple/pkg/');
  const cases: Array<[string, string, string, string | RegExp]> = [
    ['not JSON', JSON_TYPE, '{"meta":', 'not valid JSON'],
    ['JSON array', JSON_TYPE, '[]', 'not a JSON object'],
    ['no meta', JSON_TYPE, '{"name":"pkg","files":[]}', 'meta.api-version'],
    ['api v2', JSON_TYPE, '{"meta":{"api-version":"2.0"},"name":"pkg","files":[]}', 'major version 1'],
    ['api garbage', JSON_TYPE, '{"meta":{"api-version":"one"},"name":"pkg","files":[]}', 'major version 1'],
    ['other project', JSON_TYPE, '{"meta":{"api-version":"1.0"},"name":"pkg2","files":[]}', 'another project'],
    ['no name', JSON_TYPE, '{"meta":{"api-version":"1.0"},"files":[]}', 'no name'],
    ['files not a list', JSON_TYPE, '{"meta":{"api-version":"1.0"},"name":"pkg","files":{}}', 'no files list'],
    ['v2 media type', 'application/vnd.pypi.simple.v2+json', '{}', 'v2'],
    ['unrelated media type', 'image/png', '<html></html>', 'image/png'],
    ['plain text', 'text/plain', 'Service Unavailable', 'neither HTML nor JSON'],
    ['HTML that is not', HTML, 'Service Unavailable', 'not HTML'],
    ['HTML api v2', HTML, '<html><head><meta name="pypi:repository-version" content="2.0"></head></html>', 'major version 1'],
    ['HTML api garbage', HTML, '<meta name="pypi:repository-version" content="latest">', 'unreadable'],
    ['an index page', HTML, '<html><body><a href="/simple/frob/">frob</a><a href="/simple/pkg/">pkg</a></body></html>', 'is not its page'],
    ['another project page', HTML, '<a href="other-1.0.tar.gz#sha256=' + 'a'.repeat(64) + '">other-1.0.tar.gz</a>', 'is not its page'],
  ];
  for (const [label, type, body, mention] of cases) throwsBadResponse(t, () => parseProjectPage(body, type, url, 'pkg'), mention, label);
});
