/**
 * The PyPI and Maven readers: requirements.txt with its includes, pylock.toml, the real
 * `mvn dependency:list` log and the coordinates list from test/fixtures/lockfiles/, plus the
 * shapes the fixtures do not show (Maven 3.9 module suffixes, -DoutputFile, several modules).
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { readLockfile, readMavenList, readPylock, readRequirements } from '../../src/warm/lockfiles/index.js';
import type { MavenWarmItem, PypiWarmItem } from '../../src/warm/types.js';
import { FakePypiProjects } from '../helpers/fake-pypi-projects.js';
import { PYPI_PROJECTS } from '../fixtures/lockfiles/make-py-fixtures.js';
import { fixture, kindsOf, readUnderOtherNames } from './lockfile-helpers.js';

/** SRI sha256 of the bytes the fake PyPI serves (computed here, not read from the fixtures). */
const projects = new FakePypiProjects(PYPI_PROJECTS);
function served(project: string, kind: 'wheel' | 'sdist'): { sri: string; filename: string } {
  const state = projects.get(project);
  const file = state === undefined ? undefined : projects.files(state).find((f) => f.kind === kind);
  if (file === undefined) throw new Error(`no ${kind} of ${project}`);
  return { sri: `sha256-${createHash('sha256').update(file.bytes).digest('base64')}`, filename: file.filename };
}

const pypi = (name: string, version: string, integrities: string[], files?: string[]): PypiWarmItem =>
  files === undefined ? { format: 'pypi', name, version, integrities } : { format: 'pypi', name, version, integrities, files };
const maven = (groupId: string, artifactId: string, version: string, type = 'jar', classifier?: string): MavenWarmItem =>
  classifier === undefined ? { format: 'maven', groupId, artifactId, version, type } : { format: 'maven', groupId, artifactId, version, type, classifier };

const frobWheel = served('Frob.Bar', 'wheel');
const frobSdist = served('Frob.Bar', 'sdist');

t.test('requirements.txt: pins with their hashes, then -r and -c includes, merged by normalised name', async (t) => {
  const contents = await readLockfile(fixture('pip/requirements.txt'));
  t.equal(contents.kind, 'requirements.txt');
  t.equal(contents.format, 'pypi');
  t.strictSame(contents.items, [
    pypi('frob.bar', '1.0.0', [frobWheel.sri, frobSdist.sri]),
    pypi('dep_thing', '2.1', [served('dep_thing', 'wheel').sri]),
    pypi('win-only', '1.2', [served('win-only', 'wheel').sri]),
    pypi('tiny-util', '0.3.0', [served('tiny-util', 'wheel').sri]),
    pypi('pinned-constraint', '4.0', []),
  ], 'Frob.Bar==1.0.0 in requirements-base.txt is the same pin as frob.bar[cli]==1.0.0');
  t.strictSame(contents.skipped, []);
});

t.test('requirements-loose.txt: everything not pinned to one version is reported, with file and line', async (t) => {
  const path = fixture('pip/requirements-loose.txt');
  const contents = await readLockfile(path);
  t.strictSame(contents.items, [
    pypi('exact', '1.0-custom', []),
    pypi('tiny-util', '0.3.0', [served('tiny-util', 'wheel').sri]),
    pypi('Frob.Bar', '1.0.0', [frobWheel.sri]),
  ]);
  const lines = ['4: dep-thing>=2.0', '5: win-only', '6: frob-bar==1.*', '7: ranged==1.0,<2', '8: -e ./local-src', '9: local-pkg @ file:///opt/wheels/local_pkg-1.0-py3-none-any.whl', '10: ./vendor/other-1.0.tar.gz'];
  t.strictSame(contents.skipped, lines.map((line) => ({ entry: `${path}:${line}`, reason: 'not pinned to one version' })));
});

t.test('readRequirements is pure: includes come back as written, with their lines', async (t) => {
  const text = [
    '--index-url http://127.0.0.1:1/simple/',
    '-rbase.txt',
    '--requirement=more.txt',
    '  --constraint   c.txt   # why',
    'a==1.0 \\',
    '  # a comment line ends the continuation',
    'b (==2.0)',
    'c===3.0 --hash sha256:' + 'ab'.repeat(32) + ' --hash=sha256:' + 'AB'.repeat(32),
    'd[x, y] == 4.0 ; os_name == "nt" and python_version < "3.12"',
    'e~=5.0',
    'f == 6.0.post1+local \\\r\n    --hash=sha512:' + '0'.repeat(128),
    '',
  ].join('\n');
  const contents = readRequirements(text, 'reqs.txt');
  t.strictSame(contents.includes, [
    { kind: 'requirements', path: 'base.txt', line: 2 },
    { kind: 'requirements', path: 'more.txt', line: 3 },
    { kind: 'constraints', path: 'c.txt', line: 4 },
  ]);
  const ab = `sha256-${Buffer.from('ab'.repeat(32), 'hex').toString('base64')}`;
  t.strictSame(contents.items, [
    pypi('a', '1.0', []),
    pypi('b', '2.0', []),
    pypi('c', '3.0', [ab]),
    pypi('d', '4.0', []),
    pypi('f', '6.0.post1+local', [`sha512-${Buffer.alloc(64).toString('base64')}`]),
  ], 'upper- and lower-case hex are one digest');
  t.strictSame(contents.skipped, [{ entry: 'reqs.txt:10: e~=5.0', reason: 'not pinned to one version' }]);
});

t.test('includes: relative to the including file, each file once (cycles end), URL includes reported', async (t) => {
  const dir = t.testdir({
    'a.txt': '-r sub/b.txt\nx==1.0\n',
    sub: { 'b.txt': '-r ../a.txt\n-c https://127.0.0.1:1/c.txt\ny==2.0\n' },
  });
  const contents = await readLockfile(join(dir, 'a.txt'));
  t.strictSame(contents.items, [pypi('x', '1.0', []), pypi('y', '2.0', [])]);
  t.strictSame(contents.skipped, [{ entry: `${join(dir, 'sub', 'b.txt')}:2: -c https://127.0.0.1:1/c.txt`, reason: 'an include by URL is not followed' }]);
  await writeFile(join(dir, 'abs.txt'), `-r ${join(dir, 'sub', 'b.txt')}\n`);
  t.strictSame((await readLockfile(join(dir, 'abs.txt'))).items, [pypi('y', '2.0', []), pypi('x', '1.0', [])], 'an absolute include path is used as it is');
  await writeFile(join(dir, 'bom.txt'), '\uFEFFz==3.0\r\n');
  t.strictSame((await readLockfile(join(dir, 'bom.txt'))).items, [pypi('z', '3.0', [])], 'a byte-order mark is not part of the name');
});

t.test('pylock.toml: every file of a package, its digests and names; VCS and directory packages skipped', async (t) => {
  const contents = await readLockfile(fixture('pylock/pylock.toml'));
  t.equal(contents.kind, 'pylock.toml');
  const dep = served('dep_thing', 'wheel');
  t.strictSame(contents.items, [
    pypi('frob-bar', '1.0.0', [frobSdist.sri, frobWheel.sri], [frobSdist.filename, frobWheel.filename]),
    pypi('dep-thing', '2.1', [dep.sri], [dep.filename]),
  ], "dep-thing's wheel has no name: it comes from the URL");
  t.strictSame(contents.skipped, [
    { entry: 'local-project', reason: 'a local directory, not from an index' },
    { entry: 'vcs-thing 0.1', reason: 'a VCS checkout, not from an index' },
  ]);
});

t.test('pylock.toml: one version listed twice merges its files; a package without a version is reported', async (t) => {
  const hash = (c: string): string => c.repeat(64);
  const sri = (c: string): string => `sha256-${Buffer.from(hash(c), 'hex').toString('base64')}`;
  const text = [
    'lock-version = "1.0"',
    '[[packages]]\nname = "Frob.Bar"\nversion = "1.0"',
    `wheels = [{ url = "http://127.0.0.1:1/files/frob_bar-1.0-py3-none-any.whl?x=1", hashes = { sha256 = "${hash('a')}", blake2b_256 = "${hash('f')}" } }]`,
    '[[packages]]\nname = "frob-bar"\nversion = "1.0"',
    `sdist = { path = "dist/frob_bar-1.0.tar.gz", hashes = { sha512 = "${'b'.repeat(128)}", sha256 = "${hash('a')}" } }`,
    '[[packages]]\nname = "unversioned"',
    `wheels = [{ name = "unversioned-0-py3-none-any.whl", hashes = { sha256 = "${hash('d')}" } }]`,
    '',
  ].join('\n');
  const contents = readPylock(text, 'pylock.toml');
  t.strictSame(contents.items, [
    pypi('Frob.Bar', '1.0', [sri('a'), `sha512-${Buffer.from('b'.repeat(128), 'hex').toString('base64')}`], ['frob_bar-1.0-py3-none-any.whl', 'frob_bar-1.0.tar.gz']),
  ], 'blake2b is not pinned; a file named by its path or URL (query removed) gets that name');
  t.strictSame(contents.skipped, [{ entry: 'unversioned', reason: 'no version' }]);
});

t.test('requirements: a backslash on the last line continues into nothing', async (t) => {
  t.strictSame(readRequirements('a==1.0 \\', 'r.txt').items, [pypi('a', '1.0', [])]);
});

const DEPENDENCY_LIST = [
  maven('com.acme', 'core', '1.2.0'),
  maven('com.acme', 'util', '0.9.1'),
  maven('com.acme', 'core', '1.2.0', 'jar', 'sources'),
  maven('com.acme', 'platform', '3.0', 'pom'),
  maven('com.acme', 'testkit', '2.0'),
  maven('com.acme', 'driver', '5.1'),
  maven('org.example', 'opt-lib', '1.0'),
];

t.test('mvn dependency:list output (the real Maven log): every resolved artifact, system scope skipped', async (t) => {
  const contents = await readLockfile(fixture('maven/dependency-list.txt'));
  t.equal(contents.kind, 'mvn dependency:list output');
  t.equal(contents.format, 'maven');
  t.strictSame(contents.items, DEPENDENCY_LIST);
  t.strictSame(contents.skipped, [{ entry: 'com.acme:legacy:jar:0.1:system', reason: 'system scope: a file on the build machine, in no repository' }]);
});

t.test('Maven coordinates, one per line: types become extensions, test-jar gets its classifier, duplicates merge', async (t) => {
  const contents = await readLockfile(fixture('maven/coordinates.txt'));
  t.equal(contents.kind, 'Maven coordinates');
  t.strictSame(contents.items, [
    maven('com.acme', 'core', '1.2.0'),
    maven('com.acme', 'util', '0.9.1'),
    maven('com.acme', 'platform', '3.0', 'pom'),
    maven('com.acme', 'core', '1.2.0', 'jar', 'sources'),
    maven('com.acme', 'testkit', '2.0', 'jar', 'tests'),
    maven('com.acme', 'driver', '5.1'),
  ]);
  t.strictSame(contents.skipped, []);
});

t.test('Maven 3.9 output: module suffixes, colours, CRLF, several modules, the other sections, "none"', async (t) => {
  const log = [
    '[\u001b[1;34mINFO\u001b[m] Scanning for projects...',
    '[INFO] --- dependency:3.6.1:list (default-cli) @ api ---',
    '[INFO] ',
    '[INFO] The following files have been resolved:',
    '[INFO]    org.slf4j:slf4j-api:jar:2.0.9:compile -- module org.slf4j',
    '[INFO]    junit:junit:jar:4.13.2:test -- module junit [auto]',
    '[INFO]    org.hamcrest:hamcrest-core:jar:1.3:test -- module hamcrest.core (auto)',
    '[INFO]    com.acme:natives:jar:linux-x86_64:1.0:runtime',
    '[INFO]    com.acme:tool:maven-plugin:2.0:compile',
    '[INFO]    com.acme:beans:ejb-client:3.0:provided (optional) ',
    '[INFO] ',
    '[INFO] The following files were skipped:',
    '[INFO]    com.acme:skipped:jar:1.0:compile',
    '[INFO] ',
    '[INFO] The following files have NOT been resolved:',
    '[INFO]    com.acme:missing:jar:9.9:compile',
    '[INFO] ',
    '[\u001b[1;34mINFO\u001b[m] \u001b[1m--- \u001b[0;32mdependency:3.6.1:list\u001b[m (default-cli) @ empty ---',
    '[\u001b[1;34mINFO\u001b[m] \u001b[1mThe following files have been resolved:\u001b[m',
    '[\u001b[1;34mINFO\u001b[m]    none',
    '[INFO] ',
    '[INFO] The following files have been resolved:',
    '[INFO]    org.slf4j:slf4j-api:jar:2.0.9:compile -- module org.slf4j',
    '[INFO] BUILD SUCCESS',
  ].join('\r\n');
  const contents = readMavenList(log, 'build.log');
  t.strictSame(contents.items, [
    maven('org.slf4j', 'slf4j-api', '2.0.9'),
    maven('junit', 'junit', '4.13.2'),
    maven('org.hamcrest', 'hamcrest-core', '1.3'),
    maven('com.acme', 'natives', '1.0', 'jar', 'linux-x86_64'),
    maven('com.acme', 'tool', '2.0'),
    maven('com.acme', 'beans', '3.0', 'jar', 'client'),
    maven('com.acme', 'skipped', '1.0'),
    maven('com.acme', 'missing', '9.9'),
  ]);
  const outputFile = 'The following files have been resolved:\n   g.x:a:jar:1.0:compile\n   g.x:b:pom:2.0:import\n';
  t.strictSame(readMavenList(outputFile, 'deps.txt').items, [maven('g.x', 'a', '1.0'), maven('g.x', 'b', '2.0', 'pom')], 'the -DoutputFile form has no [INFO] prefix');
});

t.test('python and Maven files under unusual names are recognised by content', async (t) => {
  const read = await readUnderOtherNames(t, {
    'prod.txt': 'pip/requirements-base.txt',
    'locked.toml': 'pylock/pylock.toml',
    'build.log': 'maven/dependency-list.txt',
    'deps.list': 'maven/coordinates.txt',
  });
  t.strictSame(kindsOf(read), {
    'prod.txt': 'requirements.txt',
    'locked.toml': 'pylock.toml',
    'build.log': 'mvn dependency:list output',
    'deps.list': 'Maven coordinates',
  });
});
