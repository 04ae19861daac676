import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { parse } from 'yaml';
import type { RunningLarder } from '../../src/app.js';
import type { CliIo } from '../../src/cli/io.js';
import type { LarderConfig } from '../../src/config/types.js';
import { run } from '../../src/main.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ENV = { HOME: '/home/tester' };

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

function capture(extra: Partial<CliIo> = {}): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: (text) => (out += text), stderr: (text) => (err += text), env: ENV, ...extra },
    out: () => out,
    err: () => err,
  };
}

const BAD_CONFIG = `listen: { port: 70000 }
repositories:
  default: { upstreams: [npm-store, nowhere] }
  npm-store: { external: [public:npmjs, public:pypi] }
`;

t.test('--help lists the commands; each command lists its flags', async (t) => {
  const top = capture();
  t.equal(await run(['--help'], top.io), 0);
  t.match(top.out(), /larder serve\s+run the caching proxy/);
  t.match(top.out(), /larder config\s+check or show the configuration/);
  t.match(top.out(), /--version/);

  const serve = capture();
  t.equal(await run(['serve', '--help'], serve.io), 0);
  for (const flag of ['-c, --config', '--data-dir', '--host', '--port', '--offline', '--log-level']) t.match(serve.out(), flag);

  const config = capture();
  t.equal(await run(['config', '--help'], config.io), 0);
  t.match(config.out(), /larder config check \[file\]/);
  t.match(config.out(), /larder config show/);
  t.equal(config.err(), '');
});

t.test('--version prints the package version, from any command', async (t) => {
  for (const argv of [['--version'], ['config', 'show', '--version']]) {
    const c = capture();
    t.equal(await run(argv, c.io), 0);
    t.equal(c.out(), `${VERSION}\n`);
  }
});

t.test('bad usage exits 2 with a message', async (t) => {
  const none = capture();
  t.equal(await run([], none.io), 2);
  t.match(none.err(), /give a command: serve or config/);

  const typo = capture();
  t.equal(await run(['serv'], typo.io), 2);
  t.match(typo.err(), /Unknown argument: serv/);
  t.match(typo.err(), /Did you mean serve\?/);

  const flag = capture();
  t.equal(await run(['serve', '--bogus'], flag.io), 2);
  t.match(flag.err(), /Unknown argument: bogus/);

  const level = capture();
  t.equal(await run(['serve', '--log-level', 'loud'], level.io), 2);
  t.match(level.err(), /Invalid values:[\s\S]*loud/);

  const sub = capture();
  t.equal(await run(['config'], sub.io), 2);
  t.match(sub.err(), /config needs a subcommand: check or show/);
  t.equal(sub.out(), '');
});

t.test('config check: the embedded default and config.example.yaml are valid', async (t) => {
  const embedded = capture();
  t.equal(await run(['config', 'check'], embedded.io), 0);
  t.equal(
    embedded.out(),
    'OK: 7 repositories (default, npm-store, pypi-store, maven-central-store, google-android-store, gradle-plugins-store, commonsware-store)\n',
  );
  const example = capture({ cwd: ROOT });
  t.equal(await run(['config', 'check', 'config.example.yaml'], example.io), 0);
  t.match(example.out(), /^OK: 7 repositories \(default, /);
});

t.test('config check of a bad file prints each problem with its path and exits 2', async (t) => {
  const dir = t.testdir({ 'bad.yaml': BAD_CONFIG, 'good.yaml': 'repositories:\n  solo: { external: public:pypi }\n' });
  const c = capture({ cwd: dir });
  t.equal(await run(['config', 'check', 'bad.yaml'], c.io), 2);
  const lines = c.out().trim().split('\n');
  t.same(lines, [
    'listen.port: must be from 0 to 65535, got 70000',
    lines.find((l) => l.startsWith('repositories.npm-store.external: ')),
    'repositories.default.upstreams[1]: unknown repository "nowhere"',
  ]);
  t.match(lines[1], /at most one external connection/);
  t.equal(c.err(), 'invalid: 3 problems in bad.yaml\n');

  const viaFlag = capture({ cwd: dir });
  t.equal(await run(['config', 'check', '--config', 'good.yaml'], viaFlag.io), 0);
  t.equal(viaFlag.out(), 'OK: 1 repository (solo)\n');

  const both = capture({ cwd: dir });
  t.equal(await run(['config', 'check', 'good.yaml', '-c', 'bad.yaml'], both.io), 2);
  t.match(both.err(), /give the file to check once/);

  const missing = capture({ cwd: dir });
  t.equal(await run(['config', 'check', 'missing.yaml'], missing.io), 2);
  t.match(missing.out(), `${join(dir, 'missing.yaml')}: no such file`);

  const syntax = capture({ cwd: dir });
  t.equal(await run(['config', 'check', join(dir, 'bad.yaml'), '--help'], syntax.io), 0, '--help wins over running');
});

t.test('config show prints the effective config as YAML, flags applied', async (t) => {
  const c = capture({ cwd: '/srv' });
  t.equal(await run(['config', 'show', '--port', '9999', '--data-dir', 'data', '--offline'], c.io), 0);
  t.match(c.out(), /^# effective configuration \(source: embedded default\)\n/);
  t.match(c.out(), "external: public:npmjs # (from npm's configuration at run time)");
  const shown = parse(c.out()) as { listen: { port: number }; dataDir: string; offline: boolean };
  t.equal(shown.listen.port, 9999);
  t.equal(shown.dataDir, '/srv/data');
  t.equal(shown.offline, true);

  // Flags not given leave the file alone (yargs must not default --offline to false).
  const dir = t.testdir({ 'offline.yaml': 'offline: true\nlisten: { port: 1234 }\nlog: { level: warn }\n' });
  const fromFile = capture({ cwd: dir });
  t.equal(await run(['config', 'show', '-c', 'offline.yaml'], fromFile.io), 0);
  t.match(parse(fromFile.out()), { offline: true, listen: { port: 1234 }, log: { level: 'warn' } });
  t.match(fromFile.out(), `(source: ${join(dir, 'offline.yaml')})`);

  const bad = capture();
  t.equal(await run(['config', 'show', '--port', 'eighty'], bad.io), 2);
  t.match(bad.err(), /--port: expected a whole number from 0 to 65535/);
});

/** A stand-in daemon: a real HTTP server on 127.0.0.1:0, so `serve`'s own logic is what is tested. */
async function fakeStart(seen: LarderConfig[]): Promise<{ start: CliIo['start']; closed: () => boolean }> {
  let closed = false;
  const start = async (config: LarderConfig): Promise<RunningLarder> => {
    seen.push(config);
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((ready) => server.listen(config.listen.port, '127.0.0.1', ready));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      settle: async () => undefined,
      close: () =>
        new Promise<void>((done) =>
          server.close(() => {
            closed = true;
            done();
          }),
        ),
    };
  };
  return { start, closed: () => closed };
}

function captureLogger(): { logger: pino.Logger; lines: () => { msg: string; [key: string]: unknown }[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return {
    logger: pino({ level: 'info', base: undefined }, stream),
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { msg: string }),
  };
}

t.test('serve: starts, logs where it listens, closes on SIGTERM and exits 0', async (t) => {
  const seen: LarderConfig[] = [];
  const daemon = await fakeStart(seen);
  const log = captureLogger();
  const signals = new EventEmitter();
  const c = capture({ start: daemon.start, logger: log.logger, signals, cwd: '/srv' });
  const exit = run(['serve', '--port', '0', '--data-dir', 'cache', '--log-level', 'debug'], c.io);

  while (!log.lines().some((l) => l.msg.startsWith('larder listening'))) await new Promise((r) => setTimeout(r, 10));
  const line = log.lines().find((l) => l.msg.startsWith('larder listening'));
  t.match(line?.msg, /^larder listening on http:\/\/127\.0\.0\.1:\d+ \(config: embedded default, data: \/srv\/cache\)$/);
  t.equal(seen[0]?.listen.port, 0);
  t.equal(seen[0]?.logLevel, 'debug');
  const url = String(line?.url);
  t.equal(await (await fetch(url)).text(), 'ok', 'the server is really up');

  signals.emit('SIGTERM');
  t.equal(await exit, 0);
  t.ok(daemon.closed(), 'close() ran before exit');
  t.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0, 'signal listeners removed');
  t.ok(log.lines().some((l) => l.msg === 'SIGTERM received, closing'));
});

t.test('serve: a start failure exits 1; a bad config exits 2 before starting', async (t) => {
  const signals = new EventEmitter();
  const failing = capture({
    signals,
    logger: captureLogger().logger,
    start: () => Promise.reject(Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:7878'), { code: 'EADDRINUSE' })),
  });
  t.equal(await run(['serve'], failing.io), 1);
  t.equal(failing.err(), 'larder: listen EADDRINUSE: address already in use 127.0.0.1:7878\n');
  t.equal(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM'), 0);

  const dir = t.testdir({ 'bad.yaml': BAD_CONFIG });
  let started = false;
  const bad = capture({ cwd: dir, signals, start: async () => ((started = true), Promise.reject(new Error('unreachable'))) });
  t.equal(await run(['serve', '-c', 'bad.yaml'], bad.io), 2);
  t.notOk(started);
  t.match(bad.err(), /^larder: E_CONFIG_INVALID: invalid configuration \(.*bad\.yaml\): 3 problems\n {2}listen\.port: /);
});

t.test('the bin sets the exit code (one real process)', async (t) => {
  const dir = t.testdir({ 'bad.yaml': BAD_CONFIG });
  // tap's own TypeScript loader, by absolute URL since the child runs in a temp directory.
  const loader = pathToFileURL(join(ROOT, 'node_modules/@tapjs/typescript/dist/esm/import.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, join(ROOT, 'src/main.ts'), 'config', 'check', 'bad.yaml'], {
    cwd: dir,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  t.equal(code, 2);
  t.match(out, 'listen.port: must be from 0 to 65535, got 70000');
});
