// Issue 8's acceptance: a daemon fills its data dir through the real npm, pip and mvn; `larder
// export` carries it (taken while that daemon still serves) to an archive; `larder import` lands
// it in an empty data dir; a daemon on that dir with `offline: true`, every upstream stopped,
// serves the same installs and builds to fresh clients, and answers a package it never retained
// with its offline 404. Each client is skipped, saying why, where the machine lacks it.
import t from 'tap';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCaptured, type CliResult } from '../cli/run-in-process.js';
import { startFakeMaven } from '../helpers/fake-maven.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { requestLines, startTestLarder, type TestLarder } from '../helpers/larder.js';
import { artifactPath, type MavenDependency } from '../helpers/maven-artifacts.js';
import { findMvn, missingPlugins, runMvn, userLocalRepository, writeMavenProject } from '../helpers/mvn-cli.js';
import { npmVersion, runNpmInstall, writeProject } from '../helpers/npm-cli.js';
import { pipVersion, runPipInstall } from '../helpers/pip-cli.js';
import { unzip } from '../helpers/zip.js';

const npm = await npmVersion();
const pip = await pipVersion();
const mvn = await findMvn();
const m2 = userLocalRepository();
const missing = mvn === undefined ? [] : await missingPlugins(m2, 'package');
const mvnSkip = mvn === undefined ? 'mvn (or the java it needs) is not installed' : missing.length > 0 ? `${m2} lacks plugins the build needs: ${missing.join(', ')}` : undefined;

const GREETING: MavenDependency = { groupId: 'org.larder.test', artifactId: 'greeting', version: '1.0' };
/** What the npm project resolves to: a scoped package, its dependencies, and one transitive. */
const NPM_TREE: Array<[string, string]> = [
  ['@acme/app-kit', '1.2.0'],
  ['left-pad', '1.3.0'],
  ['is-thing', '2.0.4'],
  ['tiny-dep', '0.1.2'],
];

/** The CLI in-process, with an environment of its own so no LARDER_* variable of the machine leaks in. */
const cli = (argv: string[]): Promise<CliResult> => runCaptured(argv);

t.test('export → import into an empty data dir → npm, pip and mvn offline with every upstream stopped', async (t) => {
  if (npm === undefined) t.comment('SKIP npm: npm is not installed on this machine; this test drives the real client and is never faked');
  if (pip === undefined) t.comment('SKIP pip: pip is not installed on this machine; this test drives the real client and is never faked');
  if (mvnSkip !== undefined) t.comment(`SKIP mvn: ${mvnSkip}`);
  if (npm === undefined && pip === undefined && mvnSkip !== undefined) return;

  const scratch = await mkdtemp(join(tmpdir(), 'larder-offline-import-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: '@acme/app-kit', versions: { '1.2.0': { dependencies: { 'left-pad': '^1.1.0', 'is-thing': '~2.0.0' } } } },
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {}, '1.3.0': {} } },
      { name: 'is-thing', versions: { '2.0.0': {}, '2.0.4': { dependencies: { 'tiny-dep': '^0.1.0' } } } },
      { name: 'tiny-dep', versions: { '0.1.2': {} } },
    ],
  });
  const pypi = await startFakePypi({
    projects: [
      { name: 'Frob-App', versions: { '1.0.0': {}, '1.2.0': { requires: ['tiny_dep>=0.2'], metadataFile: true } } },
      { name: 'tiny-dep', versions: { '0.1': {}, '0.2.1': { sdist: true } } },
    ],
  });
  const maven = await startFakeMaven({
    ...(mvnSkip === undefined ? { from: m2 } : {}),
    artifacts: [
      { groupId: 'org.larder.test', artifactId: 'greeting', versions: { '1.0': { dependencies: [{ groupId: 'org.larder.test', artifactId: 'words', version: '[2.0,3.0)' }] } } },
      { groupId: 'org.larder.test', artifactId: 'words', versions: { '2.0': {}, '2.1': {}, '3.0': {} } },
    ],
  });
  t.teardown(() => Promise.all([registry.stop(), pypi.stop(), maven.stop()]));
  const repositories = {
    default: { upstreams: ['npm-store', 'pypi-store', 'maven-1'] },
    'npm-store': { external: { format: 'npm', url: registry.url } },
    'pypi-store': { external: { format: 'pypi', url: pypi.url } },
    'maven-1': { external: { format: 'maven', url: maven.url } },
  };
  const writeConfig = async (name: string, dataDir: string): Promise<string> => {
    const file = join(scratch, `${name}.yaml`);
    await writeFile(file, stringify({ dataDir, repositories }));
    return file;
  };
  const timed = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      t.comment(`phase ${phase}: ${Date.now() - started} ms`);
    }
  };

  /** A fresh project and npm cache: only larder can serve the install. */
  const npmInstall = async (label: string, larder: TestLarder): Promise<void> => {
    const cwd = join(scratch, `${label}-npm`);
    await mkdir(cwd);
    await writeProject(cwd, { '@acme/app-kit': '^1.0.0' });
    const result = await runNpmInstall({ registry: larder.npm(), cwd, cacheDir: join(scratch, `${label}-npm-cache`), timeoutMs: 60_000 });
    t.equal(result.code, 0, `${label}: npm install exits 0`);
    if (result.code !== 0) t.comment(result.stdout + result.stderr);
    for (const [name, version] of NPM_TREE) {
      const manifest = await readFile(join(cwd, 'node_modules', ...name.split('/'), 'package.json'), 'utf8').then(
        (text) => JSON.parse(text) as { version?: string },
        () => ({ version: undefined }), // not installed: the assertion below says so
      );
      t.equal(manifest.version, version, `${label}: npm installed ${name}@${version}`);
    }
    t.comment(`${label}: npm install ${result.ms} ms (npm ${npm ?? '?'})`);
  };

  /** A fresh target and no pip cache: only larder can serve the install. */
  const pipInstall = async (label: string, larder: TestLarder): Promise<void> => {
    const target = join(scratch, `${label}-pip`);
    const result = await runPipInstall({ indexUrl: larder.pypi(), target, requirements: ['frob-app'], timeoutMs: 60_000 });
    t.equal(result.code, 0, `${label}: pip install exits 0`);
    if (result.code !== 0) t.comment(result.stdout + result.stderr);
    const installed = await readdir(target).catch(() => [] as string[]); // nothing installed: the assertions below say so
    t.ok(installed.includes('frob_app-1.2.0.dist-info'), `${label}: pip installed frob-app 1.2.0`);
    t.ok(installed.includes('tiny_dep-0.2.1.dist-info'), `${label}: pip installed its dependency tiny-dep 0.2.1`);
    t.comment(`${label}: pip install ${result.ms} ms (pip ${pip ?? '?'})`);
  };

  /** A fresh project and an empty local repository: only larder can serve the build. */
  const mvnPackage = async (label: string, larder: TestLarder): Promise<void> => {
    const project = join(scratch, `${label}-mvn`);
    const localRepo = join(scratch, `${label}-m2`);
    await writeMavenProject(project, { groupId: 'org.larder.demo', artifactId: 'demo', dependencies: [GREETING] });
    const result = await runMvn({ projectDir: project, mirrorUrl: larder.maven(), localRepo, goals: ['package'], timeoutMs: 120_000 });
    t.equal(result.code, 0, `${label}: mvn package succeeds`);
    if (result.code !== 0) {
      t.comment(result.stdout.slice(-5000) + result.stderr.slice(-2000));
      return;
    }
    t.ok(unzip(await readFile(join(project, 'target', 'demo-1.0-SNAPSHOT.jar'))).has('demo/App.class'), `${label}: compiled and packaged`);
    // The range [2.0,3.0) resolves through words' maven-metadata.xml: 2.1 proves that came through too.
    for (const dependency of [GREETING, { groupId: 'org.larder.test', artifactId: 'words', version: '2.1' }]) {
      const jar = join(localRepo, artifactPath({ ...dependency, extension: 'jar' }));
      t.ok(await stat(jar).then((info) => info.isFile(), () => false), `${label}: mvn resolved ${dependency.artifactId} ${dependency.version}`);
    }
    t.comment(`${label}: mvn package ${result.ms} ms (Maven ${mvn?.maven ?? '?'})`);
  };

  /** Every available client at once: they share nothing but the daemon. */
  const allClients = (label: string, larder: TestLarder): Promise<unknown> =>
    Promise.all([
      npm === undefined ? undefined : npmInstall(label, larder),
      pip === undefined ? undefined : pipInstall(label, larder),
      mvnSkip === undefined ? mvnPackage(label, larder) : undefined,
    ]);

  // 1. Online: daemon A fills its data dir through the clients.
  const online = await startTestLarder({ repositories });
  t.teardown(() => online.stop());
  await timed('1 online installs through A', () => allClients('online', online));
  await online.daemon.settle();

  // 2. Export while A still serves, then stop A and every upstream.
  const archive = join(scratch, 'warm.tar.gz');
  const exported = await timed('2 export', async () => cli(['export', archive, '--config', await writeConfig('source', online.dataDir), '--repo', 'default']));
  t.equal(exported.code, 0, 'export exits 0');
  if (exported.code !== 0) t.comment(exported.out + exported.err);
  const stores = [...(npm === undefined ? [] : ['npm-store']), ...(pip === undefined ? [] : ['pypi-store']), ...(mvnSkip === undefined ? ['maven-1'] : [])];
  for (const store of ['default', ...stores]) t.match(exported.out, new RegExp(`exported \\d+ repositories \\([^)]*\\b${store}\\b`), `the archive holds ${store}`);
  t.comment(exported.out.trim());
  await online.stop();
  await Promise.all([registry.stop(), pypi.stop(), maven.stop()]);

  // 3. Import into a data dir that does not exist yet; daemon B on it, offline.
  const importedDir = join(scratch, 'imported-data');
  const imported = await timed('3 import', async () => cli(['import', archive, '--config', await writeConfig('target', importedDir)]));
  t.equal(imported.code, 0, 'import exits 0');
  if (imported.code !== 0) t.comment(imported.out + imported.err);
  t.match(imported.out, /imported \d+ repositories .* 0 rejected/, 'import: every blob verified, none rejected');
  t.comment(imported.out.trim());
  const offline = await startTestLarder({ repositories, dataDir: importedDir, config: { offline: true } });
  t.teardown(() => offline.stop());

  // 4. The same installs and builds, fresh clients, through B alone.
  await timed('4 offline installs through B', () => allClients('offline', offline));

  // 5. A package never retained: npm fails with larder's own words, and B answered 404.
  if (npm !== undefined) {
    const cwd = join(scratch, 'never-npm');
    await mkdir(cwd);
    await writeProject(cwd, {});
    const result = await timed('5 npm install never-there through B', () =>
      runNpmInstall({ registry: offline.npm(), cwd, cacheDir: join(scratch, 'never-npm-cache'), args: ['never-there'], timeoutMs: 60_000 }),
    );
    t.not(result.code, 0, 'npm install never-there fails');
    t.match(result.stdout + result.stderr, /larder is offline and [^\n]*never-there[^\n]*was never retained/, "npm shows larder's offline message");
    const answers = requestLines(offline.logs).filter((line) => String(line.url).includes('never-there'));
    t.ok(answers.length > 0 && answers.every((line) => line.status === 404), `B answered 404 for never-there (${answers.map((line) => line.status).join(', ')})`);
  }
});
