import t, { type Test } from 'tap';
import { isLarderError } from '../../../src/errors.js';
import { MAX_RAW_PATH_LENGTH, classifyMavenPath, mavenPath, type MavenRequest } from '../../../src/formats/maven/path.js';
import { fileBelongsTo, parseMavenPackage } from '../../../src/formats/maven/coordinates.js';

function refuses(tt: Test, fn: () => unknown, rule: RegExp, label: string): void {
  try {
    fn();
    tt.fail(`${label}: expected E_BAD_REQUEST`);
  } catch (error) {
    tt.ok(isLarderError(error, 'E_BAD_REQUEST'), `${label}: E_BAD_REQUEST`);
    tt.match((error as Error).message, rule, `${label}: names the rule`);
  }
}

t.test('metadata: artifact, group and SNAPSHOT version level, with sidecars', async (t) => {
  const cases: Array<[string, MavenRequest]> = [
    [
      'junit/junit/maven-metadata.xml',
      { kind: 'metadata', dir: ['junit', 'junit'], groupId: 'junit', artifactId: 'junit', pkg: 'junit:junit', variant: 'artifact' },
    ],
    [
      'org/apache/maven/plugins/maven-compiler-plugin/maven-metadata.xml.sha1',
      {
        kind: 'metadata',
        dir: ['org', 'apache', 'maven', 'plugins', 'maven-compiler-plugin'],
        groupId: 'org.apache.maven.plugins',
        artifactId: 'maven-compiler-plugin',
        pkg: 'org.apache.maven.plugins:maven-compiler-plugin',
        variant: 'artifact',
        checksum: 'sha1',
      },
    ],
    [
      'org/apache/maven/plugins/maven-metadata.xml',
      { kind: 'metadata', dir: ['org', 'apache', 'maven', 'plugins'], groupId: 'org.apache.maven', artifactId: 'plugins', pkg: 'org.apache.maven:plugins', variant: 'artifact' },
    ],
    [
      'org/example/demo/1.1-SNAPSHOT/maven-metadata.xml',
      { kind: 'metadata', dir: ['org', 'example', 'demo', '1.1-SNAPSHOT'], groupId: 'org.example', artifactId: 'demo', pkg: 'org.example:demo', variant: '1.1-SNAPSHOT' },
    ],
    [
      'org/example/demo/1.1-SNAPSHOT/maven-metadata.xml.sha512',
      { kind: 'metadata', dir: ['org', 'example', 'demo', '1.1-SNAPSHOT'], groupId: 'org.example', artifactId: 'demo', pkg: 'org.example:demo', variant: '1.1-SNAPSHOT', checksum: 'sha512' },
    ],
    [
      'junit/junit/maven-metadata.xml.md5',
      { kind: 'metadata', dir: ['junit', 'junit'], groupId: 'junit', artifactId: 'junit', pkg: 'junit:junit', variant: 'artifact', checksum: 'md5' },
    ],
    [
      'junit/junit/maven-metadata.xml.sha256',
      { kind: 'metadata', dir: ['junit', 'junit'], groupId: 'junit', artifactId: 'junit', pkg: 'junit:junit', variant: 'artifact', checksum: 'sha256' },
    ],
  ];
  for (const [path, expected] of cases) t.same(classifyMavenPath(path), expected, path);
  t.equal((classifyMavenPath('junit/junit/maven-metadata.xml') as { checksum?: string }).checksum, undefined, 'no checksum key when none');
});

t.test('assets: release files, classifiers, sidecars, signatures', async (t) => {
  const junit = { kind: 'asset', groupId: 'junit', artifactId: 'junit', version: '4.13.2', pkg: 'junit:junit' };
  const cases: Array<[string, MavenRequest]> = [
    ['junit/junit/4.13.2/junit-4.13.2.jar', { ...junit, filename: 'junit-4.13.2.jar' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2.pom', { ...junit, filename: 'junit-4.13.2.pom' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2-sources.jar', { ...junit, filename: 'junit-4.13.2-sources.jar' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2.pom.sha1', { ...junit, filename: 'junit-4.13.2.pom', checksum: 'sha1' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2.jar.md5', { ...junit, filename: 'junit-4.13.2.jar', checksum: 'md5' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2.jar.sha256', { ...junit, filename: 'junit-4.13.2.jar', checksum: 'sha256' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2.jar.sha512', { ...junit, filename: 'junit-4.13.2.jar', checksum: 'sha512' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2.jar.asc', { ...junit, filename: 'junit-4.13.2.jar.asc' } as MavenRequest],
    ['junit/junit/4.13.2/junit-4.13.2.jar.asc.sha1', { ...junit, filename: 'junit-4.13.2.jar.asc', checksum: 'sha1' } as MavenRequest],
    [
      'org/apache/maven/plugins/maven-jar-plugin/3.3.0/maven-jar-plugin-3.3.0.jar',
      {
        kind: 'asset',
        groupId: 'org.apache.maven.plugins',
        artifactId: 'maven-jar-plugin',
        version: '3.3.0',
        filename: 'maven-jar-plugin-3.3.0.jar',
        pkg: 'org.apache.maven.plugins:maven-jar-plugin',
      },
    ],
    [
      'com/google/guava/guava/33.0.0-jre/guava-33.0.0-jre.module',
      { kind: 'asset', groupId: 'com.google.guava', artifactId: 'guava', version: '33.0.0-jre', filename: 'guava-33.0.0-jre.module', pkg: 'com.google.guava:guava' },
    ],
  ];
  for (const [path, expected] of cases) t.same(classifyMavenPath(path), expected, path);
});

t.test('SNAPSHOT files: timestamped and plain', async (t) => {
  const demo = { kind: 'asset', groupId: 'org.example', artifactId: 'demo', version: '1.1-SNAPSHOT', pkg: 'org.example:demo' };
  for (const filename of ['demo-1.1-20240105.093015-3.jar', 'demo-1.1-20240105.093015-3.pom', 'demo-1.1-20240105.093015-3-sources.jar', 'demo-1.1-SNAPSHOT.jar']) {
    t.same(classifyMavenPath(`org/example/demo/1.1-SNAPSHOT/${filename}`), { ...demo, filename }, filename);
  }
  t.same(classifyMavenPath('org/example/demo/1.1-SNAPSHOT/demo-1.1-20240105.093015-3.jar.sha1'), { ...demo, filename: 'demo-1.1-20240105.093015-3.jar', checksum: 'sha1' });
  refuses(t, () => classifyMavenPath('org/example/demo/1.1-SNAPSHOT/demo-1.2-20240105.093015-3.jar'), /file of demo 1\.1-SNAPSHOT/, 'another base version');
  refuses(t, () => classifyMavenPath('org/example/demo/1.1-SNAPSHOT/demo-1.1-2024010.093015-3.jar'), /must start with/, 'a malformed timestamp');
  refuses(t, () => classifyMavenPath('org/example/demo/1.1-SNAPSHOT/demo-1.1-20240105.093015-3'), /must start with/, 'no extension');
  const release = classifyMavenPath('org/example/demo/1.1/demo-1.1-20240105.093015-3.jar');
  t.match(release, { kind: 'asset', version: '1.1' }, 'in a release directory the stamp reads as a classifier: still a file of 1.1');
});

t.test('traversal in every spelling is refused', async (t) => {
  const traversal: Array<[string, RegExp]> = [
    ['junit/../junit/4.13.2/junit-4.13.2.jar', /traversal/],
    ['junit/junit/4.13.2/..', /traversal/],
    ['junit/junit/%2e%2e/4.13.2/junit-4.13.2.jar', /traversal/],
    ['junit/junit/%2E%2E/junit-4.13.2.jar', /traversal/],
    ['junit/junit/.%2e/junit-4.13.2.jar', /traversal/],
    ['junit/./junit/4.13.2/junit-4.13.2.jar', /traversal/],
    ['junit/junit%2f..%2f..%2fetc/4.13.2/junit-4.13.2.jar', /encoded "\/"/],
    ['junit/junit/4.13.2/..%2Fjunit-4.13.2.jar', /encoded "\/"/],
    ['junit/junit/4.13.2/..%5cjunit-4.13.2.jar', /encoded "\/" or "\\"/],
    ['junit\\..\\junit/4.13.2/junit-4.13.2.jar', /"\\" is not a path separator/],
    ['junit/junit/4.13.2/junit-4.13.2.jar%00.txt', /control characters/],
    ['junit/junit/4.13.2/junit-4.13.2.jar\u0000', /control characters/],
    ['junit/junit/4.13.2/junit-4.13.2.jar%0d%0aX-Evil:%201', /control characters/],
    ['junit/junit/4.13.2/junit\r\n-4.13.2.jar', /control characters/],
    ['junit/junit/4.13.2/junit-4.13.2.jar%', /invalid percent-encoding/],
    ['junit/junit/4.13.2/junit-4.13.2.jar%zz', /invalid percent-encoding/],
    ['junit/junit/4.13.2/junit-4.13.2.jar%c0%ae', /invalid percent-encoding/],
    ['/junit/junit/4.13.2/junit-4.13.2.jar', /empty path segments/],
    ['junit//junit/4.13.2/junit-4.13.2.jar', /empty path segments/],
    ['junit/junit/4.13.2/', /empty path segments/],
    ['', /the path is empty/],
  ];
  for (const [path, rule] of traversal) refuses(t, () => classifyMavenPath(path), rule, JSON.stringify(path));
});

t.test('malformed coordinates and file names are refused', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['junit/junit/4.13.2/junit-4.13.3.jar', /must start with "junit-4\.13\.2"/],
    ['junit/junit/4.13.2/hamcrest-core-1.3.jar', /file of junit 4\.13\.2/],
    ['junit/junit/4.13.2/junit-4.13.20.jar', /must start with/],
    ['junit/junit/4.13.2/junit-4.13.2', /must start with/],
    ['junit/junit/4.13.2/junit-4.13.2.', /must start with/],
    ['junit/junit/4.13.2/maven-metadata-local.xml', /must start with/],
    ['junit/junit/4.13.2/junit-4.13.2.jar.sha1.md5', /checksum of a checksum/],
    ['junit/4.13.2/junit-4.13.2.jar', /at least 4 segments/],
    ['junit-4.13.2.jar', /at least 4 segments/],
    ['maven-metadata.xml', /at least 2 directories/],
    ['junit/maven-metadata.xml', /at least 2 directories/],
    ['demo/1.1-SNAPSHOT/maven-metadata.xml', /at least 3 directories/],
    ['junit/ju nit/4.13.2/ju nit-4.13.2.jar', /ASCII letters, digits/],
    ['junit/ju%20nit/4.13.2/ju%20nit-4.13.2.jar', /ASCII letters, digits/],
    ['junit/junit/4.13.2/junit-4.13.2.jar?x=1', /ASCII letters, digits/],
    ['junit/junit/4.13.2/junit-4.13.2.jar#frag', /ASCII letters, digits/],
    ['junit/jünit/4.13.2/jünit-4.13.2.jar', /ASCII letters, digits/],
    ['junit/junit/4:13/junit-4:13.jar', /ASCII letters, digits/],
    ['junit/junit/4.13.2/junit-4.13.2.jar;jsessionid=1', /ASCII letters, digits/],
    [`junit/junit/4.13.2/junit-4.13.2${'-x'.repeat(130)}.jar`, /at most 255 characters/],
    [`${'a/'.repeat(MAX_RAW_PATH_LENGTH / 2)}a-1.jar`, /at most 1024 characters/],
  ];
  for (const [path, rule] of bad) refuses(t, () => classifyMavenPath(path), rule, path.slice(0, 60));
  t.same(classifyMavenPath('com/example/a_b+c~d/1.0+build~2/a_b+c~d-1.0+build~2.jar'), {
    kind: 'asset',
    groupId: 'com.example',
    artifactId: 'a_b+c~d',
    version: '1.0+build~2',
    filename: 'a_b+c~d-1.0+build~2.jar',
    pkg: 'com.example:a_b+c~d',
  }, 'every allowed character');
  t.same(classifyMavenPath('junit/junit/4.13.2/junit-4.13.2%2Ejar'), classifyMavenPath('junit/junit/4.13.2/junit-4.13.2.jar'), 'harmless escapes decode');
});

t.test('mavenPath builds canonical paths from validated coordinates only', async (t) => {
  t.equal(mavenPath('org.apache.maven.plugins', 'maven-jar-plugin'), 'org/apache/maven/plugins/maven-jar-plugin');
  t.equal(mavenPath('junit', 'junit', undefined, 'maven-metadata.xml'), 'junit/junit/maven-metadata.xml');
  t.equal(mavenPath('junit', 'junit', '4.13.2'), 'junit/junit/4.13.2');
  t.equal(mavenPath('junit', 'junit', '4.13.2', 'junit-4.13.2.jar'), 'junit/junit/4.13.2/junit-4.13.2.jar');
  refuses(t, () => mavenPath('org..evil', 'x'), /empty path segments/, 'empty group segment');
  refuses(t, () => mavenPath('', 'x'), /groupId is empty/, 'empty group');
  refuses(t, () => mavenPath('org/evil', 'x'), /ASCII letters/, 'slash in group');
  refuses(t, () => mavenPath('org', '..'), /traversal/, 'dot-dot artifact');
  refuses(t, () => mavenPath('org', 'x', '../..'), /ASCII letters/, 'slash in version');
  refuses(t, () => mavenPath('org', 'x', '1', '//evil.example/x'), /ASCII letters/, 'authority in file name');
  refuses(t, () => mavenPath('org', 'x', '1', 'http:x'), /ASCII letters/, 'scheme in file name');
  t.same(parseMavenPackage('org.example:demo'), { groupId: 'org.example', artifactId: 'demo' });
  refuses(t, () => parseMavenPackage('demo'), /groupId:artifactId/, 'no colon');
  refuses(t, () => parseMavenPackage('a:b:c'), /groupId:artifactId/, 'two colons');
  refuses(t, () => parseMavenPackage('org.example:../x'), /ASCII letters/, 'bad artifactId');
  refuses(t, () => parseMavenPackage('.org:x'), /empty path segments/, 'bad groupId');
});

t.test('fileBelongsTo', async (t) => {
  t.ok(fileBelongsTo('a-1.jar', 'a', '1'));
  t.ok(fileBelongsTo('a-1-tests.jar', 'a', '1'));
  t.notOk(fileBelongsTo('a-1', 'a', '1'), 'needs an extension or classifier');
  t.notOk(fileBelongsTo('a-10.jar', 'a', '1'));
  t.notOk(fileBelongsTo('b-1.jar', 'a', '1'));
  t.notOk(fileBelongsTo('a-1.jar', 'a-1', '1'), 'artifact name is the whole prefix');
  t.ok(fileBelongsTo('a-1-20240101.000000-12.jar', 'a', '1-SNAPSHOT'));
  t.notOk(fileBelongsTo('a-1-20240101.000000-.jar', 'a', '1-SNAPSHOT'));
});
