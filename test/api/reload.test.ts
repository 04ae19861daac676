// Config as the source of truth (issue 5 §3): reload, SIGHUP, and repository edits that rewrite
// the YAML file in place, keeping its comments, validated before they are written.
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { startLarder, type RunningLarder } from '../../src/app.js';
import { serve } from '../../src/cli/serve.js';
import { loadConfig } from '../../src/config/load.js';
import { run } from '../../src/main.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import type { LogLine } from '../helpers/larder.js';
import { api } from './seed.js';

interface Setup {
  file: string;
  dir: string;
  larder: RunningLarder;
  logs: LogLine[];
  first: FakeNpmRegistry;
  second: FakeNpmRegistry;
}

function configText(dataDir: string, first: string, second: string, extra = ''): string {
  return `# larder for the reload tests: keep this comment
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
    external: { format: npm, url: "${first}" } # the first registry
  other:
    description: gets a connection later # and keeps this comment
  bare: # a repository with nothing set yet
${extra}# the second registry is ${second}
`;
}

function captureLogs(): { logs: LogLine[]; sink: Writable } {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logs, sink };
}

async function setup(t: Test): Promise<Setup> {
  const first = await startFakeNpmRegistry({ packages: [{ name: 'one', versions: { '1.0.0': {} } }, ...Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, versions: { '1.0.0': {} } }))] });
  const second = await startFakeNpmRegistry({ packages: [{ name: 'two', versions: { '2.0.0': {} } }] });
  const dir = await mkdtemp(join(tmpdir(), 'larder-reload-'));
  const file = join(dir, 'larder.yaml');
  await writeFile(file, configText(join(dir, 'data'), first.url, second.url));
  const { logs, sink } = captureLogs();
  const larder = await startLarder(await loadConfig({ file }), { logger: pino({ level: 'debug' }, sink), source: { file } });
  t.teardown(async () => {
    await larder.close();
    await Promise.all([first.stop(), second.stop()]);
    await rm(dir, { recursive: true, force: true });
  });
  return { file, dir, larder, logs, first, second };
}

t.test('associate and disassociate an external connection, keeping the comments', async (t) => {
  const { file, dir, larder, second } = await setup(t);
  t.equal((await fetch(`${larder.url}/npm/other/two`)).status, 404, 'no connection yet');

  const associated = await api<{ repositories: string[] }>(larder.url, 'repositories/associate-external-connection', { repository: 'other', externalConnection: { format: 'npm', url: second.url } });
  t.equal(associated.status, 200);
  const text = await readFile(file, 'utf8');
  t.match(text, '# larder for the reload tests: keep this comment');
  t.match(text, '# what clients use');
  t.match(text, '# the first registry');
  t.match(text, '# and keeps this comment');
  t.match(text, second.url, 'the new connection is in the file');
  t.match(text, 'upstreams: [npm-store]', 'flow lists keep their spelling');
  t.same((await readdir(dir)).sort(), ['data', 'larder.yaml'], 'no temp file left behind');
  const loaded = await loadConfig({ file });
  t.equal(loaded.repositories.get('other')?.external?.url, second.url, 'the file loads with the connection');

  const packument = await fetch(`${larder.url}/npm/other/two`);
  t.equal(packument.status, 200, 'the new gateway serves');
  t.ok(((await packument.json()) as { versions: Record<string, unknown> }).versions['2.0.0']);
  t.equal(second.count('/two'), 1);

  const again = await api<{ error: string }>(larder.url, 'repositories/associate-external-connection', { repository: 'other', externalConnection: 'public:npmjs' });
  t.equal(again.status, 409, 'at most one connection');
  t.match(again.body.error, /already has an external connection/);

  const described = await api<{ externalConnection: { url: string } | null }>(larder.url, 'repositories/other');
  t.equal(described.body.externalConnection?.url, second.url);

  const disassociated = await api(larder.url, 'repositories/disassociate-external-connection', { repository: 'other' });
  t.equal(disassociated.status, 200);
  const after = await readFile(file, 'utf8');
  t.notMatch(after, /other:\n.*\n\s+external:/, 'the connection is gone from the file');
  t.match(after, '# and keeps this comment');
  t.equal((await loadConfig({ file })).repositories.get('other')?.external, undefined);
  t.equal((await api<{ externalConnection: unknown }>(larder.url, 'repositories/other')).body.externalConnection, null);

  const bare = await api(larder.url, 'repositories/associate-external-connection', { repository: 'bare', externalConnection: 'public:npmjs' });
  t.equal(bare.status, 200, 'a repository written as a bare key gets a connection');
  const third = await readFile(file, 'utf8');
  t.match(third, /bare:\n\s+external: public:npmjs/);
  t.match(third, '# a repository with nothing set yet');
  t.match(third, '# the second registry is', 'the trailing comment stays');
  t.equal((await loadConfig({ file })).repositories.get('bare')?.external?.name, 'public:npmjs');

  const twice = await api(larder.url, 'repositories/disassociate-external-connection', { repository: 'other' });
  t.equal(twice.status, 409, 'nothing left to disassociate');
  const unknown = await api<{ error: string }>(larder.url, 'repositories/disassociate-external-connection', { repository: 'nope' });
  t.equal(unknown.status, 404);
  t.match(unknown.body.error, /nope/);
});

t.test('an invalid edit is refused and the file is unchanged', async (t) => {
  const { file, larder } = await setup(t);
  const before = await readFile(file, 'utf8');
  const badUrl = await api<{ problems: { path: string }[] }>(larder.url, 'repositories/associate-external-connection', { repository: 'other', externalConnection: { format: 'npm', url: 'ftp://x.example/' } });
  t.equal(badUrl.status, 400);
  t.match(badUrl.body.problems, [{ path: 'repositories.other.external.url' }]);
  const badName = await api<{ problems: unknown[] }>(larder.url, 'repositories/associate-external-connection', { repository: 'other', externalConnection: 'public:nope' });
  t.equal(badName.status, 400);
  t.equal(badName.body.problems.length, 1);
  const badShape = await api(larder.url, 'repositories/associate-external-connection', { repository: 'other', externalConnection: ['public:npmjs'] });
  t.equal(badShape.status, 400);
  t.equal(await readFile(file, 'utf8'), before, 'the file is unchanged');
  t.equal((await fetch(`${larder.url}/npm/default/one`)).status, 200, 'the daemon serves on');
});

t.test('a reload under 20 requests in flight drops none', async (t) => {
  const { file, dir, larder, first, second } = await setup(t);
  first.fault = { kind: 'slow', delayMs: 300 };
  let finished = 0;
  const inFlight = Array.from({ length: 20 }, (_, i) =>
    fetch(`${larder.url}/npm/default/p${i}`).then(async (res) => {
      const answer = { status: res.status, body: await res.text() };
      finished += 1;
      return answer;
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  await writeFile(file, configText(join(dir, 'data'), first.url, second.url, '  # added while serving\n  extra:\n    upstreams: [npm-store]\n'));
  const reloaded = await api<{ repositories: string[] }>(larder.url, 'reload', {});
  t.equal(reloaded.status, 200);
  t.same(reloaded.body.repositories, ['default', 'npm-store', 'other', 'bare', 'extra']);
  t.equal(finished, 0, 'the reload happened while all 20 were in flight');
  const answers = await Promise.all(inFlight);
  t.same(
    answers.map((a) => a.status),
    Array.from({ length: 20 }, () => 200),
    'every request in flight finished',
  );
  t.ok(first.requests.filter((r) => r.fault === 'slow').length >= 20, 'the requests really were slow upstream');
  first.fault = undefined;
  t.equal((await fetch(`${larder.url}/npm/extra/one`)).status, 200, 'the new repository serves');
});

t.test('a bad or unreloadable config keeps the running one', async (t) => {
  const { file, dir, larder, logs, first, second } = await setup(t);
  await writeFile(file, 'repositories:\n  default: {upstreams: [missing]}\n  x: [\n');
  const broken = await api<{ problems: unknown[]; error: string }>(larder.url, 'reload', {});
  t.equal(broken.status, 409);
  t.ok(broken.body.problems.length >= 1);
  t.match(broken.body.error, /kept the running config/);

  await writeFile(file, 'repositories:\n  default: {upstreams: [missing]}\n  other: {external: public:nope}\n');
  const invalid = await api<{ problems: unknown[] }>(larder.url, 'reload', {});
  t.equal(invalid.status, 409);
  t.equal(invalid.body.problems.length, 2, 'every problem is reported');
  t.equal(logs.filter((line) => line.msg.startsWith('config problem: ')).length >= 3, true, 'each problem is logged');

  await writeFile(file, configText(join(dir, 'data'), first.url, second.url).replace('port: 0', 'port: 1'));
  const moved = await api<{ error: string }>(larder.url, 'reload', {});
  t.equal(moved.status, 409);
  t.match(moved.body.error, /listen.*restart/);
  t.ok(logs.some((line) => /restart/.test(line.msg)), 'the log says a restart is needed');
  t.equal((await fetch(`${larder.url}/npm/default/one`)).status, 200, 'still serving on the old config');
});

t.test('larder reload asks the daemon to reload', async (t) => {
  const { file, dir, larder, first, second } = await setup(t);
  await writeFile(file, configText(join(dir, 'data'), first.url, second.url, '  extra:\n    upstreams: [npm-store]\n'));
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) };
  t.equal(await run(['reload', '--url', larder.url], io), 0);
  t.match(out.join(''), 'reloaded: 5 repositories (default, npm-store, other, bare, extra)');
  await writeFile(file, 'repositories: [\n');
  t.equal(await run(['reload', '--url', larder.url], io), 1, 'a bad config is a failure');
  t.match(err.join(''), /larder: invalid configuration.*\n[\s\S]*kept the running config/);
});

t.test('without a config file, reload and edits say to start with --config', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'larder-reload-'));
  const config = await loadConfig({ overrides: { dataDir: dir, port: 0 } });
  const larder = await startLarder(config, { logger: pino({ level: 'silent' }), source: { overrides: { dataDir: dir, port: 0 } } });
  t.teardown(async () => {
    await larder.close();
    await rm(dir, { recursive: true, force: true });
  });
  const reloaded = await api<{ error: string }>(larder.url, 'reload', {});
  t.equal(reloaded.status, 409);
  t.match(reloaded.body.error, /--config FILE/);
  const edited = await api<{ error: string }>(larder.url, 'repositories/disassociate-external-connection', { repository: 'default' });
  t.equal(edited.status, 409);
  t.match(edited.body.error, /--config FILE/);
});

t.test('serve reloads on SIGHUP and keeps running on a bad config', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'larder-reload-'));
  const file = join(dir, 'larder.yaml');
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'one', versions: { '1.0.0': {} } }] });
  await writeFile(file, configText(join(dir, 'data'), registry.url, registry.url));
  const { logs, sink } = captureLogs();
  const signals = new EventEmitter();
  const waitFor = async (test: (line: LogLine) => boolean): Promise<LogLine> => {
    for (let i = 0; i < 200; i++) {
      const found = logs.find(test);
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('log line never came');
  };
  const output: string[] = [];
  const io = { stdout: (s: string) => void output.push(s), stderr: (s: string) => void output.push(s), signals, logger: pino({ level: 'info' }, sink) };
  const running = serve({ config: file }, io);
  t.teardown(async () => {
    signals.emit('SIGTERM');
    await running;
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const url = String((await waitFor((line) => typeof line.url === 'string' && line.msg.startsWith('larder listening'))).url);

  await writeFile(file, configText(join(dir, 'data'), registry.url, registry.url, '  extra:\n    upstreams: [npm-store]\n'));
  signals.emit('SIGHUP');
  await waitFor((line) => line.msg.startsWith('config reloaded'));
  t.equal((await fetch(`${url}/npm/extra/one`)).status, 200, 'the reloaded repository serves');

  await writeFile(file, 'repositories: [\n');
  signals.emit('SIGHUP');
  await waitFor((line) => line.msg.startsWith('config not reloaded'));
  t.equal((await fetch(`${url}/npm/extra/one`)).status, 200, 'still running on the previous config');

  signals.emit('SIGTERM');
  t.equal(await running, 0);
});
