import t, { type Test } from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakePypi, type FakePypi, type FakePypiOptions } from './fake-pypi.js';
import { isolatedPipEnv, pipVersion, runPipInstall, type PipRunResult } from './pip-cli.js';

const pip = await pipVersion();
const skip = pip === undefined ? 'pip is not installed' : false;

/** Asserts pip's exit status, and shows what pip said only when it is not the expected one. */
function exited(t: Test, run: PipRunResult, ok: boolean, message: string): void {
  t.equal(run.code === 0, ok, message);
  if ((run.code === 0) !== ok) t.comment(`${run.argv.join(' ')}\nexit ${String(run.code)} in ${run.ms} ms\n${run.stderr}${run.stdout}`);
}

const PROJECTS: FakePypiOptions['projects'] = [
  { name: 'Frob.Bar', versions: { '1.0.0': { requires: ['dep>=1.0'], files: { 'frob_bar/cli.py': 'MAIN = True\n' } } } },
  {
    name: 'dep',
    versions: {
      '1.0': {},
      '1.1': { requiresPython: '>=3.6' },
      // pip must skip both of these: it reads yanked and requires-python from the page.
      '1.2': { yanked: 'broken build' },
      '1.3': { requiresPython: '<3' },
    },
  },
];

async function fakeIndex(t: Test, options: FakePypiOptions): Promise<FakePypi> {
  const pypi = await startFakePypi({ projects: PROJECTS, ...options });
  t.teardown(() => pypi.stop());
  return pypi;
}

/** Top-level entries of the install target, sorted. */
async function installed(target: string): Promise<string[]> {
  return (await readdir(target)).sort();
}

t.test('isolatedPipEnv drops pip config, proxies and test-runner variables', async (t) => {
  const env = isolatedPipEnv({
    PATH: '/bin',
    HOME: '/home/x',
    PIP_INDEX_URL: 'http://elsewhere.invalid/simple/',
    pip_find_links: '/opt/wheels',
    PIP_CONFIG_FILE: '/etc/other.conf',
    HTTPS_PROXY: 'http://proxy.invalid:3128',
    no_proxy: '*',
    NODE_OPTIONS: '--import=loader',
    TAP_JOBS: '2',
  });
  t.same(env, { PATH: '/bin', HOME: '/home/x', PIP_CONFIG_FILE: '/dev/null', PYTHONDONTWRITEBYTECODE: '1' });
});

for (const form of ['html', 'json'] as const) {
  t.test(`the real pip installs a project and its dependency straight from the fake index (${form})`, { skip }, async (t) => {
    const pypi = await fakeIndex(t, { form });
    const target = join(t.testdir(), 'site');
    const run = await runPipInstall({ indexUrl: pypi.url, target, requirements: ['frob-bar'] });
    exited(t, run, true, 'pip install succeeds');

    t.same(await installed(target), ['dep', 'dep-1.1.dist-info', 'frob_bar', 'frob_bar-1.0.0.dist-info'], 'newest installable dep: not the yanked 1.2, not the py<3 1.3');
    t.match(await readFile(join(target, 'frob_bar', '__init__.py'), 'utf8'), /__version__ = "1\.0\.0"/);
    t.equal(await readFile(join(target, 'frob_bar', 'cli.py'), 'utf8'), 'MAIN = True\n');
    t.match(await readFile(join(target, 'dep', '__init__.py'), 'utf8'), /__version__ = "1\.1"/);
    t.match(await readFile(join(target, 'frob_bar-1.0.0.dist-info', 'METADATA'), 'utf8'), /^Requires-Dist: dep>=1\.0$/m);

    // Every request pip made reached this index, and it asked for exactly what it needed.
    const paths = pypi.requests.map((r) => r.path);
    t.same(paths.filter((p) => p.startsWith('/simple/')).sort(), ['/simple/dep/', '/simple/frob-bar/']);
    t.same(paths.filter((p) => p.startsWith('/packages/')).map((p) => p.slice(p.lastIndexOf('/') + 1)).sort(), [
      'dep-1.1-py3-none-any.whl',
      'frob_bar-1.0.0-py3-none-any.whl',
    ]);
    t.ok(pypi.requests.every((r) => r.status === 200), 'every request answered 200');
    const accept = String(pypi.requests[0]?.headers.accept);
    t.match(accept, /application\/vnd\.pypi\.simple\.v1\+json/, 'pip negotiates (PEP 691)');
    // pip prints its sources: only our index, no find-links (this machine's config has both).
    t.match(run.stdout, new RegExp(`Looking in indexes: ${pypi.url.replace(/[.]/g, '\\.')}\\s*\\n`));
    t.notMatch(run.stdout, /Looking in links/);
  });
}

t.test('pip cannot be pointed anywhere else by env, config or proxies', { skip }, async (t) => {
  const pypi = await fakeIndex(t, {});
  const trap = await fakeIndex(t, {}); // serves the same projects: any request to it is a leak
  const dir = t.testdir({ 'pip.conf': `[global]\nindex-url = ${trap.url}\nextra-index-url = ${trap.url}\n` });
  const run = await runPipInstall({
    indexUrl: pypi.url,
    target: join(dir, 'site'),
    requirements: ['frob-bar'],
    parentEnv: {
      ...process.env,
      PIP_INDEX_URL: trap.url,
      PIP_EXTRA_INDEX_URL: trap.url,
      PIP_FIND_LINKS: trap.url,
      PIP_CONFIG_FILE: join(dir, 'pip.conf'),
      HTTP_PROXY: trap.origin,
      http_proxy: trap.origin,
      ALL_PROXY: trap.origin,
    },
  });
  exited(t, run, true, 'pip install succeeds');
  t.equal(trap.count(), 0, 'nothing reached the trap index');
  t.ok(pypi.count('/packages/') >= 2, 'the files came from the index given');
});

t.test('pip uses the separate files origin and PEP 658 metadata, and refuses a wrong digest', { skip }, async (t) => {
  const pypi = await startFakePypi({
    filesOrigin: 'separate',
    projects: [
      { name: 'frob-bar', versions: { '1.0.0': { requires: ['dep'], metadataFile: true } } },
      { name: 'dep', versions: { '1.0': { sdist: true, wheel: false } } }, // pip builds it offline
    ],
  });
  t.teardown(() => pypi.stop());
  const dir = t.testdir();
  const ok = await runPipInstall({ indexUrl: pypi.url, target: join(dir, 'one'), requirements: ['frob-bar'] });
  exited(t, ok, true, 'install from index + files host succeeds');
  t.same(await installed(join(dir, 'one')), ['dep', 'dep-1.0.dist-info', 'frob_bar', 'frob_bar-1.0.0.dist-info'], 'sdist built and installed');
  t.same(new Set(pypi.requests.map((r) => `${r.server} ${r.path.split('/')[1] ?? ''}`)), new Set(['index simple', 'files packages']));
  // pip ≥ 23.2 reads PEP 714's core-metadata from JSON pages and fetches METADATA before the wheel.
  const [major = 0, minor = 0] = (pip ?? '').split('.').map(Number);
  const metadataFetches = pypi.count((r) => r.path.endsWith('.whl.metadata'));
  if (major > 23 || (major === 23 && minor >= 2)) t.equal(metadataFetches, 1, 'PEP 658 metadata fetched once');
  else t.ok(metadataFetches <= 1, `pip ${String(pip)} may not use PEP 658 metadata`);

  pypi.clearRequests();
  pypi.fault = { kind: 'wrong-digest', match: /frob_bar-1\.0\.0-py3-none-any\.whl$/ };
  const bad = await runPipInstall({ indexUrl: pypi.url, target: join(dir, 'two'), requirements: ['frob-bar'] });
  exited(t, bad, false, 'install fails on a digest mismatch');
  t.match(bad.stderr, /DO NOT MATCH THE HASHES/);
  t.equal(pypi.count((r) => r.fault === 'wrong-digest'), 1, 'the tampered wheel was served');
});
