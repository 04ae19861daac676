import t, { type Test } from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { startFakeMaven, type FakeMaven, type FakeMavenOptions } from './fake-maven.js';
import { unzip } from './zip.js';
import { artifactPath, type MavenDependency } from './maven-artifacts.js';
import { findMvn, isolatedMvnEnv, missingPlugins, runMvn, userLocalRepository, writeMavenProject, type MvnRunResult } from './mvn-cli.js';

const mvn = await findMvn();
const m2 = userLocalRepository();
const missing = mvn === undefined ? [] : await missingPlugins(m2, 'package');
const skip =
  mvn === undefined
    ? 'mvn (or the java it needs) is not installed'
    : missing.length > 0
      ? `${m2} lacks plugins the build needs: ${missing.join(', ')}`
      : false;
if (mvn !== undefined) t.comment(`Maven ${mvn.maven} on Java ${mvn.java ?? '?'}`);

/**
 * The test's own artifacts: greeting depends on words through a version range, so resolution is
 * transitive and reads artifact-level maven-metadata.xml; notes is a SNAPSHOT (version-level metadata).
 */
const GREETING: MavenDependency = { groupId: 'org.larder.test', artifactId: 'greeting', version: '1.0' };
const NOTES: MavenDependency = { groupId: 'org.larder.test', artifactId: 'notes', version: '0.1-SNAPSHOT' };
const ARTIFACTS: FakeMavenOptions['artifacts'] = [
  { groupId: 'org.larder.test', artifactId: 'greeting', versions: { '1.0': { dependencies: [{ groupId: 'org.larder.test', artifactId: 'words', version: '[2.0,3.0)' }] } } },
  { groupId: 'org.larder.test', artifactId: 'words', versions: { '2.0': {}, '2.1': { sources: true }, '3.0': {} } },
  { groupId: 'org.larder.test', artifactId: 'notes', versions: { '0.1-SNAPSHOT': {} } },
];

async function fakeRepo(t: Test, options: FakeMavenOptions = {}): Promise<FakeMaven> {
  const maven = await startFakeMaven({ artifacts: ARTIFACTS, from: m2, ...options });
  t.teardown(() => maven.stop());
  return maven;
}

/** Asserts mvn's exit status, and shows what mvn said only when it is not the expected one. */
function exited(t: Test, run: MvnRunResult, ok: boolean, message: string): void {
  t.equal(run.code === 0, ok, message);
  if ((run.code === 0) !== ok) t.comment(`${run.argv.join(' ')}\nexit ${String(run.code)} in ${run.ms} ms\n${run.stdout.slice(-6000)}${run.stderr.slice(-3000)}`);
}

/** Repository-relative paths of every file under `dir`. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

/** GET requests for exactly `path` (count() matches prefixes, which would include the sidecars). */
function hits(maven: FakeMaven, path: string): number {
  return maven.count((r) => r.method === 'GET' && r.path === path);
}

/** Artifact files (jar/pom) the fake answered 404 for outside the test's own group: what ~/.m2 lacks. */
function absentFromM2(maven: FakeMaven): string[] {
  return maven.requests.filter((r) => r.status === 404 && /\.(jar|pom)$/.test(r.path) && !r.path.startsWith('/org/larder/test/')).map((r) => r.path);
}

t.test('isolatedMvnEnv drops Maven and JVM configuration, proxies and test-runner variables', async (t) => {
  const env = isolatedMvnEnv({
    PATH: '/bin',
    HOME: '/home/x',
    JAVA_HOME: '/opt/jdk',
    MAVEN_OPTS: '-Dmaven.repo.local=/elsewhere',
    MAVEN_ARGS: '-o',
    M2_HOME: '/opt/maven',
    JAVA_TOOL_OPTIONS: '-Dhttp.proxyHost=proxy.invalid',
    JDK_JAVA_OPTIONS: '-Dhttps.proxyHost=proxy.invalid',
    _JAVA_OPTIONS: '-Xmx1m',
    https_proxy: 'http://proxy.invalid:3128',
    NODE_OPTIONS: '--import=loader',
    TAP_JOBS: '2',
  });
  t.same(env, { PATH: '/bin', HOME: '/home/x', JAVA_HOME: '/opt/jdk', MAVEN_SKIP_RC: '1' });
});

t.test('the real mvn packages a project whose dependency and plugins come only from the fake repository', { skip }, async (t) => {
  const maven = await fakeRepo(t);
  const trap = await fakeRepo(t); // serves the same content: any request to it is a leak
  const dir = t.testdir({ project: {}, local: {} });
  const project = join(dir, 'project');
  const local = join(dir, 'local');
  await writeMavenProject(project, { groupId: 'org.larder.demo', artifactId: 'demo', dependencies: [GREETING, NOTES], repositories: [trap.url] });

  const trapProxy = `-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=${trap.port}`;
  const run = await runMvn({
    projectDir: project,
    mirrorUrl: maven.url,
    localRepo: local,
    goals: ['package'],
    parentEnv: { ...process.env, MAVEN_OPTS: trapProxy, JAVA_TOOL_OPTIONS: trapProxy, http_proxy: trap.url, HTTP_PROXY: trap.url },
  });
  const absent = absentFromM2(maven);
  if (run.code !== 0 && absent.length > 0) {
    // The machine's ~/.m2/repository is incomplete: say what is missing rather than fail or fake it.
    const why = `${m2} lacks what the build needs: ${absent.join(', ')}`;
    t.pass(why, { skip: why });
    return;
  }
  exited(t, run, true, 'mvn package succeeds');
  t.comment(`cold mvn package through the fake: ${run.ms} ms, ${maven.count()} requests`);
  t.match(run.stdout, /BUILD SUCCESS/);
  t.equal(trap.count(), 0, 'nothing reached the repository the pom declares, nor the proxy the environment names');

  const built = unzip(await readFile(join(project, 'target', 'demo-1.0-SNAPSHOT.jar')));
  t.ok(built.has('demo/App.class'), 'the project compiled and was packaged');

  // Every jar and pom in the local repository was downloaded from the fake, with a 200.
  // A SNAPSHOT's timestamped file is also stored under its -SNAPSHOT name; that copy was never a URL.
  const downloaded = (await filesUnder(local)).filter((p) => /\.(jar|pom)$/.test(p) && !/-SNAPSHOT\.(jar|pom)$/.test(p));
  const served = new Set(maven.requests.filter((r) => r.method === 'GET' && r.status === 200).map((r) => r.path.slice(1)));
  t.ok(downloaded.length > 20, `mvn downloaded the plugins and their dependencies (${downloaded.length} files)`);
  t.same(downloaded.filter((p) => !served.has(p)), [], 'no jar or pom came from anywhere else');
  t.same(maven.requests.filter((r) => r.path.startsWith('/org/larder/test/') && r.status !== 200).map((r) => `${r.status} ${r.path}`), [], 'every request for the test\'s artifacts answered 200');
  // Maven tolerates a missing pom of a dependency it does not end up using; ~/.m2 may lack some.
  const tolerated = maven.requests.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.path}`);
  if (tolerated.length > 0) t.comment(`absent from ${m2}, tolerated by mvn: ${tolerated.join(', ')}`);
  t.ok(maven.requests.every((r) => r.method === 'GET' || r.method === 'HEAD'), 'mvn only read');

  // The dependency and its transitive dependency arrived intact; -C made mvn check every .sha1.
  t.equal(hits(maven, '/org/larder/test/words/maven-metadata.xml'), 1, 'the range was resolved from artifact-level metadata');
  t.equal(hits(maven, '/org/larder/test/words/2.0/words-2.0.jar') + hits(maven, '/org/larder/test/words/3.0/words-3.0.jar'), 0, 'only the chosen version fetched');
  for (const [artifactId, version] of [['greeting', '1.0'], ['words', '2.1']] as const) {
    for (const extension of ['jar', 'pom']) {
      const path = artifactPath({ groupId: 'org.larder.test', artifactId, version, extension });
      t.same(await readFile(join(local, path)), (await maven.file(path)).bytes, `${path} as served`);
      t.equal(hits(maven, `/${path}.sha1`), 1, `${path}.sha1 checked`);
    }
  }
  t.equal(hits(maven, '/org/larder/test/words/2.1/words-2.1-sources.jar'), 0, 'sources are not fetched by a build');
  t.match(await readFile(join(local, 'org/larder/test/greeting/1.0/_remote.repositories'), 'utf8'), /greeting-1\.0\.jar>larder=/, 'recorded as coming from the mirror');

  // The SNAPSHOT resolved through version-level maven-metadata.xml to its timestamped build.
  const snapshotJar = async (): Promise<Buffer> => readFile(join(local, 'org/larder/test/notes/0.1-SNAPSHOT/notes-0.1-SNAPSHOT.jar'));
  const build = (fileVersion: string): string => artifactPath({ ...NOTES, fileVersion });
  const first = maven.fileVersion(NOTES.groupId, NOTES.artifactId, NOTES.version);
  t.match(first, /^0\.1-\d{8}\.\d{6}-1$/);
  t.equal(hits(maven, '/org/larder/test/notes/0.1-SNAPSHOT/maven-metadata.xml'), 1, 'SNAPSHOT metadata read');
  t.same(await snapshotJar(), (await maven.file(build(first))).bytes, 'the timestamped jar, stored under the SNAPSHOT name');

  // A new build is deployed; -U makes mvn re-read the metadata and fetch it.
  const second = maven.publishSnapshot(NOTES.groupId, NOTES.artifactId, NOTES.version);
  t.match(second, /^0\.1-\d{8}\.\d{6}-2$/);
  maven.clearRequests();
  const updated = await runMvn({ projectDir: project, mirrorUrl: maven.url, localRepo: local, goals: ['package'], updateSnapshots: true });
  exited(t, updated, true, 'rebuild with -U succeeds');
  t.comment(`warm mvn -U package: ${updated.ms} ms, ${maven.count()} requests`);
  t.equal(hits(maven, `/${build(second)}`), 1, 'the new SNAPSHOT build fetched');
  t.equal(hits(maven, '/org/larder/test/greeting/1.0/greeting-1.0.jar'), 0, 'releases are not fetched again');
  t.same(await snapshotJar(), (await maven.file(build(second))).bytes, 'the local SNAPSHOT is the new build');

  // Warm and offline: the same local repository builds again without a single request.
  maven.clearRequests();
  const offline = await runMvn({ projectDir: project, mirrorUrl: maven.url, localRepo: local, goals: ['package'], offline: true });
  exited(t, offline, true, 'offline rebuild succeeds');
  t.comment(`warm offline mvn package: ${offline.ms} ms`);
  t.equal(maven.count(), 0, 'offline mvn made no request');
});

t.test('mvn with strict checksums refuses a jar whose bytes do not match its .sha1', { skip }, async (t) => {
  const maven = await fakeRepo(t);
  const dir = t.testdir({ project: {}, local: {} });
  const project = join(dir, 'project');
  await writeMavenProject(project, { groupId: 'org.larder.demo', artifactId: 'demo', dependencies: [GREETING] });
  maven.fault = { kind: 'wrong-digest', match: '/org/larder/test/words/2.1/words-2.1.jar' };
  const run = await runMvn({ projectDir: project, mirrorUrl: maven.url, localRepo: join(dir, 'local'), goals: ['compile'] });
  if (run.code !== 0 && absentFromM2(maven).length > 0) {
    const why = `${m2} lacks what the build needs: ${absentFromM2(maven).join(', ')}`;
    t.pass(why, { skip: why });
    return;
  }
  exited(t, run, false, 'mvn compile fails');
  t.match(run.stdout, /Checksum validation failed/, 'because of the checksum');
  t.ok(maven.count((r) => r.fault === 'wrong-digest') >= 1, 'the tampered jar was served');
});
