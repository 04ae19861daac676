import t, { type Test } from 'tap';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakeNpmRegistry } from './fake-npm-registry.js';
import { isolatedNpmEnv, npmVersion, runNpmInstall, writeProject, type NpmRunResult } from './npm-cli.js';

const npm = await npmVersion();

/** Asserts npm's exit status, and shows what npm said only when it is not the expected one. */
function exited(t: Test, run: NpmRunResult, ok: boolean, message: string): void {
  t.equal(run.code === 0, ok, message);
  if ((run.code === 0) !== ok) t.comment(`npm ${run.argv.join(' ')}\nexit ${String(run.code)} in ${run.ms} ms\n${run.stderr}${run.stdout}`);
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
    gzip: true, // as the real registry's CDN does; npm decodes it
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
  exited(t, first, true, 'first install succeeds');
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
  // npm 11 asks for full documents (application/json); older npm asked for abbreviated ones.
  t.ok(packuments.every((r) => /application\/(json|vnd\.npm\.install-v1\+json)/.test(String(r.headers.accept))), 'packument Accept');
  t.ok(packuments.every((r) => r.headers['pacote-req-type'] === 'packument'), 'npm labels packument requests');
  t.equal(registry.count('/left-pad/-/left-pad-1.1.0.tgz'), 1);
  t.equal(registry.count('/@acme/util/-/util-2.0.0.tgz'), 1);

  // Same npm cache, new project: --prefer-online makes npm revalidate every packument AND every
  // tarball it has cached, with If-None-Match / If-Modified-Since; both are answered 304.
  registry.clearRequests();
  const second = await install('two', { '@acme/util': '2.0.0' });
  exited(t, second, true, 'second install succeeds');
  t.same(registry.requests.map((r) => r.path).sort(), [
    '/@acme%2futil',
    '/@acme/util/-/util-2.0.0.tgz',
    '/left-pad',
    '/left-pad/-/left-pad-1.1.0.tgz',
  ], 'npm asked the registry again for everything');
  t.ok(registry.requests.every((r) => r.headers['if-none-match'] !== undefined && r.status === 304), 'conditional requests answered 304');
  t.equal((await readJson(join(root, 'two', 'node_modules', 'left-pad', 'package.json'))).version, '1.1.0');
});

t.test('the real npm rejects a tarball that does not match its integrity', { skip: npm === undefined ? 'npm is not installed' : false }, async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {} } }] });
  t.teardown(() => registry.stop());
  registry.fault = { kind: 'wrong-digest' };
  const cwd = t.testdir();
  await writeProject(cwd, { 'left-pad': '1.0.0' });
  const run = await runNpmInstall({ registry: registry.url, cwd, cacheDir: join(cwd, '.npm-cache') });
  exited(t, run, false, 'install fails');
  t.match(run.stderr, /EINTEGRITY/);
  // npm refetches a corrupt tarball by itself (twice in npm 11) even with --fetch-retries=0.
  t.ok(registry.count((r) => r.fault === 'wrong-digest') >= 1, 'the corrupt tarball was served');
});
