import t from 'tap';
import {
  parseProjectPage,
  renderHtml,
  renderJson,
  renderProjectList,
  scanHtml,
  type ProjectPage,
  type PypiFile,
} from '../../../src/formats/pypi/index.js';
import { SAMPLE_PAGE_URL, SAMPLE_PROJECT, readPypiFixture } from '../../fixtures/pypi/fixtures.js';

const LARDER_PAGE = new URL('http://127.0.0.1:7878/pypi/default/simple/sample-requests/');
const larderUrl = (file: PypiFile): string => `http://127.0.0.1:7878/pypi/default/files/sample-requests/${file.filename}`;
const HTML_TYPE = 'application/vnd.pypi.simple.v1+html';
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

/** What a client of larder should see: the same page, file URLs pointing at larder. */
function atLarder(page: ProjectPage): ProjectPage {
  return { ...page, files: page.files.map((file) => ({ ...file, url: larderUrl(file) })) };
}

/** Core metadata larder cannot verify (no sha256) is not advertised; see render.ts. */
function servable(page: ProjectPage): ProjectPage {
  return { ...page, files: page.files.map((file) => (file.coreMetadata === true ? (({ coreMetadata: _dropped, ...rest }) => rest)(file) : file)) };
}

const fromJson = (): ProjectPage => parseProjectPage(readPypiFixture('json'), JSON_TYPE, SAMPLE_PAGE_URL, SAMPLE_PROJECT);
const fromHtml = (): ProjectPage => parseProjectPage(readPypiFixture('html'), 'text/html', SAMPLE_PAGE_URL, SAMPLE_PROJECT);

t.test('JSON round trip: render then parse gives the same page', async (t) => {
  const page = fromJson();
  const rendered = renderJson(page, larderUrl);
  t.same(parseProjectPage(rendered, JSON_TYPE, LARDER_PAGE, SAMPLE_PROJECT), servable(atLarder(page)));
  const from = fromHtml();
  t.same(parseProjectPage(renderJson(from, larderUrl), JSON_TYPE, LARDER_PAGE, SAMPLE_PROJECT).files, servable(atLarder(from)).files, 'a page that came as HTML');
});

t.test('HTML round trip: render then parse gives the same page', async (t) => {
  for (const [label, page] of [['from JSON', fromJson()], ['from HTML', fromHtml()]] as const) {
    const rendered = renderHtml(page, larderUrl);
    const reparsed = parseProjectPage(rendered, HTML_TYPE, LARDER_PAGE, SAMPLE_PROJECT);
    const expected = servable(atLarder(page)).files.map((file) => ({ ...file, size: undefined, uploadTime: undefined }));
    t.same(reparsed.files, JSON.parse(JSON.stringify(expected)), `${label}: everything HTML can carry`);
  }
});

t.test('JSON output: PEP 691 v1.1 keys, only core-metadata, sorted versions', async (t) => {
  const doc = JSON.parse(renderJson(fromJson(), larderUrl)) as Record<string, unknown>;
  t.same(doc.meta, { 'api-version': '1.1' });
  t.equal(doc.name, 'sample-requests');
  t.same(doc.versions, ['1.0', '2.0.0', '2.28.0', '2.29.0', '2.31.0', '2.32.0', '2.32.1', '2.32.3', '2.33.0rc1']);
  const files = doc.files as Array<Record<string, unknown>>;
  const wheel = files.find((file) => file.filename === 'sample_requests-2.32.0-py3-none-any.whl');
  t.same(Object.keys(wheel ?? {}).sort(), ['core-metadata', 'filename', 'hashes', 'requires-python', 'size', 'upload-time', 'url', 'yanked']);
  t.equal(wheel?.url, 'http://127.0.0.1:7878/pypi/default/files/sample-requests/sample_requests-2.32.0-py3-none-any.whl');
  t.notOk(JSON.stringify(doc).includes('dist-info-metadata'), 'never the old key in JSON (PEP 714)');
  const legacy = files.find((file) => file.filename === 'Sample-Requests-2.0.0.tar.gz');
  t.notOk(legacy && 'requires-python' in legacy, 'absent fields stay absent');
  t.notOk(legacy && 'yanked' in legacy, 'not yanked: no key');

  const noSizes = JSON.parse(renderJson(fromHtml(), larderUrl)) as Record<string, unknown>;
  t.same(noSizes.meta, { 'api-version': '1.0' }, 'without sizes (mandatory in 1.1) the page says 1.0');
  t.same(noSizes.versions, ['2.0.0', '2.28.0', '2.31.0', '2.32.0', '2.32.1', '2.32.3', '2.33.0rc1'], 'versions from the files');
});

t.test('HTML output: version meta, hash fragment, escaped attributes, both metadata names', async (t) => {
  const page: ProjectPage = {
    name: 'Pkg',
    files: [
      {
        filename: 'pkg-1.0.tar.gz',
        url: 'https://f.invalid/pkg-1.0.tar.gz',
        hashes: { md5: '1'.repeat(32), sha512: '2'.repeat(128), sha256: '3'.repeat(64) },
        requiresPython: '>=3.8, <4, !="3.9.*"',
        yanked: 'broken <b>&</b> "bad"',
        coreMetadata: { sha256: '4'.repeat(64) },
      },
      { filename: 'pkg-1.1.tar.gz', url: 'https://f.invalid/pkg-1.1.tar.gz', hashes: { md5: '5'.repeat(32), sha512: '6'.repeat(128) }, yanked: true, coreMetadata: true },
      { filename: 'pkg-1.2.tar.gz', url: 'https://f.invalid/pkg-1.2.tar.gz', hashes: {} },
    ],
  };
  const html = renderHtml(page, (file) => `/pypi/r/files/pkg/${file.filename}?a=1&b=2`);
  t.match(html, /^<!DOCTYPE html>\n<html>\n {2}<head>\n {4}<meta name="pypi:repository-version" content="1\.1">/);
  t.match(html, '<title>Links for pkg</title>');
  t.match(html, `href="/pypi/r/files/pkg/pkg-1.0.tar.gz?a=1&amp;b=2#sha256=${'3'.repeat(64)}"`, 'sha256 preferred');
  t.match(html, `#sha512=${'6'.repeat(128)}"`, 'else the strongest hash');
  t.match(html, 'href="/pypi/r/files/pkg/pkg-1.2.tar.gz?a=1&amp;b=2">', 'no hash: no fragment');
  t.match(html, 'data-requires-python="&gt;=3.8, &lt;4, !=&quot;3.9.*&quot;"');
  t.match(html, 'data-yanked="broken &lt;b&gt;&amp;&lt;/b&gt; &quot;bad&quot;"');
  t.match(html, 'data-yanked=""');
  t.match(html, `data-core-metadata="sha256=${'4'.repeat(64)}" data-dist-info-metadata="sha256=${'4'.repeat(64)}"`);
  t.equal(html.match(/data-core-metadata/g)?.length, 1, 'metadata without a sha256 is not advertised');
  const anchors = scanHtml(html).anchors;
  t.same(anchors.map((anchor) => anchor.text), ['pkg-1.0.tar.gz', 'pkg-1.1.tar.gz', 'pkg-1.2.tar.gz']);
  t.equal(anchors[0]?.attrs.get('data-yanked'), 'broken <b>&</b> "bad"', 'escaping round-trips');
});

t.test('project list in both forms', async (t) => {
  const names = ['Django', 'sample-requests', 'a&b'];
  const projectUrl = (name: string): string => `/pypi/r/simple/${encodeURIComponent(name.toLowerCase())}/`;
  t.same(JSON.parse(renderProjectList(names, projectUrl, 'json')), {
    meta: { 'api-version': '1.1' },
    projects: [{ name: 'Django' }, { name: 'sample-requests' }, { name: 'a&b' }],
  });
  const html = renderProjectList(names, projectUrl, 'html');
  t.match(html, '<meta name="pypi:repository-version" content="1.1">');
  const anchors = scanHtml(html).anchors;
  t.same(
    anchors.map((anchor) => [anchor.attrs.get('href'), anchor.text]),
    [
      ['/pypi/r/simple/django/', 'Django'],
      ['/pypi/r/simple/sample-requests/', 'sample-requests'],
      ['/pypi/r/simple/a%26b/', 'a&b'],
    ],
  );
  t.match(html, '>a&amp;b</a>');
  t.same(JSON.parse(renderProjectList([], projectUrl, 'json')).projects, []);
});
