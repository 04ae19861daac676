// Repository create / update / delete through a running daemon (issue 5 §3): each edit rewrites
// the YAML file in place (comments kept), is validated before it is written, and takes effect for
// the next request; a delete forgets what the repository held and the blobs only it held.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cacache from 'cacache';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { BLOB_DIR, startLarder, type RunningLarder } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { api } from './seed.js';

interface Setup {
  file: string;
  dir: string;
  dataDir: string;
  larder: RunningLarder;
  first: FakeNpmRegistry;
  second: FakeNpmRegistry;
}

const COMMENTS = ['# larder for the repository-edit tests: keep this comment', '# what clients use', '# the first registry', '# a gateway nobody searches', '# the end of the file'];

function configText(dataDir: string, first: string, second: string): string {
  return `# larder for the repository-edit tests: keep this comment
listen: { host: 127.0.0.1, port: 0 }
dataDir: ${dataDir}
log: { level: info }
upstream: { connectTimeout: 2s, headersTimeout: 3s, bodyTimeout: 3s, retries: 0 }
defaults: { refresh: blocking, ingestionDeadline: 10s }
repositories:
  # what clients use
  default:
    upstreams: [npm-store] # searched in order
  npm-store:
    external: { format: npm, url: "${first}" } # the first registry
  second-store:
    external: { format: npm, url: "${second}" }
  # a gateway nobody searches
  solo:
    description: holds what it fetched itself
    external: { format: npm, url: "${first}" }
# the end of the file
`;
}

async function setup(t: Test): Promise<Setup> {
  const first = await startFakeNpmRegistry({
    packages: [
      { name: 'one', versions: { '1.0.0': {} } },
      { name: 'shared', versions: { '1.0.0': {} } },
      { name: 'late', versions: { '1.0.0': {} } },
    ],
  });
  const second = await startFakeNpmRegistry({ packages: [{ name: 'two', versions: { '2.0.0': {} } }] });
  const dir = await mkdtemp(join(tmpdir(), 'larder-edits-'));
  const file = join(dir, 'larder.yaml');
  const dataDir = join(dir, 'data');
  await writeFile(file, configText(dataDir, first.url, second.url));
  const larder = await startLarder(await loadConfig({ file }), { logger: pino({ level: 'silent' }), source: { file } });
  t.teardown(async () => {
    await larder.close();
    await Promise.all([first.stop(), second.stop()]);
    await rm(dir, { recursive: true, force: true });
  });
  return { file, dir, dataDir, larder, first, second };
}

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

/** Fetches the packument, then the tarball, through a repository, as npm would. */
async function install(larder: RunningLarder, repository: string, name: string, version: string): Promise<number> {
  await status(`${larder.url}/npm/${repository}/${name}`);
  return status(`${larder.url}/npm/${repository}/${name}/-/${name}-${version}.tgz`);
}

async function names(larder: RunningLarder): Promise<string[]> {
  return (await api<{ repositories: Array<{ name: string }> }>(larder.url, 'repositories')).body.repositories.map((r) => r.name);
}

t.test('create: the new repository serves, and the file keeps its comments', async (t) => {
  const { file, dir, larder, first, second } = await setup(t);
  const created = await api<{ repositories: string[]; restartNeededFor: string[] }>(larder.url, 'repositories/create', {
    repository: 'fresh-store',
    description: 'the second registry again',
    externalConnection: { format: 'npm', url: second.url },
  });
  t.equal(created.status, 200);
  t.same(created.body, { repositories: ['default', 'npm-store', 'second-store', 'solo', 'fresh-store'], restartNeededFor: [] });
  t.same(await names(larder), ['default', 'npm-store', 'second-store', 'solo', 'fresh-store'], 'listed by the API');
  t.equal(await status(`${larder.url}/npm/fresh-store/two`), 200, 'serves through its new external connection');
  t.equal(second.count((r) => r.path === '/two'), 1);

  const text = await readFile(file, 'utf8');
  for (const comment of COMMENTS) t.match(text, comment, `keeps "${comment}"`);
  t.match(text, 'upstreams: [npm-store] # searched in order', 'untouched lines keep their spelling');
  t.same((await readdir(dir)).sort(), ['data', 'larder.yaml'], 'no temp file left behind');
  const loaded = (await loadConfig({ file })).repositories.get('fresh-store');
  t.equal(loaded?.description, 'the second registry again');
  t.equal(loaded?.external?.url, second.url);

  const team = await api<{ repositories: string[] }>(larder.url, 'repositories/create', { repository: 'team', upstreams: ['npm-store', 'fresh-store'] });
  t.equal(team.status, 200);
  t.equal(await status(`${larder.url}/npm/team/one`), 200, 'serves through its first upstream');
  t.equal(await status(`${larder.url}/npm/team/two`), 200, 'and its second');
  t.same((await loadConfig({ file })).repositories.get('team')?.upstreams, ['npm-store', 'fresh-store']);
  t.equal(first.count((r) => r.path === '/one'), 1);

  const empty = await api(larder.url, 'repositories/create', { repository: 'empty' });
  t.equal(empty.status, 200, 'a repository with nothing set');
  const bare = (await loadConfig({ file })).repositories.get('empty');
  t.same(bare?.upstreams, []);
  t.equal(bare?.external, undefined);
  t.equal(await status(`${larder.url}/npm/empty/one`), 404, 'it holds nothing and searches nothing');
  const after = await readFile(file, 'utf8');
  for (const comment of COMMENTS) t.match(after, comment);
  t.ok(after.trimEnd().endsWith('# the end of the file'), 'the trailing comment stays last');
});

t.test('refused creates answer 409 or 400 with problems, and leave the file as it was', async (t) => {
  const { file, larder } = await setup(t);
  const before = await readFile(file, 'utf8');

  const existing = await api<{ error: string; code: string }>(larder.url, 'repositories/create', { repository: 'solo', description: 'again' });
  t.equal(existing.status, 409);
  t.equal(existing.body.code, 'E_CONFLICT');
  t.match(existing.body.error, /"solo" already exists/);

  const badName = await api<{ code: string; problems: Array<{ path: string; message: string }> }>(larder.url, 'repositories/create', { repository: 'bad name' });
  t.equal(badName.status, 400);
  t.equal(badName.body.code, 'E_BAD_REQUEST');
  t.match(badName.body.problems, [{ path: 'repositories["bad name"]', message: /repository name/ }]);

  const short = await api<{ problems: Array<{ path: string }> }>(larder.url, 'repositories/create', { repository: 'x' });
  t.equal(short.status, 400);
  t.match(short.body.problems, [{ path: 'repositories.x' }]);

  const unknown = await api<{ error: string; problems: Array<{ path: string; message: string }> }>(larder.url, 'repositories/create', { repository: 'team', upstreams: ['npm-store', 'nope'] });
  t.equal(unknown.status, 400);
  t.same(unknown.body.problems.map((p) => p.path), ['repositories.team.upstreams[1]']);
  t.match(unknown.body.problems[0]?.message, /unknown repository "nope"/);
  t.match(unknown.body.error, /kept the running config/);

  const badConnection = await api<{ problems: Array<{ path: string }> }>(larder.url, 'repositories/create', { repository: 'team', externalConnection: 'public:nope' });
  t.equal(badConnection.status, 400);
  t.match(badConnection.body.problems, [{ path: 'repositories.team.external' }]);
  const badShape = await api(larder.url, 'repositories/create', { repository: 'team', upstreams: 'npm-store' });
  t.equal(badShape.status, 400, 'upstreams must be a list');

  t.equal(await readFile(file, 'utf8'), before, 'the file is byte-identical');
  t.same(await names(larder), ['default', 'npm-store', 'second-store', 'solo'], 'the running config is unchanged');
  t.equal(await status(`${larder.url}/npm/default/one`), 200, 'the daemon serves on');
});

t.test('update: description and upstreams take effect for the next request', async (t) => {
  const { file, larder } = await setup(t);
  t.equal(await status(`${larder.url}/npm/default/two`), 404, 'not reachable yet');

  const upstreams = await api(larder.url, 'repositories/update', { repository: 'default', upstreams: ['npm-store', 'second-store'] });
  t.equal(upstreams.status, 200);
  t.equal(await status(`${larder.url}/npm/default/two`), 200, 'the added upstream makes it resolvable');
  t.same((await loadConfig({ file })).repositories.get('default')?.upstreams, ['npm-store', 'second-store']);
  const described = await api<{ upstreams: string[]; description?: string }>(larder.url, 'repositories/default');
  t.same(described.body.upstreams, ['npm-store', 'second-store']);

  const description = await api(larder.url, 'repositories/update', { repository: 'solo', description: 'changed' });
  t.equal(description.status, 200);
  t.equal((await api<{ description?: string }>(larder.url, 'repositories/solo')).body.description, 'changed');
  const loaded = (await loadConfig({ file })).repositories.get('solo');
  t.equal(loaded?.description, 'changed');
  t.ok(loaded?.external, 'the fields not given stay as they were');

  const text = await readFile(file, 'utf8');
  for (const comment of COMMENTS) t.match(text, comment, `keeps "${comment}"`);

  const cleared = await api(larder.url, 'repositories/update', { repository: 'default', upstreams: [] });
  t.equal(cleared.status, 200, 'an empty list clears the upstreams');
  t.equal(await status(`${larder.url}/npm/default/one`), 404, 'and nothing is searched any more');
});

t.test('update keeps the comment on the line it rewrites', async (t) => {
  // Issue 5 §3: edits keep the file's comments; `# searched in order` sits on the upstreams line.
  const { file, larder } = await setup(t);
  t.equal((await api(larder.url, 'repositories/update', { repository: 'default', upstreams: ['npm-store', 'second-store'] })).status, 200);
  t.match(await readFile(file, 'utf8'), '# searched in order', 'the comment on the replaced upstreams line stays');
});

t.test('refused updates: nothing to update, unknown repository, invalid upstreams', async (t) => {
  const { file, larder } = await setup(t);
  const before = await readFile(file, 'utf8');
  const nothing = await api<{ error: string; code: string }>(larder.url, 'repositories/update', { repository: 'default' });
  t.equal(nothing.status, 400);
  t.match(nothing.body.error, /nothing to update/);
  const unknown = await api<{ error: string; code: string }>(larder.url, 'repositories/update', { repository: 'nope', description: 'x' });
  t.equal(unknown.status, 404);
  t.equal(unknown.body.code, 'E_REPOSITORY_UNKNOWN');
  t.match(unknown.body.error, /"nope"/);
  const cycle = await api<{ problems: Array<{ path: string; message: string }> }>(larder.url, 'repositories/update', { repository: 'npm-store', upstreams: ['default'] });
  t.equal(cycle.status, 400);
  t.match(cycle.body.problems, [{ message: /cycle/ }]);
  t.equal(await readFile(file, 'utf8'), before, 'the file is byte-identical');
});

t.test('delete: refused while another repository lists it as an upstream', async (t) => {
  const { file, larder } = await setup(t);
  const before = await readFile(file, 'utf8');
  const refused = await api<{ error: string; code: string }>(larder.url, 'repositories/delete', { repository: 'npm-store' });
  t.equal(refused.status, 409);
  t.equal(refused.body.code, 'E_CONFLICT');
  t.match(refused.body.error, /upstream of "default"/);
  t.equal(await readFile(file, 'utf8'), before, 'the file is byte-identical');
  t.equal(await status(`${larder.url}/npm/default/one`), 200, 'the chain still serves');
  const unknown = await api(larder.url, 'repositories/delete', { repository: 'nope' });
  t.equal(unknown.status, 404);
});

t.test('delete: the records and the blobs only it held go; shared blobs stay', async (t) => {
  const { file, dataDir, larder, first } = await setup(t);
  t.equal(await install(larder, 'solo', 'one', '1.0.0'), 200);
  t.equal(await install(larder, 'solo', 'shared', '1.0.0'), 200);
  t.equal(await install(larder, 'default', 'shared', '1.0.0'), 200, 'retained in default and npm-store too');
  await larder.settle();
  const only = (await first.tarball('one', '1.0.0')).integrity;
  const shared = (await first.tarball('shared', '1.0.0')).integrity;
  const blobs = join(dataDir, BLOB_DIR);
  t.ok(await cacache.get.hasContent(blobs, only), 'the blob is in the store before');

  const deleted = await api<{ repositories: string[]; deleted: Record<string, unknown> }>(larder.url, 'repositories/delete', { repository: 'solo' });
  t.equal(deleted.status, 200);
  t.same(deleted.body.repositories, ['default', 'npm-store', 'second-store']);
  t.same(deleted.body.deleted, { repository: 'solo', packages: 2, versions: 2, blobsRemoved: 1 });
  t.equal(await status(`${larder.url}/npm/solo/one`), 404, 'the repository is gone');
  t.equal(await status(`${larder.url}/npm/solo/one/-/one-1.0.0.tgz`), 404);
  t.equal((await api(larder.url, 'repositories/solo')).status, 404);
  t.notOk(await cacache.get.hasContent(blobs, only), 'the blob only it held is removed');
  t.ok(await cacache.get.hasContent(blobs, shared), 'the blob others retain stays');

  const text = await readFile(file, 'utf8');
  t.notMatch(text, /solo/, 'its entry is gone from the file');
  for (const comment of ['# larder for the repository-edit tests: keep this comment', '# what clients use', '# the first registry', '# the end of the file']) t.match(text, comment);
  t.notOk((await loadConfig({ file })).repositories.has('solo'));

  await first.stop();
  t.equal(await status(`${larder.url}/npm/default/shared/-/shared-1.0.0.tgz`), 200, 'default still serves the shared blob with the upstream down');
  await first.start();

  // Re-created under the same name, it starts empty: no records, no cached metadata.
  const before = { packument: first.count((r) => r.path === '/one'), tarball: first.count('/one/-/') };
  t.equal((await api(larder.url, 'repositories/create', { repository: 'solo', externalConnection: { format: 'npm', url: first.url } })).status, 200);
  t.same((await api<{ packages: unknown[] }>(larder.url, 'packages?repository=solo')).body.packages, [], 'it holds no packages');
  t.equal(await install(larder, 'solo', 'one', '1.0.0'), 200);
  t.equal(first.count((r) => r.path === '/one'), before.packument + 1, 'the packument is fetched again: no cached metadata survived');
  t.equal(first.count('/one/-/'), before.tarball + 1, 'the tarball is fetched again');
});

t.test('a request in flight during a delete finishes; the daemon serves on', async (t) => {
  const { larder, first } = await setup(t);
  t.equal(await status(`${larder.url}/npm/solo/late`), 200, 'the packument is cached');
  first.fault = { kind: 'slow', delayMs: 400, match: '/late/-/' };
  let finished = false;
  const inFlight = fetch(`${larder.url}/npm/solo/late/-/late-1.0.0.tgz`).then(async (res) => {
    const answer = { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
    finished = true;
    return answer;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const deleted = await api<{ deleted: { versions: number } }>(larder.url, 'repositories/delete', { repository: 'solo' });
  t.equal(deleted.status, 200);
  t.equal(finished, false, 'the delete was answered while the request was in flight');
  const answer = await inFlight;
  t.equal(answer.status, 200, 'the request finished on the config it started with');
  t.equal(answer.bytes, (await first.tarball('late', '1.0.0')).bytes.length);
  await larder.settle();
  t.equal((await api(larder.url, 'repositories')).status, 200, 'the daemon answers');
  t.equal(await status(`${larder.url}/npm/default/one`), 200, 'and serves');
});

t.test('what a request in flight retains after the delete does not reappear under the same name', async (t) => {
  const { larder, first } = await setup(t);
  t.equal(await status(`${larder.url}/npm/solo/late`), 200);
  first.fault = { kind: 'slow', delayMs: 400, match: '/late/-/' };
  const inFlight = fetch(`${larder.url}/npm/solo/late/-/late-1.0.0.tgz`).then(async (res) => (await res.arrayBuffer(), res.status));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal((await api(larder.url, 'repositories/delete', { repository: 'solo' })).status, 200);
  t.equal(await inFlight, 200);
  await larder.settle();
  first.fault = undefined;
  t.equal((await api(larder.url, 'repositories/create', { repository: 'solo', externalConnection: { format: 'npm', url: first.url } })).status, 200);
  t.same((await api<{ packages: unknown[] }>(larder.url, 'packages?repository=solo')).body.packages, [], 'the re-created repository starts empty');
});
