import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import type { RetainedVersion, VersionStatus } from '../../../src/domain/types.js';
import { isLarderError, type ErrorCode } from '../../../src/errors.js';
import { mavenProtocol as maven } from '../../../src/formats/maven/protocol.js';
import { parseMavenMetadata, renderMavenMetadata, type MavenMetadata } from '../../../src/formats/maven/metadata.js';
import { readMavenFixture } from '../../fixtures/maven/fixtures.js';

const BASE = new URL('http://upstream.invalid/maven2/');
const URL_OF = (doc: string): URL => new URL(doc, BASE);

function throwsCode(tt: Test, fn: () => unknown, code: ErrorCode, mention: RegExp, label: string): void {
  try {
    fn();
    tt.fail(`${label}: expected ${code}`);
  } catch (error) {
    tt.ok(isLarderError(error, code), `${label}: ${code}`);
    tt.match((error as Error).message, mention, `${label}: says ${String(mention)}`);
  }
}

function retained(pkg: string, version: string, status: VersionStatus = 'Published', retainedAt = '2025-03-01T10:00:00.000Z'): RetainedVersion {
  return {
    format: 'maven',
    package: pkg,
    version,
    status,
    revision: `${version}-r1`,
    assets: [],
    manifest: {},
    origin: { repository: 'maven-central', connection: 'public:maven-central' },
    retainedAt,
  };
}

const junit = (): MavenMetadata => parseMavenMetadata(readMavenFixture('junit-metadata.xml'));

t.test('metadataRequest: artifact and SNAPSHOT metadata URLs from validated coordinates', async (t) => {
  t.equal(maven.format, 'maven');
  t.same(maven.assetMetadataVariants, []);
  const artifact = maven.metadataRequest(BASE, 'org.apache.maven.plugins:maven-jar-plugin', 'artifact');
  t.equal(artifact.url.href, 'http://upstream.invalid/maven2/org/apache/maven/plugins/maven-jar-plugin/maven-metadata.xml');
  t.equal(artifact.headers.accept, 'application/xml, text/xml, */*');
  t.equal(maven.metadataRequest(BASE, 'org.apache.maven:plugins', 'artifact').url.href, 'http://upstream.invalid/maven2/org/apache/maven/plugins/maven-metadata.xml', 'group level');
  t.equal(maven.metadataRequest(BASE, 'org.example:demo', '1.1-SNAPSHOT').url.href, 'http://upstream.invalid/maven2/org/example/demo/1.1-SNAPSHOT/maven-metadata.xml');
  throwsCode(t, () => maven.metadataRequest(BASE, 'org.example:..', 'artifact'), 'E_BAD_REQUEST', /traversal/, 'dot-dot artifact');
  throwsCode(t, () => maven.metadataRequest(BASE, '..:x', 'artifact'), 'E_BAD_REQUEST', /empty path segments/, 'dot-dot group');
  throwsCode(t, () => maven.metadataRequest(BASE, 'x', 'artifact'), 'E_BAD_REQUEST', /groupId:artifactId/, 'no groupId');
  throwsCode(t, () => maven.metadataRequest(BASE, 'org.example:demo', '1.1'), 'E_INTERNAL', /unknown maven metadata variant/, 'release version variant');
  throwsCode(t, () => maven.metadataRequest(BASE, 'org.example:demo', '../x-SNAPSHOT'), 'E_INTERNAL', /variant/, 'traversal in a variant');
});

t.test('parseMetadata stores the re-rendered XML with lastUpdated as modifiedAt', async (t) => {
  const body = readMavenFixture('junit-metadata.xml').replace('<versions>', '<!-- comment --><versions>');
  const parsed = maven.parseMetadata(body, 'text/xml', 'junit:junit', 'artifact', URL_OF('junit/junit/maven-metadata.xml'));
  t.equal(parsed.body, readMavenFixture('junit-metadata.xml'), 'stored canonical rendering');
  t.equal(parsed.contentType, 'text/xml');
  t.equal(parsed.modifiedAt, Date.UTC(2021, 1, 13, 16, 44, 33));
  t.same(maven.decodeStored(parsed.body, 'junit:junit'), parsed.doc);
  const plugins = maven.parseMetadata(readMavenFixture('plugins-metadata.xml'), 'application/xml', 'org.apache.maven:plugins', 'artifact', URL_OF('x'));
  t.equal(plugins.modifiedAt, undefined, 'no lastUpdated, no modification time');
  const snapshot = maven.parseMetadata(readMavenFixture('demo-snapshot-metadata.xml'), '', 'org.example:demo', '1.1-SNAPSHOT', URL_OF('x'));
  t.equal(snapshot.modifiedAt, Date.UTC(2024, 0, 5, 9, 30, 15));
  throwsCode(t, () => maven.parseMetadata('<html>oops</html>', 'text/html', 'junit:junit', 'artifact', URL_OF('x')), 'E_UPSTREAM_BAD_RESPONSE', /not maven-metadata/, 'an HTML page');
  throwsCode(t, () => maven.decodeStored('<metadata', 'junit:junit'), 'E_STORE', /damaged/, 'a damaged store');
});

t.test('hasVersion, versionManifest, assetListing, locateAsset, assetContentType', async (t) => {
  const doc = junit();
  t.ok(maven.hasVersion(doc, '4.13.2'));
  t.ok(maven.hasVersion(doc, '4.11-beta-1'));
  t.notOk(maven.hasVersion(doc, '4.13.3'));
  t.notOk(maven.hasVersion(doc, '4.13.2.0'), 'exact strings, not Maven-equal versions');
  t.ok(maven.hasVersion(parseMavenMetadata(readMavenFixture('demo-snapshot-metadata.xml')), '1.1-SNAPSHOT'), 'a version document has its own version');
  t.notOk(maven.hasVersion(parseMavenMetadata(readMavenFixture('plugins-metadata.xml')), '1.0'));
  t.same(maven.versionManifest(doc, '4.13.2'), {});
  t.equal(maven.assetListing(doc, '4.13.2', 'junit-4.13.2.jar'), undefined);
  t.equal(maven.locateAsset(doc, BASE, 'junit:junit', '4.13.2', 'junit-4.13.2.jar'), undefined);
  t.equal(maven.assetContentType('junit-4.13.2.jar'), 'application/java-archive');
  t.equal(maven.assetContentType('junit-4.13.2.pom'), 'text/xml');
});

t.test('digestSidecar: the asset and its .sha1 on the same connection', async (t) => {
  const sidecar = maven.digestSidecar?.(BASE, 'junit:junit', '4.13.2', 'junit-4.13.2.jar');
  t.equal(sidecar?.assetUrl.href, 'http://upstream.invalid/maven2/junit/junit/4.13.2/junit-4.13.2.jar');
  t.equal(sidecar?.sidecarUrl.href, 'http://upstream.invalid/maven2/junit/junit/4.13.2/junit-4.13.2.jar.sha1');
  t.equal(sidecar?.algorithm, 'sha1');
  const sha1 = createHash('sha1').update('junit').digest('hex');
  t.equal(sidecar?.parse(`${sha1.toUpperCase()}  junit-4.13.2.jar\n`), sha1);
  t.equal(sidecar?.parse('<html>404</html>'), undefined);

  const snapshot = maven.digestSidecar?.(BASE, 'org.example:demo', '1.1-SNAPSHOT', 'demo-1.1-20240105.093015-3-sources.jar');
  t.equal(snapshot?.sidecarUrl.href, 'http://upstream.invalid/maven2/org/example/demo/1.1-SNAPSHOT/demo-1.1-20240105.093015-3-sources.jar.sha1');
  t.equal(maven.digestSidecar?.(BASE, 'junit:junit', '4.13.2', 'junit-4.13.2.jar.asc')?.sidecarUrl.href.endsWith('junit-4.13.2.jar.asc.sha1'), true, 'signatures too');

  for (const name of ['hamcrest-core-1.3.jar', 'junit-4.13.1.jar', 'junit-4.13.2.jar.sha1', 'maven-metadata.xml', '../junit-4.13.2.jar', 'junit-4.13.2.jar/../../x', '']) {
    t.equal(maven.digestSidecar?.(BASE, 'junit:junit', '4.13.2', name), undefined, `${JSON.stringify(name)} is no asset of junit 4.13.2`);
  }
  throwsCode(t, () => maven.digestSidecar?.(BASE, 'junit:junit', '..', '..-x.jar'), 'E_BAD_REQUEST', /traversal/, 'a bad version');
  throwsCode(t, () => maven.digestSidecar?.(BASE, 'junit', '4.13.2', 'junit-4.13.2.jar'), 'E_BAD_REQUEST', /groupId:artifactId/, 'a bad package');
});

t.test('union, artifact level: upstreams in order plus Published retained, hidden statuses removed', async (t) => {
  const central = junit();
  const mirror = parseMavenMetadata(
    renderMavenMetadata({ groupId: 'junit', artifactId: 'junit', versioning: { versions: ['4.13.2', '5.0-alpha'], lastUpdated: '20240101000000', snapshotVersions: [] }, plugins: [] }),
  );
  const records = [
    retained('junit:junit', '3.8.1'),
    retained('junit:junit', '4.9-legacy', 'Published', '2025-04-01T08:09:10.000Z'),
    retained('junit:junit', '4.13.1', 'Archived'),
    retained('junit:junit', '4.12', 'Unlisted'),
    retained('junit:junit', '3.7', 'Disposed'),
    retained('org.other:junit', '99.0'),
    { ...retained('junit:junit', '98.0'), format: 'npm' as const },
  ];
  const union = maven.union([central, mirror], 'junit:junit', records, 'artifact', 'resolver');
  const versions = union?.versioning?.versions ?? [];
  t.ok(versions.includes('4.9-legacy'), 'a retained version the upstream does not list is listed');
  t.ok(versions.includes('5.0-alpha'), 'versions of the later upstream are listed');
  for (const gone of ['4.13.1', '4.12', '3.7']) t.notOk(versions.includes(gone), `${gone} hidden by its status`);
  t.notOk(versions.includes('99.0') || versions.includes('98.0'), 'other packages and formats do not leak in');
  t.same(versions.slice(0, 4), ['3.8', '3.8.1', '3.8.2', '4.0'], 'Maven order');
  t.equal(versions.indexOf('4.9-legacy') < versions.indexOf('4.10'), true, '4.9-legacy sorts before 4.10');
  t.equal(union?.versioning?.latest, '5.0-alpha');
  t.equal(union?.versioning?.release, '5.0-alpha');
  t.equal(union?.versioning?.lastUpdated, '20250401080910', 'the newest of upstream lastUpdated and retainedAt');
  t.same(maven.union([central, mirror], 'junit:junit', records, 'artifact', 'resolver'), union, 'deterministic: the same inputs, the same document');
  t.same(central, junit(), 'inputs not mutated');
});

t.test('union, artifact level: retained only, nothing at all, hidden only', async (t) => {
  const only = maven.union([], 'org.example:demo', [retained('org.example:demo', '1.0'), retained('org.example:demo', '1.0-SNAPSHOT')], 'artifact', 'resolver');
  t.same(only?.versioning?.versions, ['1.0-SNAPSHOT', '1.0']);
  t.equal(only?.versioning?.release, '1.0');
  t.equal(only?.groupId, 'org.example');
  t.equal(only?.artifactId, 'demo');
  t.equal(only?.versioning?.lastUpdated, '20250301100000');
  t.equal(maven.union([], 'org.example:demo', [], 'artifact', 'resolver'), undefined);
  t.equal(maven.union([], 'org.example:demo', [retained('org.example:demo', '1.0', 'Archived')], 'artifact', 'resolver'), undefined);
  const upstreamAllHidden = maven.union([junit()], 'junit:junit', junit().versioning?.versions.map((v) => retained('junit:junit', v, 'Unlisted')) ?? [], 'artifact', 'resolver');
  t.equal(upstreamAllHidden, undefined, 'every version hidden: nothing to show');
});

t.test('union, group level: plugin mappings pass through, merged by prefix', async (t) => {
  const plugins = parseMavenMetadata(readMavenFixture('plugins-metadata.xml'));
  t.same(maven.union([plugins], 'org.apache.maven:plugins', [], 'artifact', 'resolver'), plugins, 'one upstream: unchanged');
  const other: MavenMetadata = {
    plugins: [
      { name: 'Shadow clean', prefix: 'clean', artifactId: 'other-clean-plugin' },
      { name: 'Extra', prefix: 'extra', artifactId: 'extra-maven-plugin' },
    ],
  };
  const merged = maven.union([plugins, other], 'org.apache.maven:plugins', [], 'artifact', 'resolver');
  t.equal(merged?.plugins.length, 7);
  t.equal(merged?.plugins.find((plugin) => plugin.prefix === 'clean')?.artifactId, 'maven-clean-plugin', 'the earlier upstream wins a prefix');
  t.ok(merged?.plugins.some((plugin) => plugin.prefix === 'extra'));
  t.equal(merged?.versioning, undefined);
});

t.test('union, SNAPSHOT level: the first upstream document as it is', async (t) => {
  const first = parseMavenMetadata(readMavenFixture('demo-snapshot-metadata.xml'));
  const second: MavenMetadata = { ...first, versioning: { versions: [], snapshotVersions: [], snapshot: { timestamp: '20200101.000000', buildNumber: 1 } } };
  t.equal(maven.union([first, second], 'org.example:demo', [retained('org.example:demo', '1.1-SNAPSHOT')], '1.1-SNAPSHOT', 'resolver'), first);
  t.equal(maven.union([], 'org.example:demo', [retained('org.example:demo', '1.1-SNAPSHOT')], '1.1-SNAPSHOT', 'resolver'), undefined);
  throwsCode(t, () => maven.union([first], 'org.example:demo', [], 'full', 'resolver'), 'E_INTERNAL', /variant/, 'unknown variant');
});
