import t, { type Test } from 'tap';
import { isLarderError, type ErrorCode } from '../../../src/errors.js';
import {
  decodeStoredMetadata,
  formatMavenTimestamp,
  mergeVersions,
  parseMavenMetadata,
  parseMavenTimestamp,
  renderMavenMetadata,
  type MavenMetadata,
} from '../../../src/formats/maven/metadata.js';
import { readMavenFixture } from '../../fixtures/maven/fixtures.js';

function throwsCode(tt: Test, fn: () => unknown, code: ErrorCode, mention: RegExp, label: string): void {
  try {
    fn();
    tt.fail(`${label}: expected ${code}`);
  } catch (error) {
    tt.ok(isLarderError(error, code), `${label}: ${code}`);
    tt.match((error as Error).message, mention, `${label}: says ${String(mention)}`);
  }
}

const JUNIT_VERSIONS = ['3.7', '3.8', '3.8.1', '3.8.2', '4.0', '4.1', '4.10', '4.11-beta-1', '4.11', '4.12-beta-1', '4.12-beta-2', '4.12-beta-3', '4.12', '4.13-beta-1', '4.13-rc-1', '4.13', '4.13.1', '4.13.2'];

t.test('artifact-level metadata (junit as Central serves it)', async (t) => {
  const xml = readMavenFixture('junit-metadata.xml');
  const meta = parseMavenMetadata(xml);
  t.same(meta, {
    groupId: 'junit',
    artifactId: 'junit',
    versioning: { latest: '4.13.2', release: '4.13.2', versions: JUNIT_VERSIONS, lastUpdated: '20210213164433', snapshotVersions: [] },
    plugins: [],
  });
  t.equal(renderMavenMetadata(meta), xml, 'renders back byte for byte (Maven element order, 2-space indent)');
});

t.test('version-level SNAPSHOT metadata', async (t) => {
  const xml = readMavenFixture('demo-snapshot-metadata.xml');
  const meta = parseMavenMetadata(xml);
  const stamp = '1.1-20240105.093015-3';
  t.same(meta, {
    modelVersion: '1.1.0',
    groupId: 'org.example',
    artifactId: 'demo',
    version: '1.1-SNAPSHOT',
    versioning: {
      snapshot: { timestamp: '20240105.093015', buildNumber: 3 },
      versions: [],
      lastUpdated: '20240105093015',
      snapshotVersions: [
        { extension: 'jar', value: stamp, updated: '20240105093015' },
        { extension: 'pom', value: stamp, updated: '20240105093015' },
        { classifier: 'sources', extension: 'jar', value: stamp, updated: '20240105093015' },
      ],
    },
    plugins: [],
  });
  t.equal(renderMavenMetadata(meta), xml, 'renders back byte for byte');
});

t.test('group-level plugin metadata', async (t) => {
  const xml = readMavenFixture('plugins-metadata.xml');
  const meta = parseMavenMetadata(xml);
  t.equal(meta.versioning, undefined);
  t.equal(meta.plugins.length, 6);
  t.same(meta.plugins[1], { name: 'Apache Maven Compiler Plugin', prefix: 'compiler', artifactId: 'maven-compiler-plugin' });
  t.equal(renderMavenMetadata(meta), xml, 'renders back byte for byte');
});

t.test('a tolerant reader: BOM, CRLF, comments, DOCTYPE, prefixes, CDATA, entities, junk versions', async (t) => {
  const meta = parseMavenMetadata(readMavenFixture('messy-metadata.xml'));
  t.same(meta, {
    modelVersion: '1.1.0',
    groupId: 'com.example.tools',
    artifactId: 'widget-&-gadget',
    versioning: {
      latest: '2.0.0-RC1',
      release: '1.10.0',
      versions: ['1.9.0', '1.10.0', '2.0.0-RC1', '2.0.0-SNAPSHOT'],
      snapshotVersions: [],
    },
    plugins: [],
  }, 'trimmed, de-duplicated, the commented-out, empty and unservable versions and the impossible lastUpdated dropped');
  const rendered = renderMavenMetadata(meta);
  t.match(rendered, '<artifactId>widget-&amp;-gadget</artifactId>', 'escaped on the way out');
  t.same(parseMavenMetadata(rendered), meta, 'the rendering parses back to the same document');
});

t.test('rendering escapes and stays well-formed', async (t) => {
  const meta: MavenMetadata = {
    modelVersion: '1.1.0"><x a="',
    groupId: 'g<&>"\'',
    artifactId: 'a\u0001b',
    versioning: { versions: ['1.0'], snapshotVersions: [], snapshot: { localCopy: true } },
    plugins: [{ name: '', prefix: 'p', artifactId: 'x-maven-plugin' }],
  };
  const xml = renderMavenMetadata(meta);
  t.match(xml, '<metadata modelVersion="1.1.0&quot;&gt;&lt;x a=&quot;">');
  t.match(xml, '<groupId>g&lt;&amp;&gt;&quot;&apos;</groupId>');
  t.match(xml, '<artifactId>ab</artifactId>', 'a character XML 1.0 cannot hold is dropped');
  t.match(xml, '<snapshot>\n      <localCopy>true</localCopy>\n    </snapshot>');
  t.notMatch(xml, '<name>', 'an empty plugin name is left out');
  const back = parseMavenMetadata(xml);
  t.equal(back.groupId, 'g<&>"\'');
  t.equal(back.modelVersion, '1.1.0"><x a="');
  t.same(back.versioning?.snapshot, { localCopy: true });
  t.equal(renderMavenMetadata({ plugins: [] }), '<?xml version="1.0" encoding="UTF-8"?>\n<metadata>\n</metadata>\n', 'an empty document');
});

t.test('numeric character references and odd but valid XML', async (t) => {
  const meta = parseMavenMetadata(
    `<?xml version='1.0'?><metadata><groupId>a&#46;b&#x2E;c</groupId><artifactId >x</artifactId ><versioning><versions><version>1</version><version/></versions><snapshot><buildNumber>x</buildNumber><localCopy>false</localCopy></snapshot></versioning></metadata>`,
  );
  t.equal(meta.groupId, 'a.b.c');
  t.same(meta.versioning?.versions, ['1']);
  t.same(meta.versioning?.snapshot, { localCopy: false }, 'a non-numeric build number is dropped');
});

t.test('garbage is E_UPSTREAM_BAD_RESPONSE; a damaged store is E_STORE', async (t) => {
  const garbage: Array<[string, RegExp]> = [
    ['', /no root element/],
    ['not xml at all', /no root element/],
    ['{"versions":[]}', /no root element/],
    ['<html><body>Not Found</body></html>', /<html>, not maven-metadata\.xml/],
    ['<metadata><groupId>x</metadata>', /does not close <groupId>/],
    ['<metadata><groupId>x</groupId>', /unclosed element <metadata>/],
    ['<metadata></metadata><metadata></metadata>', /content after the root element/],
    ['<metadata>&nbsp;</metadata>', /unknown entity &nbsp;/],
    ['<metadata>a & b</metadata>', /"&" that starts no entity/],
    ['<metadata>&#0;</metadata>', /invalid character reference/],
    ['<metadata>&#xD800;</metadata>', /invalid character reference/],
    ['<metadata a=b></metadata>', /not quoted/],
    ['<metadata a></metadata>', /without a value/],
    ['<metadata a="<"></metadata>', /"<" in an attribute/],
    ['<metadata><!-- open </metadata>', /unterminated comment/],
    ['<metadata><![CDATA[ open </metadata>', /unterminated CDATA/],
    ['<!DOCTYPE metadata [ <!ENTITY x "y"> ', /unterminated DOCTYPE/],
    ['<metadata><!ENTITY x "y"></metadata>', /expected a name/],
    ['<metadata><1x/></metadata>', /expected a name/],
    [`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, /nested deeper than 32/],
  ];
  for (const [xml, why] of garbage) {
    throwsCode(t, () => parseMavenMetadata(xml), 'E_UPSTREAM_BAD_RESPONSE', why, JSON.stringify(xml.slice(0, 40)));
  }
  throwsCode(t, () => decodeStoredMetadata('<metadata>'), 'E_STORE', /stored maven-metadata\.xml is damaged/, 'stored garbage');
  t.same(decodeStoredMetadata(readMavenFixture('junit-metadata.xml')).versioning?.versions, JUNIT_VERSIONS);
});

t.test('timestamps: yyyyMMddHHmmss in UTC', async (t) => {
  t.equal(formatMavenTimestamp(new Date(Date.UTC(2024, 0, 5, 9, 30, 15, 999))), '20240105093015');
  t.equal(parseMavenTimestamp('20240105093015'), Date.UTC(2024, 0, 5, 9, 30, 15));
  t.equal(parseMavenTimestamp('20231131250000'), undefined, 'no 31 November, no hour 25');
  t.equal(parseMavenTimestamp('2024010509301'), undefined);
  t.equal(parseMavenTimestamp('2024-01-05T09:30'), undefined);
  t.equal(parseMavenTimestamp(undefined), undefined);
});

const NOW = new Date(Date.UTC(2025, 5, 1, 12, 0, 0));

t.test('mergeVersions: union, Maven order, latest/release/lastUpdated recomputed', async (t) => {
  const junit = parseMavenMetadata(readMavenFixture('junit-metadata.xml'));
  const merged = mergeVersions(junit, 'junit', 'junit', ['4.13.3-SNAPSHOT', '3.8.1', '4.14-beta-1'], NOW);
  t.same(merged?.versioning?.versions, [
    '3.7', '3.8', '3.8.1', '3.8.2', '4.0', '4.1', '4.10', '4.11-beta-1', '4.11', '4.12-beta-1', '4.12-beta-2', '4.12-beta-3',
    '4.12', '4.13-beta-1', '4.13-rc-1', '4.13', '4.13.1', '4.13.2', '4.13.3-SNAPSHOT', '4.14-beta-1',
  ]);
  t.equal(merged?.versioning?.latest, '4.14-beta-1', 'latest: the highest, pre-releases included');
  t.equal(merged?.versioning?.release, '4.14-beta-1', 'release: the highest that is no SNAPSHOT');
  t.equal(merged?.versioning?.lastUpdated, '20250601120000');
  t.equal(merged?.groupId, 'junit');
  t.same(junit.versioning?.versions, JUNIT_VERSIONS, 'the input is not mutated');

  const snapshotOnTop = mergeVersions(junit, 'junit', 'junit', ['5.0-SNAPSHOT'], NOW);
  t.equal(snapshotOnTop?.versioning?.latest, '5.0-SNAPSHOT');
  t.equal(snapshotOnTop?.versioning?.release, '4.13.2', 'a SNAPSHOT is never the release');

  const hidden = mergeVersions(junit, 'junit', 'junit', [], NOW, new Set(['4.13.2', '4.13.1']));
  t.equal(hidden?.versioning?.latest, '4.13');
  t.equal(hidden?.versioning?.release, '4.13');
  t.notOk(hidden?.versioning?.versions.includes('4.13.2'), 'hidden versions are removed');

  const bad = mergeVersions(undefined, 'junit', 'junit', ['../x', '1.0'], NOW);
  t.same(bad?.versioning?.versions, ['1.0'], 'a version that is no path segment is never listed');
});

t.test('mergeVersions without upstream metadata, and with nothing to show', async (t) => {
  const only = mergeVersions(undefined, 'org.example', 'demo', ['1.0', '1.1-SNAPSHOT', '0.9'], NOW);
  t.same(only, {
    groupId: 'org.example',
    artifactId: 'demo',
    plugins: [],
    versioning: { snapshotVersions: [], latest: '1.1-SNAPSHOT', release: '1.0', versions: ['0.9', '1.0', '1.1-SNAPSHOT'], lastUpdated: '20250601120000' },
  });
  const snapshotsOnly = mergeVersions(undefined, 'org.example', 'demo', ['1.1-SNAPSHOT'], NOW);
  t.equal(snapshotsOnly?.versioning?.release, undefined);
  t.notOk(snapshotsOnly !== undefined && 'release' in (snapshotsOnly.versioning ?? {}), 'no release key at all');
  t.notMatch(renderMavenMetadata(snapshotsOnly as MavenMetadata), '<release>');

  t.equal(mergeVersions(undefined, 'g', 'a', [], NOW), undefined, 'nothing at all');
  t.equal(mergeVersions(undefined, 'g', 'a', ['1.0'], NOW, new Set(['1.0'])), undefined, 'everything hidden');
  const junit = parseMavenMetadata(readMavenFixture('junit-metadata.xml'));
  t.equal(mergeVersions(junit, 'junit', 'junit', [], NOW, new Set(JUNIT_VERSIONS)), undefined, 'every upstream version hidden');
  const plugins = parseMavenMetadata(readMavenFixture('plugins-metadata.xml'));
  t.same(mergeVersions(plugins, 'org.apache.maven', 'plugins', [], NOW), plugins, 'plugin mappings alone still show');
});
