// The real `twine upload` into larder (issue 9 §1–3), then the real `pip install` of what it
// uploaded from a downstream repository; and twine refused by the dependency-confusion guard,
// printing larder's message (which larder puts in the HTTP reason phrase, as warehouse does).
import t from 'tap';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder } from '../helpers/larder.js';
import { pipVersion, runPipInstall } from '../helpers/pip-cli.js';
import { filterEnv, probeStdout, runCli, type CliRunResult } from '../helpers/run-cli.js';
import { buildSdist, buildWheel, type DistributionSpec } from '../helpers/wheel.js';

/**
 * Everything that could configure twine or hand it credentials from elsewhere: its own TWINE_*
 * variables, keyring backends, proxies (which would sit between twine and 127.0.0.1), and the
 * test runner's own. HOME and the XDG dirs point at the scratch dir, so no ~/.pypirc is read;
 * the null keyring never asks a desktop keyring; a wide terminal keeps rich from wrapping
 * larder's message; NO_COLOR keeps escape codes out of the output.
 */
const DROPPED_ENV = /^(TWINE_|PYTHON_KEYRING|KEYRING_|PIP_|XDG_|NODE_OPTIONS$|NODE_V8_COVERAGE$|TAP_|_TAPJS_|(HTTPS?|ALL|NO|FTP)_PROXY$)/i;

function twineEnv(home: string): NodeJS.ProcessEnv {
  return filterEnv(process.env, DROPPED_ENV, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    COLUMNS: '500',
    NO_COLOR: '1',
    TERM: 'dumb',
  });
}

async function writeDist(dir: string, specs: DistributionSpec[], kinds: Array<'wheel' | 'sdist'>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const spec of specs) {
    for (const kind of kinds) {
      const dist = kind === 'wheel' ? buildWheel(spec) : buildSdist(spec);
      const path = join(dir, dist.filename);
      await writeFile(path, dist.bytes);
      paths.push(path);
    }
  }
  return paths;
}

t.test('twine upload into larder, then pip install it from a downstream repository', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'larder-twine-'));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const twine = (await probeStdout('twine', ['--version'], twineEnv(home), 30_000))?.trim();
  if (twine === undefined) {
    t.comment('SKIP: twine is not installed on this machine; this test drives the real client and is never faked (test/pypi/upload.test.ts covers the wire format)');
    return;
  }
  const pip = await pipVersion();
  if (pip === undefined) {
    t.comment('SKIP: pip is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  t.comment(`${twine.split('\n')[0] ?? twine}; pip ${pip}`);

  const pypi = await startFakePypi({
    projects: [
      { name: 'tiny-dep', versions: { '0.1': {}, '0.2': {} } },
      { name: 'shared-name', versions: { '1.0.0': {} } },
    ],
  });
  const larder = await startTestLarder({
    repositories: {
      team: { publish: true, upstreams: ['pypi-store'] },
      'pypi-store': { external: { format: 'pypi', url: pypi.url } },
      dev: { upstreams: ['team'] },
    },
  });
  t.teardown(async () => {
    await larder.stop();
    await pypi.stop();
  });
  const token = createToken(await tokenSecret(larder.dataDir), 'ci-uploader', 60 * 60 * 1000, Date.now());
  await writeFile(join(home, '.pypirc'), ''); // read if twine looked: it holds nothing
  const upload = (files: string[]): Promise<CliRunResult> =>
    runCli(
      'twine',
      ['upload', '--repository-url', `${larder.url}/pypi/team/`, '-u', 'larder', '-p', token, '--non-interactive', '--disable-progress-bar', '--config-file', join(home, '.pypirc'), ...files],
      { cwd: home, env: twineEnv(home), timeoutMs: 120_000 },
    );

  const widget = { name: 'Acme.Widget', version: '1.0.0', requires: ['tiny-dep>=0.2'], requiresPython: '>=3.7' };
  const files = await writeDist(join(home, 'dist'), [widget], ['sdist', 'wheel']);
  const uploaded = await upload(files);
  t.equal(uploaded.code, 0, 'twine upload of the sdist and the wheel exits 0');
  if (uploaded.code !== 0) t.comment(uploaded.stdout + uploaded.stderr);
  t.match(uploaded.stdout, /Uploading acme_widget-1\.0\.0\.tar\.gz/);
  t.match(uploaded.stdout, /Uploading acme_widget-1\.0\.0-py3-none-any\.whl/);

  const target = join(home, 'site');
  const installed = await runPipInstall({ indexUrl: larder.pypi('dev'), target, requirements: ['acme-widget==1.0.0'], timeoutMs: 120_000 });
  t.equal(installed.code, 0, 'pip install acme-widget from dev (downstream of team) exits 0');
  if (installed.code !== 0) t.comment(installed.stdout + installed.stderr);
  const entries = await readdir(target).catch(() => [] as string[]);
  t.ok(entries.includes('acme_widget-1.0.0.dist-info'), 'the uploaded wheel is installed');
  t.ok(entries.includes('tiny_dep-0.2.dist-info'), 'its public dependency came through team from the upstream');
  t.match(await readFile(join(target, 'acme_widget', '__init__.py'), 'utf8').catch(() => ''), '__version__ = "1.0.0"', 'with the uploaded code');

  const again = await upload([files[1] ?? '']);
  t.not(again.code, 0, 'uploading the same wheel again fails');
  t.match(again.stdout + again.stderr, /409 Conflict/, 'twine reports 409');

  const clashing = await writeDist(join(home, 'clash'), [{ name: 'shared-name', version: '1.0.0' }], ['wheel']);
  const refused = await upload(clashing);
  t.not(refused.code, 0, 'twine upload of a version the upstream has fails');
  const output = (refused.stdout + refused.stderr).replace(/\s+/g, ' ');
  t.match(output, /409 Conflict/, 'twine reports 409');
  t.match(output, `pypi package shared-name@1.0.0 already exists on ${pypi.url} (through pypi-store)`, "and prints larder's message");
  const page = await fetch(`${larder.pypi('dev')}shared-name/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  t.same(((await page.json()) as { versions: string[] }).versions, ['1.0.0'], 'clients still see the public version');
});
