// `larder repos create|update|delete|associate|disassociate` (issue 5 §3) against a real daemon
// started on a config file: in-process through run(), plus one run of the built binary.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { startLarder, type RunningLarder } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { run } from '../../src/main.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { builtLarder } from '../helpers/built-larder.js';
import { capture, cliAgainst } from './run-in-process.js';

let first: FakeNpmRegistry;
let second: FakeNpmRegistry;
let larder: RunningLarder;
let dir: string;
let file: string;

const cli = cliAgainst(() => larder.url);

function configText(dataDir: string): string {
  return `# larder for the repos CLI tests: keep this comment
listen: { host: 127.0.0.1, port: 0 }
dataDir: ${dataDir}
log: { level: info }
upstream: { connectTimeout: 2s, headersTimeout: 3s, bodyTimeout: 3s, retries: 0 }
defaults: { refresh: blocking, ingestionDeadline: 10s }
repositories:
  # what clients use
  default:
    upstreams: [npm-store]
  npm-store:
    external: { format: npm, url: "${first.url}" } # the first registry
  spare: # no connection yet
# the end of the file
`;
}

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

async function repository(name: string): Promise<ReturnType<Awaited<ReturnType<typeof loadConfig>>['repositories']['get']>> {
  return (await loadConfig({ file })).repositories.get(name);
}

t.before(async () => {
  first = await startFakeNpmRegistry({ packages: [{ name: 'one', versions: { '1.0.0': {} } }] });
  second = await startFakeNpmRegistry({ packages: [{ name: 'two', versions: { '2.0.0': {} } }] });
  dir = await mkdtemp(join(tmpdir(), 'larder-repos-cli-'));
  file = join(dir, 'larder.yaml');
  await writeFile(file, configText(join(dir, 'data')));
  larder = await startLarder(await loadConfig({ file }), { logger: pino({ level: 'silent' }), source: { file } });
});
t.teardown(async () => {
  await larder?.close();
  await Promise.all([first?.stop(), second?.stop()]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

t.test('--help lists the five subcommands and their flags', async (t) => {
  const repos = capture();
  t.equal(await run(['repos', '--help'], repos.io), 0);
  for (const sub of ['create <repository>', 'update <repository>', 'delete <repository>', 'associate <repository> <connection>', 'disassociate <repository>']) {
    t.match(repos.out(), `larder repos ${sub}`);
  }
  const create = capture();
  t.equal(await run(['repos', 'create', '--help'], create.io), 0);
  for (const flag of ['--description', '--upstreams', '--external', '--url', '--json']) t.match(create.out(), flag);
  t.match(create.out(), 'npm+https://', 'the FORMAT+URL form is explained');
});

t.test('usage errors exit 2 and leave the file alone', async (t) => {
  const before = await readFile(file, 'utf8');
  const nothing = await cli(['repos', 'update', 'default']);
  t.equal(nothing.code, 2);
  t.match(nothing.err, /nothing to update/);
  const format = await cli(['repos', 'create', 'other', '--external', 'xyz+http://127.0.0.1:9/']);
  t.equal(format.code, 2);
  t.match(format.err, /"xyz" is not a format/);
  const associate = await cli(['repos', 'associate', 'spare', 'xyz+http://127.0.0.1:9/']);
  t.equal(associate.code, 2, 'the same check for associate');
  const missing = capture();
  t.equal(await run(['repos', 'associate', 'spare'], missing.io), 2);
  t.match(missing.err(), /Not enough non-option arguments: got 1, need at least 2/);
  t.equal(await readFile(file, 'utf8'), before, 'the file is byte-identical');
});

t.test('create: human output and --json; the new repositories serve', async (t) => {
  const human = await cli(['repos', 'create', 'team', '--description', 'what the team uses', '--upstreams', 'npm-store']);
  t.equal(human.err, '');
  t.equal(human.code, 0);
  t.equal(human.out, 'done; the daemon now has 4 repositories (default, npm-store, spare, team)\n');
  t.equal(await status(`${larder.url}/npm/team/one`), 200, 'serves through its upstream');
  t.match(await repository('team'), { description: 'what the team uses', upstreams: ['npm-store'] });

  const json = await cli(['repos', 'create', 'gw', '--external', `npm+${second.url}`, '--json']);
  t.equal(json.code, 0);
  t.same(JSON.parse(json.out), { repositories: ['default', 'npm-store', 'spare', 'team', 'gw'], restartNeededFor: [] });
  t.equal(await status(`${larder.url}/npm/gw/two`), 200, 'serves through its FORMAT+URL connection');
  t.equal((await repository('gw'))?.external?.url, second.url);
  t.match(await readFile(file, 'utf8'), '# the first registry');
});

t.test('a refused edit prints each problem, exits 1, and leaves the file as it was', async (t) => {
  const before = await readFile(file, 'utf8');
  const refused = await cli(['repos', 'create', 'bad', '--upstreams', 'nope', 'nada']);
  t.equal(refused.code, 1);
  t.equal(refused.out, '');
  const lines = refused.err.trimEnd().split('\n');
  t.equal(lines[0], 'larder: the daemon refused the edit; the config file is unchanged:');
  t.match(lines[1], /^ {2}repositories\.bad\.upstreams\[0\]: unknown repository "nope"/);
  t.match(lines[2], /^ {2}repositories\.bad\.upstreams\[1\]: unknown repository "nada"/);
  t.equal(lines.length, 3, 'one line per problem');

  const name = await cli(['repos', 'create', 'bad name']);
  t.equal(name.code, 1);
  t.match(name.err, /\n {2}repositories\["bad name"\]: a repository name is/);
  const connection = await cli(['repos', 'associate', 'spare', 'public:nope']);
  t.equal(connection.code, 1);
  t.match(connection.err, /\n {2}repositories\.spare\.external: unknown public connection "public:nope"/);

  const exists = await cli(['repos', 'create', 'team']);
  t.equal(exists.code, 1, 'a conflict is a failure too');
  t.match(exists.err, /^larder: a repository named "team" already exists/);
  const unknown = await cli(['repos', 'update', 'nope', '--description', 'x']);
  t.equal(unknown.code, 1);
  t.match(unknown.err, /^larder: .*"nope"/);
  t.equal(await readFile(file, 'utf8'), before, 'the file is byte-identical');
});

t.test('update: upstreams and description, human and --json', async (t) => {
  t.equal(await status(`${larder.url}/npm/team/two`), 404, 'not reachable yet');
  const upstreams = await cli(['repos', 'update', 'team', '--upstreams', 'npm-store', 'gw']);
  t.equal(upstreams.code, 0);
  t.match(upstreams.out, /^done; the daemon now has 5 repositories/);
  t.equal(await status(`${larder.url}/npm/team/two`), 200, 'the added upstream makes it resolvable');

  const description = await cli(['repos', 'update', 'team', '--description', 'renamed', '--json']);
  t.equal(description.code, 0);
  t.match(JSON.parse(description.out), { repositories: ['default', 'npm-store', 'spare', 'team', 'gw'] });
  t.match(await repository('team'), { description: 'renamed', upstreams: ['npm-store', 'gw'] });

  const described = await cli(['repos', 'describe', 'team']);
  t.match(described.out, /\ndescription\trenamed\n/);
  t.match(described.out, /\nupstreams\tnpm-store,gw\n/);
});

t.test('associate and disassociate: human and --json', async (t) => {
  t.equal(await status(`${larder.url}/npm/spare/two`), 404);
  const associated = await cli(['repos', 'associate', 'spare', `npm+${second.url}`]);
  t.equal(associated.code, 0);
  t.match(associated.out, /^done; the daemon now has 5 repositories/);
  t.equal(await status(`${larder.url}/npm/spare/two`), 200, 'the new gateway serves');
  const text = await readFile(file, 'utf8');
  t.match(text, '# no connection yet', 'the comment on the bare key stays');

  const again = await cli(['repos', 'associate', 'spare', 'public:npmjs']);
  t.equal(again.code, 1, 'at most one connection');
  t.match(again.err, /already has an external connection/);

  const disassociated = await cli(['repos', 'disassociate', 'spare', '--json']);
  t.equal(disassociated.code, 0);
  t.match(JSON.parse(disassociated.out), { repositories: ['default', 'npm-store', 'spare', 'team', 'gw'] });
  t.equal((await repository('spare'))?.external, undefined);

  const named = await cli(['repos', 'associate', 'spare', 'public:npmjs']);
  t.equal(named.code, 0, 'a public connection by name');
  t.equal((await repository('spare'))?.external?.name, 'public:npmjs');
  t.equal((await cli(['repos', 'disassociate', 'spare'])).code, 0);
});

t.test('delete: refused while an upstream, then forgets what it held', async (t) => {
  await status(`${larder.url}/npm/gw/two`);
  t.equal(await status(`${larder.url}/npm/gw/two/-/two-2.0.0.tgz`), 200, 'gw retains a version');
  await larder.settle();

  const refused = await cli(['repos', 'delete', 'gw']);
  t.equal(refused.code, 1);
  t.match(refused.err, /^larder: repository "gw" is an upstream of "team"/);

  t.equal((await cli(['repos', 'update', 'team', '--upstreams', 'npm-store'])).code, 0);
  const deleted = await cli(['repos', 'delete', 'gw']);
  t.equal(deleted.err, '');
  t.equal(deleted.code, 0);
  t.equal(
    deleted.out,
    'done; the daemon now has 4 repositories (default, npm-store, spare, team)\n' + 'deleted gw: 1 versions of 1 packages forgotten, 1 blobs no other repository held removed\n',
  );
  t.equal(await status(`${larder.url}/npm/gw/two`), 404, 'gone from the daemon');
  t.equal(await repository('gw'), undefined, 'and from the file');

  const json = await cli(['repos', 'delete', 'spare', '--json']);
  t.equal(json.code, 0);
  t.same(JSON.parse(json.out), { repositories: ['default', 'npm-store', 'team'], restartNeededFor: [], deleted: { repository: 'spare', packages: 0, versions: 0, blobsRemoved: 0 } });

  const text = await readFile(file, 'utf8');
  for (const comment of ['# larder for the repos CLI tests: keep this comment', '# what clients use', '# the first registry']) t.match(text, comment);
  // spare was the last repository, written as a bare key: the file's closing comment is not its own.
  t.match(text, '# the end of the file', "the file's closing comment survives deleting the last repository");
});

t.test('the built binary creates a repository', async (t) => {
  const ran = await (await builtLarder(t)).run(['repos', 'create', 'built', '--upstreams', 'npm-store', '--url', larder.url]);
  t.equal(ran.err, '');
  t.equal(ran.code, 0);
  t.equal(ran.out, 'done; the daemon now has 4 repositories (default, npm-store, team, built)\n');
  t.same((await repository('built'))?.upstreams, ['npm-store']);
  t.equal(await status(`${larder.url}/npm/built/one`), 200);
});
