// One daemon per data dir (issue 7 §4): a live holder refuses a second daemon, a dead one's lock
// is taken over even when its pid was reused, and the tmp leftovers of a killed daemon are swept.
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import t, { type Test } from 'tap';
import { isLarderError } from '../../src/errors.js';
import { LOCK_FILE, lockDataDir } from '../../src/store/data-dir-lock.js';
import { startTestLarder } from '../helpers/larder.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LOADER = join(ROOT, 'node_modules', '@tapjs', 'typescript', 'dist', 'esm', 'import.mjs');

/** Takes the lock in another process and keeps it until that process is killed. */
async function holdInChild(t: Test, dir: string): Promise<number> {
  const script = `import { lockDataDir } from ${JSON.stringify(join(ROOT, 'src/store/data-dir-lock.ts'))}; await lockDataDir(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', LOADER, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  await new Promise<void>((resolveHeld, reject) => {
    child.stdout.on('data', (chunk: Buffer) => (chunk.toString().includes('held') ? resolveHeld() : undefined));
    child.on('exit', (code) => reject(new Error(`the holder exited early (${code})`)));
  });
  return child.pid ?? 0;
}

t.test('a live holder in another process refuses the lock, naming its pid', async (t) => {
  const dir = t.testdir();
  const pid = await holdInChild(t, dir);
  const error = await lockDataDir(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.ok(isLarderError(error, 'E_LISTEN'), 'refused');
  t.match((error as Error).message, new RegExp(`another larder \\(pid ${pid}\\) is serving the data directory`));
});

t.test('a copy of a held data dir (a CI cache restored) is not held by the daemon still on the original', async (t) => {
  const dir = t.testdir({ original: {}, restored: {} });
  const original = join(dir, 'original');
  await holdInChild(t, original);
  // What actions/cache does: the files, lock included, land in another directory.
  await writeFile(join(dir, 'restored', LOCK_FILE), await readFile(join(original, LOCK_FILE)));
  const lock = await lockDataDir(join(dir, 'restored'));
  t.pass('the restored copy is taken while the original daemon still runs');
  await lock.release();
  const refused = await lockDataDir(original).then(
    () => false,
    (error: unknown) => isLarderError(error, 'E_LISTEN'),
  );
  t.ok(refused, 'the original stays held');
});

t.test('a lock whose holder died is taken over, and release removes it', async (t) => {
  const dir = t.testdir();
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ boot: 'x', pid: 2 ** 22 + 12345, started: '1' }));
  const lock = await lockDataDir(dir);
  const held = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { pid: number };
  t.equal(held.pid, process.pid, 'the lock now names this process');
  await lock.release();
  t.same(await readdir(dir), [], 'released: no lock file');
});

t.test('a reused pid (alive, but started at another time) does not hold the lock', async (t) => {
  const dir = t.testdir();
  // The test runner's parent is alive; it did not take this lock.
  await writeFile(join(dir, LOCK_FILE), JSON.stringify({ boot: 'another boot', pid: process.ppid, started: '1' }));
  const lock = await lockDataDir(dir);
  t.pass('taken over');
  await lock.release();
  await writeFile(join(dir, LOCK_FILE), 'not json at all');
  await (await lockDataDir(dir)).release();
  t.pass('a torn lock file is stale too');
});

t.test('the daemon sweeps the tmp leftovers of writes a killed daemon left', async (t) => {
  const dataDir = t.testdir();
  await mkdir(join(dataDir, 'blobs-v1', 'tmp'), { recursive: true });
  await writeFile(join(dataDir, 'blobs-v1', 'tmp', 'abc123'), 'half a tarball');
  const larder = await startTestLarder({ npmUpstream: 'http://127.0.0.1:9/', dataDir });
  t.teardown(() => larder.stop());
  t.same(await readdir(join(dataDir, 'blobs-v1', 'tmp')), [], 'swept at start');
  t.ok(larder.logs.some((line) => String(line.msg).includes('removed 1 leftovers')), 'and said so');
  t.ok((await readdir(dataDir)).includes(LOCK_FILE), 'the running daemon holds the lock');
});
