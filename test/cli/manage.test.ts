// The management CLI (issue 5) against a real daemon: repos, packages and versions commands, in
// tables, lines and --json; paging tokens; status changes; the daemon's errors; and the built binary.
import t from 'tap';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { builtLarder } from '../helpers/built-larder.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { capture, cliAgainst } from './run-in-process.js';
import { run } from '../../src/main.js';

let registry: FakeNpmRegistry;
let larder: TestLarder;

/** Runs the CLI in-process against the test daemon. */
const cli = cliAgainst(() => larder.url);

t.before(async () => {
  registry = await startFakeNpmRegistry({
    packages: [
      { name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {} } },
      { name: '@acme/util', versions: { '2.0.0': {} } },
    ],
  });
  larder = await startTestLarder({ npmUpstream: registry.url });
  // Retain three versions by fetching their tarballs through the daemon, as npm would.
  for (const [name, file] of [
    ['left-pad', 'left-pad/-/left-pad-1.0.0.tgz'],
    ['left-pad', 'left-pad/-/left-pad-1.1.0.tgz'],
    ['@acme/util', '@acme/util/-/util-2.0.0.tgz'],
  ] as const) {
    await (await fetch(`${larder.npm()}${name.replace('/', '%2f')}`)).arrayBuffer();
    const res = await fetch(`${larder.npm()}${file}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`could not retain ${file}: HTTP ${res.status}`);
  }
  // The gateway (npm-store) may retain a moment after the client got its bytes: wait for it.
  for (let tries = 0; ; tries += 1) {
    const described = (await (await fetch(`${larder.url}/-/api/repositories/npm-store`)).json()) as { versionCount: number };
    if (described.versionCount === 3) break;
    if (tries === 100) throw new Error(`npm-store retained ${described.versionCount} versions, not 3`);
    await new Promise((done) => setTimeout(done, 50));
  }
});
t.teardown(async () => {
  await larder?.stop();
  await registry?.stop();
});

t.test('--help lists the management commands and their subcommands', async (t) => {
  const top = capture();
  t.equal(await run(['--help'], top.io), 0);
  for (const command of ['repos', 'packages', 'versions']) t.match(top.out(), new RegExp(`larder ${command}\\s+\\S`));
  const versions = capture();
  t.equal(await run(['versions', '--help'], versions.io), 0);
  for (const sub of ['list', 'describe', 'set-status', 'delete']) t.match(versions.out(), `larder versions ${sub}`);
  const list = capture();
  t.equal(await run(['packages', 'list', '--help'], list.io), 0);
  for (const flag of ['--url', '--json', '--repository', '--format', '--prefix', '--max-results', '--next-token']) t.match(list.out(), flag);
  t.match(list.out(), 'http://127.0.0.1:7878');
});

t.test('bad usage exits 2', async (t) => {
  const missing = capture();
  t.equal(await run(['versions', 'list', '--repository', 'default'], missing.io), 2);
  t.match(missing.err(), /Missing required arguments?: format, package/);
  const status = capture();
  t.equal(await run(['versions', 'set-status', '-r', 'default', '-f', 'npm', '-p', 'x', '--versions', '1.0.0', '--status', 'Disposed'], status.io), 2);
  t.match(status.err(), /Invalid values/);
  const url = capture();
  t.equal(await run(['repos', 'list', '--url', 'ftp://nowhere'], url.io), 2);
  t.match(url.err(), /--url must be an http/);
  const none = capture();
  t.equal(await run(['repos'], none.io), 2);
  t.match(none.err(), /repos needs a subcommand/);
});

t.test('repos list and describe: table, lines and --json', async (t) => {
  const table = await cli(['repos', 'list'], true);
  t.equal(table.code, 0);
  const lines = table.out.trimEnd().split('\n');
  t.match(lines[0], /^NAME\s+UPSTREAMS\s+CONNECTION\s+URL$/);
  t.match(lines[1], /^default\s+npm-store\s+-\s+-$/);
  t.equal(lines[2], `npm-store  -          custom      ${registry.url}`, 'columns aligned');

  const plain = await cli(['repos', 'list']);
  t.equal(plain.out, `default\tnpm-store\t-\t-\nnpm-store\t-\tcustom\t${registry.url}\n`, 'one line per row, no header');

  const json = await cli(['repos', 'list', '--json']);
  const parsed = JSON.parse(json.out) as { repositories: Array<{ name: string }> };
  t.same(parsed.repositories.map((r) => r.name), ['default', 'npm-store']);

  const described = await cli(['repos', 'describe', 'npm-store']);
  t.equal(described.code, 0);
  t.match(described.out, /^name\tnpm-store\n/);
  t.match(described.out, /\nconnection status\tAVAILABLE\n/);
  t.match(described.out, /\npackages\t2\nversions\t3\nbytes\t[1-9]\d*\n$/);
  const describedJson = JSON.parse((await cli(['repos', 'describe', 'default', '--json'])).out) as { packageCount: number; externalConnection: unknown };
  t.match(describedJson, { packageCount: 2, externalConnection: null });
});

t.test('the daemon refusing: its message, exit 1', async (t) => {
  const missing = await cli(['repos', 'describe', 'nope']);
  t.equal(missing.code, 1);
  t.match(missing.err, /^larder: .*"nope"/);
  t.notMatch(missing.err, /E_REPOSITORY_UNKNOWN/, 'the message, not the code');
  t.equal(missing.out, '');
  const pkg = await cli(['versions', 'list', '-r', 'default', '-f', 'npm', '-p', 'absent']);
  t.equal(pkg.code, 1);
  t.equal(pkg.err, 'larder: the npm package "absent" has no versions in repository "default"\n');
  const token = await cli(['packages', 'list', '-r', 'default', '--next-token', 'bogus']);
  t.equal(token.code, 1);
  t.match(token.err, /^larder: nextToken is not a token/);
});

t.test('unreachable daemon: says where and how to start it', async (t) => {
  const c = capture();
  t.equal(await run(['repos', 'list', '--url', 'http://127.0.0.1:9'], c.io), 1);
  t.equal(c.err(), 'larder: cannot reach larder at http://127.0.0.1:9 (is it running? start it with: larder serve)\n');
  t.equal(c.out(), '');
});

t.test('packages list: filters and paging tokens passed through', async (t) => {
  const all = await cli(['packages', 'list', '-r', 'default'], true);
  t.equal(all.code, 0);
  t.match(all.out, /^FORMAT\s+PACKAGE\s+VERSIONS\n/);
  t.match(all.out, /\nnpm\s+left-pad\s+2\n/);
  t.match(all.out, /\nnpm\s+@acme\/util\s+1\n/);

  const prefix = await cli(['packages', 'list', '-r', 'default', '--format', 'npm', '--prefix', 'left']);
  t.equal(prefix.out, 'npm\tleft-pad\t2\n');
  t.equal((await cli(['packages', 'list', '-r', 'default', '--format', 'pypi'])).out, '');

  const first = await cli(['packages', 'list', '-r', 'default', '--max-results', '1']);
  t.equal(first.out.split('\n').length, 2, 'one row');
  const token = /more: --next-token (\S+)/.exec(first.err)?.[1];
  t.ok(token, 'the next token is printed');
  const second = await cli(['packages', 'list', '-r', 'default', '--max-results', '1', '--next-token', token ?? '']);
  t.equal(second.code, 0);
  t.equal(second.out.split('\n').length, 2);
  t.not(second.out, first.out, 'the token moved to the next page');
  t.notMatch(second.err, /more:/, 'the last page has no token');

  const json = JSON.parse((await cli(['packages', 'list', '-r', 'default', '--max-results', '1', '--json'])).out) as { packages: unknown[]; nextToken: string };
  t.equal(json.packages.length, 1);
  t.equal(json.nextToken, token);
});

t.test('versions list and describe', async (t) => {
  const list = await cli(['versions', 'list', '-r', 'default', '-f', 'npm', '-p', 'left-pad'], true);
  t.equal(list.code, 0);
  const rows = list.out.trimEnd().split('\n');
  t.match(rows[0], /^VERSION\s+STATUS\s+REVISION\s+ORIGIN\s+RETAINED AT$/);
  t.match(rows[1], /^1\.0\.0\s+Published\s+\S+\s+npm-store via custom\s+\d{4}-/);
  t.match(rows[2], /^1\.1\.0\s+Published/);
  t.match(list.err, 'default display version: 1.1.0');

  const paged = await cli(['versions', 'list', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '--max-results', '1']);
  const token = /more: --next-token (\S+)/.exec(paged.err)?.[1] ?? '';
  const next = await cli(['versions', 'list', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '--next-token', token]);
  t.match(next.out, /^1\.1\.0\tPublished\t/);

  const described = await cli(['versions', 'describe', '-r', 'default', '-f', 'npm', '-p', '@acme/util', '--version', '2.0.0'], true);
  t.equal(described.code, 0);
  t.match(described.out, /\npackage\s+@acme\/util\n/);
  t.match(described.out, /\nASSET\s+SIZE\s+INTEGRITY\n\S+\.tgz\s+\d+\s+sha512-/);
  const json = JSON.parse((await cli(['versions', 'describe', '-r', 'default', '-f', 'npm', '-p', '@acme/util', '-v', '2.0.0', '--json'])).out) as { assets: Array<{ integrity: string }> };
  t.equal(json.assets[0]?.integrity, (await registry.tarball('@acme/util', '2.0.0')).integrity);
  const absent = await cli(['versions', 'describe', '-r', 'default', '-f', 'npm', '-p', 'left-pad', '-v', '9.9.9']);
  t.equal(absent.code, 1);
  t.match(absent.err, /^larder: version "9\.9\.9" of the npm package "left-pad"/);
});

t.test('set-status, its guard, and delete', async (t) => {
  const base = ['-r', 'npm-store', '-f', 'npm', '-p', 'left-pad'];
  const set = await cli(['versions', 'set-status', ...base, '--versions', '1.0.0', '--status', 'Unlisted', '--expected-status', 'Published']);
  t.equal(set.code, 0);
  t.match(set.out, /^1\.0\.0\tUnlisted\trevision \S+\n$/);
  const list = await cli(['versions', 'list', ...base]);
  t.match(list.out, /^1\.0\.0\tUnlisted\t/);
  t.match(list.out, /\n1\.1\.0\tPublished\t/);

  const guard = await cli(['versions', 'set-status', ...base, '--versions', '1.0.0', '--status', 'Archived', '--expected-status', 'Published']);
  t.equal(guard.code, 1, 'every version failed the guard: 409');
  t.match(guard.out, /^1\.0\.0\tMISMATCHED_STATUS\tversion "1\.0\.0" is Unlisted, not Published\n$/);
  t.match(guard.err, /^larder: no version was changed/);

  const mixed = await cli(['versions', 'set-status', ...base, '--versions', '1.1.0', '7.7.7', '--status', 'Archived', '--json']);
  t.equal(mixed.code, 1, 'a version failed');
  const result = JSON.parse(mixed.out) as { successfulVersions: Record<string, { status: string }>; failedVersions: Record<string, { errorCode: string }> };
  t.equal(result.successfulVersions['1.1.0']?.status, 'Archived');
  t.equal(result.failedVersions['7.7.7']?.errorCode, 'NOT_FOUND');
  t.match(mixed.err, '1 of 2 versions failed');

  const deleted = await cli(['versions', 'delete', ...base, '--versions', '1.1.0', '--expected-status', 'Archived']);
  t.equal(deleted.code, 0);
  t.match(deleted.out, /^1\.1\.0\tArchived\t/);
  t.equal((await cli(['versions', 'list', ...base])).out.split('\n').filter(Boolean).length, 1, 'one version left');
  t.match((await cli(['versions', 'list', '-r', 'default', '-f', 'npm', '-p', 'left-pad'])).out, /1\.1\.0\tPublished/, 'other repositories untouched');
});

t.test('the built binary talks to the daemon', async (t) => {
  const built = await builtLarder(t);
  const ran = await built.run(['repos', 'list', '--url', larder.url]);
  t.equal(ran.err, '');
  t.equal(ran.code, 0);
  t.equal(ran.out, `default\tnpm-store\t-\t-\nnpm-store\t-\tcustom\t${registry.url}\n`, 'a pipe gets lines, not a table');

  const down = await built.run(['repos', 'describe', 'nope', '--url', larder.url]);
  t.equal(down.code, 1);
  t.match(down.err, /^larder: .*"nope"/);
});
