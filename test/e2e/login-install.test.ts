// `larder login` then the REAL clients using only what login wrote, then `larder logout`: a daemon
// that requires a token (so the token login wrote is really used), fake npm / PyPI / Maven
// upstreams, a temp HOME with the user's own .npmrc and pip.conf (each naming another registry,
// which login must switch off) and no settings.xml. npm runs without --registry or --userconfig,
// pip without --index-url or --isolated, mvn without -s (and -Duser.home, since Java takes the home
// from the passwd entry, not $HOME). Afterwards every file is byte-identical to before, and the
// file login made is gone. A client missing from the machine is skipped, never faked.
import t from 'tap';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeMaven } from '../helpers/fake-maven.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { requestLines, startTestLarder } from '../helpers/larder.js';
import { findMvn, isolatedMvnEnv, missingPlugins, userLocalRepository, writeMavenProject } from '../helpers/mvn-cli.js';
import { isolatedNpmEnv, npmVersion, writeProject } from '../helpers/npm-cli.js';
import { findPip } from '../helpers/pip-cli.js';
import { filterEnv, runCli, type CliRunResult } from '../helpers/run-cli.js';
import { runCaptured } from '../cli/run-in-process.js';

const NPMRC = '; my own settings\nfund=false\nregistry=http://127.0.0.1:9/\n';
const PIP_CONF = '[global]\ntimeout = 30\nindex-url = http://127.0.0.1:9/simple/\n';

const npm = await npmVersion();
const pip = await findPip();
const mvn = await findMvn();
const m2 = userLocalRepository();
const mvnMissing = mvn === undefined ? [] : await missingPlugins(m2, 'compile');
const mvnSkip = mvn === undefined ? 'mvn (or the java it needs) is not installed' : mvnMissing.length > 0 ? `${m2} lacks plugins the build needs: ${mvnMissing.join(', ')}` : undefined;

/** The file's content, or undefined when it does not exist. */
async function contentOf(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
}

function explain(run: CliRunResult): string {
  return `${run.argv.join(' ')}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-3000)}`;
}

t.test('login, then real npm / pip / mvn installs with only what login wrote, then logout leaves the files as they were', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.3.0': { dependencies: { 'tiny-dep': '^0.1.0' } } } }, { name: 'tiny-dep', versions: { '0.1.2': {} } }] });
  const pypi = await startFakePypi({ projects: [{ name: 'frob-app', versions: { '1.2.0': {} } }] });
  const maven = await startFakeMaven({ from: m2, artifacts: [{ groupId: 'org.larder.test', artifactId: 'greeting', versions: { '1.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, pypiUpstream: { url: pypi.url }, mavenUpstreams: [maven.url], config: { auth: { required: true } } });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-login-e2e-'));
  t.teardown(async () => {
    await larder.stop();
    await Promise.all([registry.stop(), pypi.stop(), maven.stop()]);
    await rm(scratch, { recursive: true, force: true });
  });

  const home = join(scratch, 'home');
  const files = { npmrc: join(home, '.npmrc'), pipConf: join(home, '.config', 'pip', 'pip.conf'), settings: join(home, '.m2', 'settings.xml') };
  await mkdir(join(home, '.config', 'pip'), { recursive: true });
  await writeFile(files.npmrc, NPMRC);
  await writeFile(files.pipConf, PIP_CONF);
  const before = { npmrc: NPMRC, pipConf: PIP_CONF, settings: undefined };

  // The whole environment login sees: the temp HOME, and PATH to find npm.
  const loginEnv = { HOME: home, PATH: process.env.PATH ?? '' };
  for (const tool of ['npm', 'pip', 'maven']) {
    const login = await runCaptured(['login', '--tool', tool, '--url', larder.url, '--data-dir', larder.dataDir], { env: loginEnv, cwd: home });
    t.equal(login.code, 0, `login --tool ${tool}`);
    if (login.code !== 0) t.comment(login.err);
  }
  t.match(await contentOf(files.npmrc), /^registry=http:\/\/127\.0\.0\.1:\d+\/npm\/default\/$/m, 'the npmrc names larder');
  t.ok((await contentOf(files.settings))?.includes('<mirrorOf>*</mirrorOf>'), 'settings.xml was made');

  const installNpm = async (): Promise<CliRunResult> => {
    const project = join(scratch, 'npm-project');
    await mkdir(project);
    await writeProject(project, { 'left-pad': '^1.0.0' });
    const globalRc = join(scratch, 'empty-global-npmrc');
    await writeFile(globalRc, '');
    const argv = ['install', `--cache=${join(scratch, 'npm-cache')}`, `--globalconfig=${globalRc}`, '--no-audit', '--no-fund', '--no-update-notifier', '--no-progress', '--prefer-online', '--fetch-retries=0'];
    return runCli('npm', argv, { cwd: project, env: { ...isolatedNpmEnv(), HOME: home }, timeoutMs: 60_000 });
  };
  const installPip = async (python: string): Promise<CliRunResult> => {
    // No --isolated (it skips the user config) and no PIP_CONFIG_FILE; XDG_CONFIG_DIRS points at an
    // empty dir so the machine's /etc/xdg/pip/pip.conf adds nothing.
    const env = filterEnv(process.env, /^(PIP_|XDG_|PYTHON|NODE_OPTIONS$|NODE_V8_COVERAGE$|TAP_|_TAPJS_|(HTTPS?|ALL|NO|FTP)_PROXY$)/i, {
      HOME: home,
      XDG_CONFIG_DIRS: join(scratch, 'no-xdg'),
      PYTHONDONTWRITEBYTECODE: '1',
    });
    const argv = ['-m', 'pip', 'install', '--target', join(scratch, 'site'), '--no-cache-dir', '--disable-pip-version-check', '--no-input', '--retries', '0', 'frob-app'];
    return runCli(python, argv, { env, timeoutMs: 60_000 });
  };
  const buildMvn = async (): Promise<CliRunResult> => {
    const project = join(scratch, 'mvn-project');
    await writeMavenProject(project, { groupId: 'org.larder.demo', artifactId: 'demo', dependencies: [{ groupId: 'org.larder.test', artifactId: 'greeting', version: '1.0' }] });
    const globalSettings = join(scratch, 'global-settings.xml');
    await writeFile(globalSettings, '<?xml version="1.0" encoding="UTF-8"?>\n<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0"/>\n');
    const argv = ['-B', '-ntp', '-Dstyle.color=never', `-Duser.home=${home}`, '-gs', globalSettings, '-f', join(project, 'pom.xml'), '-C', '-Dmaven.wagon.http.retryHandler.count=0', 'compile'];
    return runCli('mvn', argv, { cwd: project, env: { ...isolatedMvnEnv(), HOME: home }, timeoutMs: 120_000 });
  };

  // The three clients at once: they share nothing but the daemon.
  const [npmRun, pipRun, mvnRun] = await Promise.all([
    npm === undefined ? undefined : installNpm(),
    pip === undefined ? undefined : installPip(pip.python),
    mvnSkip === undefined ? buildMvn() : undefined,
  ]);
  const served = (prefix: string) => requestLines(larder.logs).filter((line) => String(line.url).startsWith(prefix) && line.status === 200).length;

  if (npmRun === undefined) t.skip('npm: not installed on this machine; this test drives the real client and is never faked', () => {});
  else {
    t.equal(npmRun.code, 0, 'npm install succeeds with only ~/.npmrc from login');
    if (npmRun.code !== 0) t.comment(explain(npmRun));
    const installed = JSON.parse((await contentOf(join(scratch, 'npm-project', 'node_modules', 'tiny-dep', 'package.json'))) ?? '{}') as { version?: string };
    t.equal(installed.version, '0.1.2', 'npm: the transitive dependency is installed');
    t.equal(registry.count((r) => r.path.endsWith('.tgz')), 2, 'npm: both tarballs came from the fake upstream, through larder');
    t.ok(served('/npm/default/') >= 2, 'npm: larder served the install with the token');
  }
  if (pipRun === undefined) t.skip('pip: no Python with pip on this machine; this test drives the real client and is never faked', () => {});
  else {
    t.equal(pipRun.code, 0, 'pip install succeeds with only pip.conf from login');
    if (pipRun.code !== 0) t.comment(explain(pipRun));
    t.ok((await readdir(join(scratch, 'site')).catch((): string[] => [])).includes('frob_app-1.2.0.dist-info'), 'pip: frob-app 1.2.0 installed');
    t.ok(pypi.count((r) => r.path.startsWith('/packages/')) >= 1, 'pip: the wheel came from the fake upstream, through larder');
    t.ok(served('/pypi/default/') >= 2, 'pip: larder served the page and the file with the token');
  }
  if (mvnRun === undefined) t.skip(`mvn: ${mvnSkip ?? ''}; this test drives the real client and is never faked`, () => {});
  else {
    t.equal(mvnRun.code, 0, 'mvn compile succeeds with only ~/.m2/settings.xml from login');
    if (mvnRun.code !== 0) t.comment(explain(mvnRun));
    const compiled = await stat(join(scratch, 'mvn-project', 'target', 'classes', 'demo', 'App.class')).then(() => true, () => false);
    t.ok(compiled, 'mvn: compiled');
    t.ok(maven.count((r) => r.path.includes('/org/larder/test/greeting/1.0/greeting-1.0.jar')) >= 1, 'mvn: the dependency came from the fake upstream, through larder');
    t.ok(served('/maven/default/') > 10, 'mvn: larder served the plugins and the dependency with the token');
  }

  const logout = await runCaptured(['logout', '--data-dir', larder.dataDir], { env: loginEnv, cwd: home });
  t.equal(logout.code, 0, logout.err);
  t.equal(await contentOf(files.npmrc), before.npmrc, '~/.npmrc is byte-identical to before login');
  t.equal(await contentOf(files.pipConf), before.pipConf, 'pip.conf is byte-identical to before login');
  t.equal(await contentOf(files.settings), before.settings, 'settings.xml, which login made, is gone');
  t.equal(await contentOf(join(larder.dataDir, 'login-v1', 'npm-registry.json')), undefined, 'the remembered npm registry is gone with the npm login');
  t.comment(`npm ${npm ?? '-'}: ${npmRun?.ms ?? '-'} ms; pip ${pip?.version ?? '-'}: ${pipRun?.ms ?? '-'} ms; Maven ${mvn?.maven ?? '-'}: ${mvnRun?.ms ?? '-'} ms`);
});
