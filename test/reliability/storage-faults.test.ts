// Storage faults (issue 7 §4), against the real daemon run as a child process on a fake npm
// registry: kill -9 during concurrent cold fetches, a blob corrupted on disk, a disk that fills
// mid-write, and a records database that is damaged or cannot be opened. Each case prints
// `observed:` lines for the case table. Random choices (tarball sizes, kill moments) come
// from a seed printed at the start; STORAGE_FAULTS_SEED=N replays a run.
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { LarderProcess, transpileLarder, writeDaemonConfig } from './helpers/storage-daemon.js';
import { rlimitFault, tmpfsFault, type DiskFault } from './helpers/storage-disk.js';
import { BLOB_DIR, RECORD_FILE, blobFile, errorBody, fetchBytes, isWrongComplete200, larderVerify, sri512, summary, tmpEntries, type Fetched } from './helpers/storage-probes.js';
import { startThrottlingProxy } from './helpers/storage-throttle.js';

const SEED = Number(process.env.STORAGE_FAULTS_SEED ?? Date.now() % 2 ** 31);
t.comment(`seed ${SEED} (STORAGE_FAULTS_SEED=${SEED} replays it)`);
const main = await transpileLarder((fn) => t.teardown(fn));

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cleanups run last-in first-out in one teardown: the daemon stops before its data dir goes. */
function cleanups(t: Test): (fn: () => unknown) => void {
  const fns: Array<() => unknown> = [];
  t.teardown(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return (fn) => void fns.push(fn);
}

async function workDir(later: (fn: () => unknown) => void, prefix: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  later(() => rm(work, { recursive: true, force: true }));
  return work;
}

const tarballOf = (base: string, name: string): string => `${base}/npm/default/${name}/-/${name}-1.0.0.tgz`;

/** Polls `check` every 20 ms for up to `ms`; its last answer. */
async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

/** A served tarball that is right: a complete 200 with the upstream's exact bytes. */
function isRight(res: Fetched, integrity: string | undefined): boolean {
  return res.status === 200 && res.complete && sri512(res.body) === integrity;
}

t.test('kill -9 during 50 concurrent cold fetches, 20 times, then restart', async (t) => {
  const ROUNDS = 20;
  const CONCURRENT = 50;
  const random = seeded(SEED);
  const later = cleanups(t);
  const work = await workDir(later, 'larder-kill9-');
  const dataDir = join(work, 'data');
  let proxyBase = '';
  // Tarballs are fetched through the throttling proxy, from the same origin as the packuments.
  const registry = await startFakeNpmRegistry({ tarballUrl: (url) => new URL(new URL(url).pathname.slice(1), proxyBase).href });
  later(() => registry.stop());
  // During the cold fetches, tarballs of pkg10…pkg49 go out 32 KiB every 10 ms (a 256–512 KiB one
  // takes 80–160 ms), so the kill finds their writes in flight; pkg0…pkg9 go at full speed, so
  // some are retained before the kill and come back as hits. After the kill nothing is throttled.
  let throttling = true;
  const proxy = await startThrottlingProxy({
    target: registry.url,
    chunkBytes: 32 * 1024,
    intervalMs: 10,
    throttled: (path) => throttling && path.endsWith('.tgz') && !/-pkg\d-1\.0\.0\.tgz$/.test(path),
  });
  later(() => proxy.stop());
  proxyBase = proxy.url;
  const config = await writeDaemonConfig(work, { dataDir, npmUpstream: proxy.url });
  let daemon = LarderProcess.spawn({ main, config });
  later(() => daemon.kill('SIGKILL'));
  const first = await daemon.ready();
  const firstReadyMs = first.readyMs;
  let url = first.url;

  const expected = new Map<string, string>();
  const readyMs: number[] = [];
  const leftovers: number[] = [];
  const inFlightAtKill: number[] = [];
  const sweptPerRestart: number[] = [];
  let wrongTotal = 0;
  let hits = 0;
  let misses = 0;
  let completeBeforeKill = 0;
  for (let round = 1; round <= ROUNDS; round += 1) {
    const names = Array.from({ length: CONCURRENT }, (_, i) => `kill${round}-pkg${i}`);
    for (const name of names) registry.addPackage({ name, versions: { '1.0.0': { tarballSize: 256 * 1024 + Math.floor(random() * 256 * 1024) } } });
    // Built here, all at once (gzip runs on the thread pool), rather than one by one as larder asks.
    const built = await Promise.all(names.map((name) => registry.tarball(name, '1.0.0')));
    names.forEach((name, i) => expected.set(name, built[i]?.integrity ?? ''));
    proxy.rearm();
    throttling = true;
    const cold = names.map((name) => fetchBytes(tarballOf(url, name)));
    const started = await Promise.race([proxy.firstByte().then(() => true), sleep(15_000, false, { ref: false })]);
    t.ok(started, `round ${round}: tarball bodies are streaming`);
    await sleep(20 + Math.floor(random() * 280));
    inFlightAtKill.push(proxy.active);
    await daemon.kill('SIGKILL');
    leftovers.push((await tmpEntries(dataDir)).length);
    throttling = false;
    const answered = await Promise.all(cold);
    completeBeforeKill += answered.filter((res, i) => isRight(res, expected.get(names[i] ?? ''))).length;
    const wrong = names.filter((name, i) => isWrongComplete200(answered[i] as Fetched, expected.get(name) ?? ''));
    wrongTotal += wrong.length;
    t.same(wrong, [], `round ${round}: no client got a complete 200 with wrong bytes as the daemon died`);

    daemon = LarderProcess.spawn({ main, config });
    const ready = await daemon.ready();
    url = ready.url;
    readyMs.push(ready.readyMs);
    t.ok(ready.readyMs < 5000, `round ${round}: ready ${ready.readyMs} ms after a kill -9 (< 5000)`);
    t.same(await tmpEntries(dataDir), [], `round ${round}: ${BLOB_DIR}/tmp is empty after the restart`);
    const swept = Number(/removed (\d+) leftovers/.exec(daemon.stdout)?.[1] ?? 0);
    sweptPerRestart.push(swept);
    t.equal(swept, leftovers.at(-1), `round ${round}: the restart swept the ${leftovers.at(-1)} leftovers the kill left`);

    const after = await Promise.all(names.map((name) => fetchBytes(tarballOf(url, name))));
    const bad = names.flatMap((name, i) => {
      const res = after[i] as Fetched;
      const cache = res.headers['x-cache'];
      if (cache === 'hit') hits += 1;
      if (cache === 'miss') misses += 1;
      return isRight(res, expected.get(name)) && (cache === 'hit' || cache === 'miss') ? [] : [`${name}: ${summary(res)}`];
    });
    wrongTotal += bad.length;
    t.same(bad, [], `round ${round}: all ${CONCURRENT} tarballs byte-identical to upstream after the restart (hit or refetched miss)`);
    // Versions retained in earlier rounds survive this round's kill, though upstream has forgotten them.
    const older = [...expected.keys()].filter((name) => !names.includes(name));
    const sample = Array.from({ length: Math.min(5, older.length) }, () => older[Math.floor(random() * older.length)] ?? '');
    const olderBad: string[] = [];
    for (const name of sample) {
      const res = await fetchBytes(tarballOf(url, name));
      if (!isRight(res, expected.get(name)) || res.headers['x-cache'] !== 'hit') olderBad.push(`${name}: ${summary(res)}`);
    }
    wrongTotal += olderBad.length;
    t.same(olderBad, [], `round ${round}: versions retained in earlier rounds still serve as hits`);
    for (const name of names) registry.removePackage(name); // upstream forgets them; frees the fake's memory
  }

  const stopped = await daemon.kill('SIGTERM');
  t.equal(stopped.code, 0, 'the last daemon stops cleanly on SIGTERM');
  const verify = await larderVerify(dataDir);
  t.equal(verify.code, 0, `larder verify exits 0\n${verify.out}${verify.err}`);
  t.match(verify.out, new RegExp(`^${expected.size} blobs .* checked: 0 corrupt; \\d+ retained versions: 0 assets missing$`, 'm'), 'every blob verifies; every retained asset is present');
  const max = Math.max(...readyMs);
  t.comment(`observed: first start ready in ${firstReadyMs} ms; after each kill -9 ready in ${readyMs.join(', ')} ms (max ${max})`);
  t.comment(`observed: bodies in flight at each kill: ${inFlightAtKill.join(', ')}; tmp leftovers per kill: ${leftovers.join(', ')}; swept at restart: ${sweptPerRestart.join(', ')}`);
  t.comment(`observed: ${completeBeforeKill} of ${ROUNDS * CONCURRENT} cold fetches completed before their kill; after restarts ${hits} hits, ${misses} refetched misses; ${wrongTotal} wrong or broken`);
  t.comment(`observed: verify: ${verify.out.trim().split('\n').at(-1) ?? ''}`);
  t.ok(leftovers.some((count) => count > 0), 'at least one kill interrupted store writes (else this case proves nothing about the sweep)');
});

/** Flips one bit in the middle of a file, in place (same inode, same size). */
async function flipBit(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, Math.floor(size / 2));
    byte[0] = (byte[0] ?? 0) ^ 0x10;
    await handle.write(byte, 0, 1, Math.floor(size / 2));
  } finally {
    await handle.close();
  }
}

t.test('a corrupted blob is caught while serving, evicted, and refetched', async (t) => {
  const later = cleanups(t);
  const work = await workDir(later, 'larder-corrupt-');
  const dataDir = join(work, 'data');
  const registry = await startFakeNpmRegistry({
    packages: [
      // Bigger than one 256 KiB read chunk: some bytes reach the client before the digest fails.
      { name: 'flipped', versions: { '1.0.0': { tarballSize: 600 * 1024 } } },
      { name: 'truncated', versions: { '1.0.0': { tarballSize: 100 * 1024 } } },
    ],
  });
  later(() => registry.stop());
  const daemon = LarderProcess.spawn({ main, config: await writeDaemonConfig(work, { dataDir, npmUpstream: registry.url }) });
  later(() => daemon.kill('SIGKILL'));
  const { url } = await daemon.ready();

  /** Retains `name`, reads it once as a hit (so larder has verified that file), then damages it. */
  const retainThenDamage = async (t: Test, name: string, damage: (file: string) => Promise<void>): Promise<{ integrity: string; file: string }> => {
    const { integrity } = await registry.tarball(name, '1.0.0');
    const miss = await fetchBytes(tarballOf(url, name));
    t.ok(isRight(miss, integrity) && miss.headers['x-cache'] === 'miss', `retained: ${summary(miss)}`);
    // The response can end before the fill has recorded the version: ask until it is a hit, so
    // larder has read (and verified) the stored file once before it is damaged.
    let hit = miss;
    const served = await eventually(async () => {
      hit = await fetchBytes(tarballOf(url, name));
      return hit.headers['x-cache'] === 'hit';
    });
    t.ok(served && isRight(hit, integrity), `served from the store: ${summary(hit)}`);
    const file = blobFile(dataDir, integrity);
    t.ok(existsSync(file), `its content file is ${file}`);
    await damage(file);
    return { integrity, file };
  };

  const brokenNotWrong = async (t: Test, name: string, integrity: string, file: string): Promise<void> => {
    const res = await fetchBytes(tarballOf(url, name));
    t.notOk(isWrongComplete200(res, integrity), `no complete 200 with the damaged bytes (${summary(res)})`);
    t.notOk(res.status === 200 && res.complete, 'the response is broken or an error status');
    t.ok(await eventually(() => !existsSync(file)), 'the corrupt blob is evicted');
    t.comment(`observed: ${name}: request after the damage → ${summary(res)}; content file evicted: ${!existsSync(file)}`);
  };

  await t.test('bit flip, upstream up: broken response, evicted, refetched', async (t) => {
    const { integrity, file } = await retainThenDamage(t, 'flipped', flipBit);
    await brokenNotWrong(t, 'flipped', integrity, file);
    const before = registry.count('/flipped/-/');
    const again = await fetchBytes(tarballOf(url, 'flipped'));
    t.ok(isRight(again, integrity), `the next request is served right: ${summary(again)}`);
    t.equal(again.headers['x-cache'], 'miss', 'as a miss refetched from upstream');
    t.equal(registry.count('/flipped/-/') - before, 1, 'one upstream fetch');
    t.ok(await eventually(() => existsSync(file)), 'the refetched blob is stored again');
    const hit = await fetchBytes(tarballOf(url, 'flipped'));
    t.ok(isRight(hit, integrity) && hit.headers['x-cache'] === 'hit', `then a hit again: ${summary(hit)}`);
    t.comment(`observed: flipped: refetch → ${summary(again)}, then ${summary(hit)}`);
  });

  await t.test('truncation, upstream down: broken response, evicted, then an error status naming the problem', async (t) => {
    const { integrity, file } = await retainThenDamage(t, 'truncated', async (path) => truncate(path, Math.floor((await stat(path)).size / 2)));
    await registry.stop();
    await brokenNotWrong(t, 'truncated', integrity, file);
    const down = await fetchBytes(tarballOf(url, 'truncated'));
    const body = errorBody(down);
    t.ok([502, 503, 504].includes(down.status), `an upstream error status, got ${summary(down)}`);
    t.type(body?.error, 'string', 'a JSON error body');
    t.match(String(body?.error), /truncated@1\.0\.0/, 'naming the version');
    t.match(String(body?.error), /unreachable|refused|ECONNREFUSED/i, 'and that the upstream cannot be reached');
    t.match(String(body?.error), /stored copy .* was damaged or removed/, 'and that the stored copy was bad and discarded');
    t.comment(`observed: upstream down after the eviction → ${down.status} ${String(body?.code)}: ${String(body?.error)}`);
    await registry.start();
    const back = await fetchBytes(tarballOf(url, 'truncated'));
    t.ok(isRight(back, integrity) && back.headers['x-cache'] === 'miss', `upstream back: refetched right (${summary(back)})`);
  });
});

/** The disk-full steps, on whichever real fault the machine allows. */
async function diskFull(t: Test, fault: DiskFault): Promise<void> {
  const ROOM = 512 * 1024;
  const later = cleanups(t);
  const work = await workDir(later, 'larder-diskfull-cfg-');
  const small = ['small-a', 'small-b', 'small-c'];
  const registry = await startFakeNpmRegistry({
    packages: [...small.map((name) => ({ name, versions: { '1.0.0': { tarballSize: 20 * 1024 } } })), { name: 'big', versions: { '1.0.0': { tarballSize: 1536 * 1024 } } }],
  });
  later(() => registry.stop());
  const daemon = LarderProcess.spawn({ main, config: await writeDaemonConfig(work, { dataDir: fault.dataDir, npmUpstream: registry.url }) });
  later(() => daemon.kill('SIGKILL'));
  const { url } = await daemon.ready();
  const pid = daemon.pid ?? 0;
  const integrity = new Map<string, string>();
  for (const name of [...small, 'big']) integrity.set(name, (await registry.tarball(name, '1.0.0')).integrity);

  for (const name of small) {
    const res = await fetchBytes(tarballOf(url, name));
    t.ok(isRight(res, integrity.get(name)), `${name} retained before the disk fills: ${summary(res)}`);
  }
  // The packument is cached first, so the one write that meets the full disk is the tarball's blob.
  t.equal((await fetchBytes(`${url}/npm/default/big`)).status, 200, 'the big package\'s packument is cached');
  await fault.exhaust(pid, ROOM);

  const full = await fetchBytes(tarballOf(url, 'big'));
  t.ok(await eventually(() => !daemon.running, 300).then((dead) => !dead), `the daemon survives the failed write\n${daemon.output}`);
  t.notOk(isWrongComplete200(full, integrity.get('big') ?? ''), `no complete 200 with wrong bytes (${summary(full)})`);
  t.ok(full.status !== 200 || full.complete, 'no 200 with a truncated body');
  t.ok(full.status === 200 || full.status >= 500, 'a complete 200 with the right bytes, or an error status');
  t.ok(await eventually(async () => (await tmpEntries(fault.dataDir)).length === 0), 'no half-written tmp file is left');
  t.notOk(existsSync(blobFile(fault.dataDir, integrity.get('big') ?? '')), 'nothing of the big tarball is committed');
  const storeErrors = daemon.stdout.split('\n').filter((line) => /store write failed/.test(line));
  t.ok(storeErrors.length > 0, 'the daemon logged the failed store write');
  for (const name of small) {
    const res = await fetchBytes(tarballOf(url, name));
    t.ok(isRight(res, integrity.get(name)) && res.headers['x-cache'] === 'hit', `${name} still serves while the disk is full: ${summary(res)}`);
  }
  t.comment(`observed (${fault.kind}): big tarball with the disk full → ${summary(full)}; log: ${(/"err":"([^"]*)"/.exec(storeErrors[0] ?? '')?.[1] ?? 'none').slice(0, 200)}`);

  await fault.restore(pid);
  const verify = await larderVerify(fault.dataDir);
  t.equal(verify.code, 0, `larder verify exits 0 after the failed write\n${verify.out}${verify.err}`);
  t.match(verify.out, new RegExp(`^${small.length} blobs .* checked: 0 corrupt;`, 'm'), 'only the small blobs are stored, none corrupt');
  const resumed = await fetchBytes(tarballOf(url, 'big'));
  t.ok(isRight(resumed, integrity.get('big')), `space back: the same request succeeds (${summary(resumed)})`);
  t.ok(await eventually(() => existsSync(blobFile(fault.dataDir, integrity.get('big') ?? ''))), 'and the big tarball is retained');
  const hit = await fetchBytes(tarballOf(url, 'big'));
  t.ok(isRight(hit, integrity.get('big')) && hit.headers['x-cache'] === 'hit', `then served from the store: ${summary(hit)}`);
  t.comment(`observed (${fault.kind}): after space returns → ${summary(resumed)}, then ${summary(hit)}`);
  t.equal((await daemon.kill('SIGTERM')).code, 0, 'the daemon stops cleanly');
}

t.test('disk full mid-write', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'larder-diskfull-'));
  // LARDER_TEST_DISK_FAULT=rlimit exercises the fallback on a machine that could mount a tmpfs.
  const tmpfs = process.env.LARDER_TEST_DISK_FAULT === 'rlimit' ? { unavailable: 'LARDER_TEST_DISK_FAULT=rlimit' } : await tmpfsFault(join(work, 'tmpfs'), 3 * 1024 * 1024);
  const rlimit = 'unavailable' in tmpfs ? await rlimitFault(join(work, 'rlimit')) : { unavailable: 'the tmpfs case ran' };
  t.teardown(async () => {
    if ('release' in tmpfs) await tmpfs.release();
    await rm(work, { recursive: true, force: true });
  });
  const run = (fault: DiskFault | { unavailable: string }) => async (t: Test) => {
    if ('unavailable' in fault) throw new Error('unreachable: a skipped test ran');
    t.comment(`disk fault: ${fault.description}`);
    await diskFull(t, fault);
  };
  await t.test('on a 3 MiB tmpfs (ENOSPC)', { skip: 'unavailable' in tmpfs ? `no tmpfs: ${tmpfs.unavailable}` : false }, run(tmpfs));
  await t.test('RLIMIT_FSIZE on the daemon (EFBIG): the closest real fault without a tmpfs', { skip: 'unavailable' in rlimit ? rlimit.unavailable : false }, run(rlimit));
});

interface RecordsFault {
  name: string;
  /** Damages `dataDir`; returns the path the error message must name. */
  prepare: (dataDir: string, work: string) => Promise<string>;
  /** Run the daemon as another user (a permission fault root would not feel). */
  asOtherUser?: boolean;
}

const recordsPath = (dataDir: string): string => join(dataDir, RECORD_FILE);
const isRoot = process.getuid?.() === 0;

const RECORDS_FAULTS: RecordsFault[] = [
  {
    name: 'random bytes in records-v1.sqlite',
    prepare: async (dataDir) => {
      await writeFile(recordsPath(dataDir), randomBytes(64 * 1024));
      return recordsPath(dataDir);
    },
  },
  {
    name: 'a directory where records-v1.sqlite should be',
    prepare: async (dataDir) => {
      await mkdir(recordsPath(dataDir));
      await writeFile(join(recordsPath(dataDir), 'not-a-database'), 'x');
      return recordsPath(dataDir);
    },
  },
  {
    name: `a read-only data dir${isRoot ? ' (the daemon runs as uid 65534: root ignores permissions)' : ''}`,
    asOtherUser: isRoot,
    prepare: async (dataDir, work) => {
      await chmod(work, 0o755);
      await chmod(dataDir, 0o555);
      return dataDir;
    },
  },
];

async function snapshot(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return 'absent';
  return info.isDirectory() ? 'a directory' : sri512(await readFile(path));
}

t.test('records database corrupt or unopenable: a loud exit, never silent misses', async (t) => {
  for (const fault of RECORDS_FAULTS) {
    await t.test(fault.name, async (t) => {
      const later = cleanups(t);
      const work = await workDir(later, 'larder-records-');
      const dataDir = join(work, 'data');
      await mkdir(dataDir);
      later(() => chmod(dataDir, 0o755)); // so the work dir can be removed
      const named = await fault.prepare(dataDir, work);
      const before = await snapshot(recordsPath(dataDir));
      const config = await writeDaemonConfig(work, { dataDir, npmUpstream: 'http://127.0.0.1:9/' });
      const daemon = LarderProcess.spawn({ main, config, ...(fault.asOtherUser ? { user: { uid: 65534, gid: 65534 } } : {}) });
      later(() => daemon.kill('SIGKILL'));
      const exit = await daemon.exitWithin(20_000);
      t.notOk(exit.timedOut, `the daemon exits by itself\n${daemon.output}`);
      t.ok(exit.code !== 0 && exit.code !== null, `with a non-zero code (got ${String(exit.code)} ${String(exit.signal)})`);
      t.notMatch(daemon.stdout, /larder listening/, 'it never starts serving');
      const message = daemon.stderr.trim();
      t.ok(message.includes(named), `the message names ${named}:\n${message}`);
      t.match(message, /--data-dir|move it aside|writable/i, 'and says what to do');
      t.notMatch(message, /^\s+at /m, 'a message, not a stack trace');
      t.equal(await snapshot(recordsPath(dataDir)), before, 'the records file is left as it was (not replaced by an empty one)');
      t.notOk(existsSync(join(dataDir, 'daemon.lock')), 'the data dir lock is released');
      t.comment(`observed: ${fault.name} → exit ${String(exit.code)}; stderr: ${message.split('\n')[0] ?? ''}`);
    });
  }

  await t.test('pages of a populated records-v1.sqlite overwritten with random bytes', async (t) => {
    const later = cleanups(t);
    const work = await workDir(later, 'larder-records-');
    const dataDir = join(work, 'data');
    const registry = await startFakeNpmRegistry({ packages: [{ name: 'kept', versions: { '1.0.0': {} } }] });
    later(() => registry.stop());
    const config = await writeDaemonConfig(work, { dataDir, npmUpstream: registry.url });
    const first = LarderProcess.spawn({ main, config });
    later(() => first.kill('SIGKILL'));
    const { integrity } = await registry.tarball('kept', '1.0.0');
    const retained = await fetchBytes(tarballOf((await first.ready()).url, 'kept'));
    t.ok(isRight(retained, integrity), `kept@1.0.0 retained: ${summary(retained)}`);
    t.equal((await first.kill('SIGTERM')).code, 0, 'stopped cleanly (the WAL is checkpointed into the file)');
    const file = recordsPath(dataDir);
    const size = (await stat(file)).size;
    const handle = await open(file, 'r+');
    await handle.write(randomBytes(size - 4096), 0, size - 4096, 4096); // every page after the header page
    await handle.close();

    const daemon = LarderProcess.spawn({ main, config });
    later(() => daemon.kill('SIGKILL'));
    const started = await daemon.ready(10_000).then(
      (ready) => ready.url,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (!started.startsWith('http://')) {
      t.ok((await daemon.exited).code !== 0, 'the daemon refused to start');
      t.ok(daemon.stderr.includes(file), `naming the records file:\n${daemon.stderr}`);
      t.comment(`observed: corrupt pages → refused to start: ${daemon.stderr.trim().split('\n')[0] ?? ''}`);
      return;
    }
    // It started: then the damage must show on the first request that needs the records,
    // as an E_STORE error naming the file — never a silent miss refetched or reported as not retained.
    const before = registry.count('/kept/-/');
    const res = await fetchBytes(tarballOf(started, 'kept'));
    const body = errorBody(res);
    t.equal(res.status, 500, `the retained version answers 500, not a silent miss (${summary(res)})`);
    t.equal(body?.code, 'E_STORE', 'code E_STORE');
    t.match(String(body?.error), file, 'naming the records file');
    t.equal(registry.count('/kept/-/'), before, 'nothing refetched from upstream as if it were not retained');
    t.comment(`observed: corrupt pages → the daemon starts; retained tarball → ${res.status} ${String(body?.code)}: ${String(body?.error).slice(0, 200)}`);
  });
});
