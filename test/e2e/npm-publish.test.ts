// The real npm publishing into larder (issue 9): publish, install from a downstream repository,
// the dependency-confusion guard, dist-tags, deprecate and unpublish, each with the real client.
import t from 'tap';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { npmVersion, runNpm, writeProject } from '../helpers/npm-cli.js';

t.test('npm publish into larder, then install it from a downstream repository', async (t) => {
  const npm = await npmVersion();
  if (npm === undefined) {
    t.comment('SKIP: npm is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const registry = await startFakeNpmRegistry({
    packages: [
      { name: 'left-pad', versions: { '1.0.0': {}, '1.3.0': {} } },
      { name: 'shared-name', versions: { '1.0.0': {} } },
    ],
  });
  const larder = await startTestLarder({
    repositories: {
      team: { publish: true, upstreams: ['npm-store'] },
      'npm-store': { external: { format: 'npm', url: registry.url } },
      dev: { upstreams: ['team'] },
    },
  });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-npm-publish-'));
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
    await rm(scratch, { recursive: true, force: true });
  });
  const token = createToken(await tokenSecret(larder.dataDir), 'ci-publisher', 60 * 60 * 1000, Date.now());
  const authFor = (repository: string): string => `--${larder.npm(repository).replace(/^http:/, '')}:_authToken=${token}`;
  let runs = 0;
  const npmIn = async (cwd: string, command: string, args: string[], repository = 'team') =>
    runNpm(command, { registry: larder.npm(repository), cwd, cacheDir: join(scratch, `cache-${runs++}`), args: [authFor(repository), ...args], timeoutMs: 60_000 });
  const packageDir = async (name: string, version: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const dir = join(scratch, `${name.replace('/', '+')}-${version}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js', ...extra }));
    await writeFile(join(dir, 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
    return dir;
  };

  const widget = await packageDir('@acme/widget', '1.0.0', { dependencies: { 'left-pad': '^1.0.0' } });
  const published = await npmIn(widget, 'publish', []);
  t.equal(published.code, 0, 'npm publish @acme/widget@1.0.0 exits 0');
  if (published.code !== 0) t.comment(published.stderr);
  // The guard asked the upstream whether it has @acme/widget@1.0.0; from now on nobody does.
  const askedBefore = registry.count((request) => request.path.includes('acme'));

  const project = join(scratch, 'consumer');
  await mkdir(project);
  await writeProject(project, { '@acme/widget': '^1.0.0' });
  const installed = await npmIn(project, 'install', [], 'dev');
  t.equal(installed.code, 0, 'npm install of the published package from dev (downstream of team) exits 0');
  if (installed.code !== 0) t.comment(installed.stderr);
  const manifest = JSON.parse(await readFile(join(project, 'node_modules', '@acme', 'widget', 'package.json'), 'utf8')) as { version: string };
  t.equal(manifest.version, '1.0.0', '@acme/widget@1.0.0 installed');
  const pad = JSON.parse(await readFile(join(project, 'node_modules', 'left-pad', 'package.json'), 'utf8')) as { version: string };
  t.equal(pad.version, '1.3.0', 'its public dependency came through team from the upstream');
  t.equal(registry.count((request) => request.path.includes('acme')), askedBefore, 'the upstream was not asked about @acme/widget again: published here, it is blocked from upstream');

  t.test('the guard refuses a version the upstream has', async (t) => {
    const clash = await npmIn(await packageDir('shared-name', '1.0.0'), 'publish', []);
    t.not(clash.code, 0, 'npm publish shared-name@1.0.0 fails');
    // npm checks the packument first and refuses by itself; test/npm/publish.test.ts shows
    // larder's own 409 for a client that does not.
    t.match(clash.stderr, /cannot publish over the previously published versions: 1\.0\.0/, 'npm refuses: the version is in what larder lists');
    const view = await npmIn(scratch, 'view', ['shared-name', 'versions', '--json'], 'dev');
    t.same(JSON.parse(view.stdout), ['1.0.0'], 'the public version is still what clients see');
  });

  t.test('a new version of a public name: published, and the public versions leave the view', async (t) => {
    const own = await npmIn(await packageDir('shared-name', '2.0.0'), 'publish', []);
    t.equal(own.code, 0, 'shared-name@2.0.0 publishes');
    const view = await npmIn(scratch, 'view', ['shared-name', 'versions', '--json'], 'dev');
    t.same(JSON.parse(view.stdout), ['2.0.0'], 'only the published version is listed: the name is blocked from upstream once published here');
  });

  t.test('dist-tags, deprecate, unpublish', async (t) => {
    const beta = await npmIn(await packageDir('@acme/widget', '1.1.0-beta.1', { dependencies: { 'left-pad': '^1.0.0' } }), 'publish', ['--tag', 'beta']);
    t.equal(beta.code, 0, 'npm publish --tag beta exits 0');
    const listed = await npmIn(scratch, 'dist-tag', ['ls', '@acme/widget']);
    t.match(listed.stdout, /latest: 1\.0\.0/, 'latest stays on 1.0.0');
    t.match(listed.stdout, /beta: 1\.1\.0-beta\.1/, 'beta points at the beta');
    t.equal((await npmIn(scratch, 'dist-tag', ['add', '@acme/widget@1.1.0-beta.1', 'next'])).code, 0, 'npm dist-tag add exits 0');
    t.match((await npmIn(scratch, 'dist-tag', ['ls', '@acme/widget'])).stdout, /next: 1\.1\.0-beta\.1/, 'the new tag is listed');
    t.equal((await npmIn(scratch, 'dist-tag', ['rm', '@acme/widget', 'next'])).code, 0, 'npm dist-tag rm exits 0');
    t.notMatch((await npmIn(scratch, 'dist-tag', ['ls', '@acme/widget'])).stdout, /next:/, 'the tag is gone');

    const deprecated = await npmIn(scratch, 'deprecate', ['@acme/widget@1.0.0', 'use 2.x']);
    t.equal(deprecated.code, 0, 'npm deprecate exits 0');
    if (deprecated.code !== 0) t.comment(deprecated.stderr);
    const notice = await npmIn(scratch, 'view', ['@acme/widget@1.0.0', 'deprecated'], 'dev');
    t.equal(notice.stdout.trim(), 'use 2.x', 'the notice reaches clients of dev');

    const unpublished = await npmIn(scratch, 'unpublish', ['@acme/widget@1.1.0-beta.1']);
    t.equal(unpublished.code, 0, 'npm unpublish of one version exits 0');
    if (unpublished.code !== 0) t.comment(unpublished.stderr);
    const versions = await npmIn(scratch, 'view', ['@acme/widget', 'versions', '--json'], 'dev');
    t.same(JSON.parse(versions.stdout), ['1.0.0'], 'only 1.0.0 is left');
  });

  t.test('refusals', async (t) => {
    const dir = await packageDir('@acme/other', '1.0.0');
    const anonymous = await runNpm('publish', { registry: larder.npm('team'), cwd: dir, cacheDir: join(scratch, 'cache-anon') });
    t.not(anonymous.code, 0, 'no token: npm publish fails');
    t.match(anonymous.stderr, /ENEEDAUTH/, 'npm asks for a login before sending anything (test/npm/publish.test.ts shows the 401)');
    const readOnly = await npmIn(dir, 'publish', [], 'dev');
    t.not(readOnly.code, 0, 'a repository without publish: true refuses');
    t.match(readOnly.stderr, /405/, 'with a 405');
    t.match(readOnly.stderr, /does not accept publishes/, "and larder's message");
  });
});
