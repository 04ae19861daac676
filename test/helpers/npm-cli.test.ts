import t from 'tap';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakeNpmRegistry } from './fake-npm-registry.js';
import { isolatedNpmEnv, npmVersion, runNpmInstall, writeProject, type NpmRunResult } from './npm-cli.js';

const npm = await npmVersion();

function explain(run: NpmRunResult): string {
  return `npm ${run.argv.join(' ')}\nexit ${String(run.code)} in ${run.ms} ms\n${run.stderr}${run.stdout}`;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

t.test('isolatedNpmEnv drops npm config, proxies and test-runner variables', async (t) => {
  const env = isolatedNpmEnv({
    PATH: '/bin',
    HOME: '/home/x',
    npm_config_registry: 'http://elsewhere.invalid/',
    NPM_CONFIG_CACHE: '/tmp/other',
    HTTPS_PROXY: 'http://proxy.invalid:3128',
    no_proxy: '*',
    NODE_OPTIONS: '--import=loader',
    TAP_JOBS: '2',
    _TAPJS_PROCESSINFO_COVERAGE_: '1',
    NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
  });
  t.same(env, { PATH: '/bin', HOME: '/home/x', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' });
});

t.test('the real npm installs from the fake registry', { skip: npm === undefined ? 'npm is not installed' : false }, async (t) => {
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {} } },
      { name: '@acme/util', versions: { '2.0.0': { dependencies: { 'left-pad': '^1.0.0' } } } },
    ],
  });
  t.teardown(() => registry.stop());
  const root = t.testdir();
  const cacheDir = join(root, 'npm-cache');
  const install = async (project: string, dependencies: Record<string, string>): Promise<NpmRunResult> => {
    const cwd = join(root, project);
    await mkdir(cwd);
    await writeProject(cwd, dependencies);
    return runNpmInstall({ registry: registry.url, cwd, cacheDir, timeoutMs: 60_000 });
  };

  const first = await install('one', { 'left-pad': '^1.0.0', '@acme/util': '2.0.0' });
  t.equal(first.code, 0, explain(first));
  const modules = join(root, 'one', 'node_modules');
  t.equal((await readJson(join(modules, 'left-pad', 'package.json'))).version, '1.1.0', 'highest match of ^1.0.0');
  const util = await readJson(join(modules, '@acme', 'util', 'package.json'));
  t.equal(util.version, '2.0.0');
  t.same(util.dependencies, { 'left-pad': '^1.0.0' });
  t.ok((await stat(join(modules, '@acme', 'util', 'index.js'))).isFile(), 'index.js unpacked');
  const lock = await readJson(join(root, 'one', 'package-lock.json'));
  const locked = (lock.packages as Record<string, Record<string, unknown>>)['node_modules/left-pad'];
  t.equal(locked?.integrity, (await registry.tarball('left-pad', '1.1.0')).integrity, 'npm recorded our integrity');

  const packuments = registry.requests.filter((r) => !r.path.endsWith('.tgz'));
  t.ok(packuments.length >= 2, 'packuments were requested');
  t.ok(packuments.every((r) => String(r.headers.accept).includes('application/vnd.npm.install-v1+json')), 'npm asks for abbreviated docs');
  t.equal(registry.count('/left-pad/-/left-pad-1.1.0.tgz'), 1);
  t.equal(registry.count('/@acme/util/-/util-2.0.0.tgz'), 1);

  // Same npm cache, new project: --prefer-online revalidates every packument (304 here) and the
  // tarballs come from npm's cache by integrity.
  registry.clearRequests();
  const second = await install('two', { '@acme/util': '2.0.0' });
  t.equal(second.code, 0, explain(second));
  const revalidated = registry.requests.filter((r) => r.path.startsWith('/@acme') && !r.path.endsWith('.tgz'));
  t.ok(revalidated.length >= 1, 'npm asked the registry again');
  t.ok(revalidated.every((r) => r.headers['if-none-match'] !== undefined && r.status === 304), 'conditional request answered 304');
  t.equal(registry.count((r) => r.path.endsWith('.tgz')), 0, 'no tarball refetched');
});

t.test('the real npm rejects a tarball that does not match its integrity', { skip: npm === undefined ? 'npm is not installed' : false }, async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {} } }] });
  t.teardown(() => registry.stop());
  registry.fault = { kind: 'wrong-digest' };
  const cwd = t.testdir();
  await writeProject(cwd, { 'left-pad': '1.0.0' });
  const run = await runNpmInstall({ registry: registry.url, cwd, cacheDir: join(cwd, '.npm-cache') });
  t.not(run.code, 0, explain(run));
  t.match(run.stderr, /EINTEGRITY/);
  t.equal(registry.count((r) => r.fault === 'wrong-digest'), 1);
});
