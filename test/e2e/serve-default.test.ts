// `larder serve` as a real process on its embedded default config (no config file): it listens,
// answers, and exits 0 on SIGTERM. Nothing here contacts an upstream.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');

t.test('serve with no config file', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'larder-serve-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const loader = pathToFileURL(join(ROOT, 'node_modules/@tapjs/typescript/dist/esm/import.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, join(ROOT, 'src/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: dataDir,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
  });
  const exited = new Promise<number | null>((done) => child.on('close', done));
  let out = '';
  const url = await new Promise<string>((found, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /larder listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) found(match[1]);
    });
    child.on('close', () => fail(new Error(`larder exited before listening:\n${out}`)));
  });
  t.match(out, /config: embedded default/);

  const index = (await (await fetch(`${url}/`)).json()) as { name: string; endpoints: { npm: string[] } };
  t.equal(index.name, 'larder');
  t.ok(index.endpoints.npm.includes(`${url}/npm/default/`), 'the default repository is served');
  const ping = await fetch(`${url}/npm/default/-/ping`);
  t.equal(ping.status, 200);
  await ping.arrayBuffer();
  t.ok((await readdir(dataDir)).includes('records-v1.sqlite'), 'records live in the given data dir');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM: closes and exits 0');
  t.ok(out.split('\n').filter((line) => line.trim() !== '').every((line) => line.startsWith('{')), 'JSON log lines when stdout is not a terminal');
});
