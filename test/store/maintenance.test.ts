/**
 * verifyStore and collectGarbage (issue 7 §6) on a real cacache blob store and a real sqlite
 * record store in a temp dir: blobs are written through the store, damaged or aged on disk the
 * way a disk or a crash would, and the reports checked against what is really left.
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Format, RetainedVersion } from '../../src/domain/types.js';
import { CacacheBlobStore } from '../../src/store/blob-store.js';
import { contentPath } from '../../src/store/cacache-layout.js';
import { collectGarbage, verifyStore, type MaintenanceDeps } from '../../src/store/maintenance.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import { RetentionRecords } from '../../src/store/records.js';
import { contentFiles, drain, sri, writeBlob } from './blob-helpers.js';

interface Fixture {
  blobDir: string;
  blobs: CacacheBlobStore;
  retention: RetentionRecords;
  deps: (onProgress?: MaintenanceDeps['onProgress']) => MaintenanceDeps;
  /** Writes a blob through the store; returns its integrity and the path cacache put it at. */
  put: (body: Buffer, algorithm?: string) => Promise<{ integrity: string; path: string; body: Buffer }>;
  retain: (repository: string, pkg: string, version: string, assets: Array<{ integrity: string; size: number }>, format?: Format) => Promise<void>;
}

async function fixture(t: Test): Promise<Fixture> {
  const dir = t.testdir();
  const blobDir = join(dir, 'blobs-v1');
  const blobs = new CacacheBlobStore(blobDir);
  const records = await SqliteRecordStore.open(join(dir, 'records-v1.sqlite'));
  t.teardown(async () => {
    await blobs.close();
    await records.close();
  });
  const retention = new RetentionRecords(records);
  return {
    blobDir,
    blobs,
    retention,
    deps: (onProgress) => ({ blobDir, blobs, retention, ...(onProgress ? { onProgress } : {}) }),
    put: async (body, algorithm = 'sha512') => {
      const integrity = sri(body, algorithm);
      await writeBlob(blobs, { integrity, size: body.length }, body);
      const path = contentPath(blobDir, integrity);
      await chmod(path, 0o644); // cacache may leave content read-only; the tests damage it in place
      return { integrity, path, body };
    },
    retain: (repository, pkg, version, assets, format = 'npm') => {
      const retained: RetainedVersion = {
        format,
        package: pkg,
        version,
        status: 'Published',
        revision: `rev-${version}`,
        assets: assets.map((asset, index) => ({ name: `${pkg}-${version}-${index}.tgz`, integrity: asset.integrity, size: asset.size })),
        manifest: {},
        origin: { repository },
        retainedAt: '2026-01-01T00:00:00.000Z',
      };
      return retention.retain(repository, retained);
    },
  };
}

const HOUR = 3600_000;

async function age(path: string, ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  await utimes(path, when, when);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

t.test('a clean store: every blob and version counted, nothing corrupt or missing', async (t) => {
  const f = await fixture(t);
  const a = await f.put(randomBytes(1000));
  const b = await f.put(randomBytes(70_000));
  const c = await f.put(randomBytes(3), 'sha1');
  await f.retain('team', 'left-pad', '1.0.0', [{ integrity: a.integrity, size: 1000 }, { integrity: b.integrity, size: 70_000 }]);
  await f.retain('npm-store', 'left-pad', '1.0.0', [{ integrity: a.integrity, size: 1000 }]);
  await f.retain('team', 'lib', '2.0', [{ integrity: c.integrity, size: 3 }], 'maven');
  const report = await verifyStore(f.deps(), false);
  t.same(report, { blobs: 3, bytes: 71_003, corrupt: [], versions: 3, missing: [] });
  t.same(await verifyStore(f.deps(), true), report, '--repair on a clean store changes nothing');
  t.equal((await contentFiles(f.blobDir)).length, 3);
});

t.test('bit-flipped and truncated blobs: reported with their actual digest, evicted only with repair', async (t) => {
  const f = await fixture(t);
  const flipped = await f.put(randomBytes(50_000));
  const truncated = await f.put(randomBytes(40_000));
  const good = await f.put(randomBytes(30_000));
  await f.retain('team', 'dep', '1.0.0', [flipped, truncated, good].map((blob) => ({ integrity: blob.integrity, size: blob.body.length })));

  const handle = await open(flipped.path, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, 12_345);
  byte[0] = (byte[0] ?? 0) ^ 0x04;
  await handle.write(byte, 0, 1, 12_345);
  await handle.close();
  await truncate(truncated.path, 39_999);
  const actualFlipped = sri(await readFile(flipped.path));
  const actualTruncated = sri(await readFile(truncated.path));

  const byIntegrity = (a: { integrity: string }, b: { integrity: string }): number => a.integrity.localeCompare(b.integrity);
  const expected = (evicted: boolean): Array<{ integrity: string; actual: string; path: string; evicted: boolean }> =>
    [
      { integrity: flipped.integrity, actual: actualFlipped, path: flipped.path, evicted },
      { integrity: truncated.integrity, actual: actualTruncated, path: truncated.path, evicted },
    ].sort(byIntegrity);

  const checked = await verifyStore(f.deps(), false);
  t.same([...checked.corrupt].sort(byIntegrity), expected(false), 'both named, with the digest their bytes really have');
  t.equal(checked.blobs, 3);
  t.equal(checked.bytes, 50_000 + 39_999 + 30_000);
  t.same(checked.missing.map((m) => m.integrity).sort(), [flipped.integrity, truncated.integrity].sort(), 'assets whose only blob is corrupt are not really there');
  t.ok(await exists(flipped.path), 'without repair nothing is removed');
  t.ok(await exists(truncated.path));
  t.ok(await f.blobs.has(flipped.integrity));

  const repaired = await verifyStore(f.deps(), true);
  t.same([...repaired.corrupt].sort(byIntegrity), expected(true));
  t.equal(await f.blobs.has(flipped.integrity), null, 'the flipped blob is evicted');
  t.equal(await f.blobs.has(truncated.integrity), null, 'the truncated blob is evicted');
  t.same(await f.blobs.has(good.integrity), { integrity: good.integrity, size: 30_000 }, 'the good one stays');
  const read = await drain((await f.blobs.read(good.integrity))!.stream);
  t.ok(read.ended && read.data.equals(good.body), 'and still reads back whole');

  const after = await verifyStore(f.deps(), false);
  t.same(after.corrupt, []);
  t.equal(after.blobs, 1);
  t.equal(after.missing.length, 2, 'the evicted assets are now simply missing (fetched again on demand)');
});

t.test('a record whose blob was deleted is reported missing with its coordinates', async (t) => {
  const f = await fixture(t);
  const kept = await f.put(randomBytes(100));
  const gone = await f.put(randomBytes(200));
  await f.retain('team', '@acme/util', '1.2.3', [{ integrity: kept.integrity, size: 100 }, { integrity: gone.integrity, size: 200 }]);
  await f.retain('pypi-store', 'requests', '2.31.0', [{ integrity: gone.integrity, size: 200 }], 'pypi');
  await rm(gone.path);
  const report = await verifyStore(f.deps(), false);
  t.same(report.corrupt, []);
  t.equal(report.blobs, 1);
  t.equal(report.versions, 2);
  t.same(
    [...report.missing].sort((a, b) => a.repository.localeCompare(b.repository)),
    [
      { repository: 'pypi-store', format: 'pypi', package: 'requests', version: '2.31.0', asset: 'requests-2.31.0-0.tgz', integrity: gone.integrity },
      { repository: 'team', format: 'npm', package: '@acme/util', version: '1.2.3', asset: '@acme/util-1.2.3-1.tgz', integrity: gone.integrity },
    ],
  );
});

t.test('onProgress: done grows one blob at a time up to the totals', async (t) => {
  const f = await fixture(t);
  const sizes = [10, 20_000, 300, 4096];
  for (const size of sizes) await f.put(randomBytes(size));
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  for (const run of ['verify', 'gc'] as const) {
    const calls: Array<{ done: { items: number; bytes: number }; total: { items: number; bytes: number } }> = [];
    // Copies: the callback may be handed the same objects each time.
    const deps = f.deps((done, total) => calls.push({ done: { ...done }, total: { ...total } }));
    if (run === 'verify') await verifyStore(deps, false);
    else await collectGarbage(deps, { graceMs: HOUR, dryRun: true });
    t.equal(calls.length, sizes.length, `${run}: one call per blob`);
    t.same(calls.map((call) => call.done.items), [1, 2, 3, 4], `${run}: items grow by one`);
    t.ok(calls.every((call, i) => i === 0 || call.done.bytes > (calls[i - 1]?.done.bytes ?? Infinity)), `${run}: bytes grow`);
    t.ok(calls.every((call) => call.total.items === 4 && call.total.bytes === totalBytes), `${run}: totals are right from the first call`);
    t.same(calls.at(-1)?.done, { items: 4, bytes: totalBytes }, `${run}: ends at the totals`);
  }
});

t.test('gc removes only unreferenced blobs older than the grace period, and old writer leftovers', async (t) => {
  const f = await fixture(t);
  const referenced = await f.put(randomBytes(500));
  const multiHash = await f.put(randomBytes(600));
  const orphan = await f.put(randomBytes(700));
  const young = await f.put(randomBytes(800));
  await f.retain('team', 'dep', '1.0.0', [{ integrity: referenced.integrity, size: 500 }]);
  // An npm-style record with two hashes (and no padding): the strongest one names the blob.
  await f.retain('team', 'dep', '1.1.0', [{ integrity: `${sri(multiHash.body, 'sha1')} ${multiHash.integrity.replace(/=+$/, '')}`, size: 600 }]);
  for (const blob of [referenced, multiHash, orphan]) await age(blob.path, 2 * HOUR);
  await age(young.path, 10 * 60_000);
  const tmp = join(f.blobDir, 'tmp');
  await mkdir(join(tmp, 'old-dir'), { recursive: true });
  await writeFile(join(tmp, 'old-file'), 'half a blob');
  await writeFile(join(tmp, 'new-file'), 'a write in flight');
  await age(join(tmp, 'old-file'), 2 * HOUR);
  await age(join(tmp, 'old-dir'), 2 * HOUR);
  const now = Date.now();
  const expected = { blobs: 4, removed: 1, bytesFreed: 700, young: 1, tmpRemoved: 2 };

  const dry = await collectGarbage(f.deps(), { graceMs: HOUR, dryRun: true, now });
  t.same(dry, expected, 'dry run counts what it would do');
  t.equal((await contentFiles(f.blobDir)).length, 4, 'dry run removes no blob');
  t.ok(await exists(join(tmp, 'old-file')), 'nor any leftover');
  t.ok(await exists(join(tmp, 'old-dir')));

  const real = await collectGarbage(f.deps(), { graceMs: HOUR, dryRun: false, now });
  t.same(real, expected, 'the real run does what the dry run said');
  t.equal(await f.blobs.has(orphan.integrity), null, 'the old unreferenced blob is gone');
  t.ok(await f.blobs.has(referenced.integrity), 'a referenced blob stays');
  t.ok(await f.blobs.has(multiHash.integrity), 'a blob referenced by a multi-hash integrity stays');
  t.ok(await f.blobs.has(young.integrity), 'an unreferenced blob younger than the grace stays');
  t.notOk(await exists(join(tmp, 'old-file')), 'an old leftover file is gone');
  t.notOk(await exists(join(tmp, 'old-dir')), 'an old leftover dir is gone');
  t.ok(await exists(join(tmp, 'new-file')), 'a young leftover (a write in flight) stays');

  const later = await collectGarbage(f.deps(), { graceMs: HOUR, dryRun: false, now: now + HOUR });
  t.same(later, { blobs: 3, removed: 1, bytesFreed: 800, young: 0, tmpRemoved: 1 }, 'an hour later the young ones are due');
  t.equal(await f.blobs.has(young.integrity), null);
  t.same(await verifyStore(f.deps(), false), { blobs: 2, bytes: 1100, corrupt: [], versions: 2, missing: [] }, 'gc never breaks a retained version');
});

t.test('records of a repository that is no longer configured still hold their blobs', async (t) => {
  const f = await fixture(t);
  const held = await f.put(randomBytes(321));
  const heldByWheel = await f.put(randomBytes(123), 'sha256');
  const orphan = await f.put(randomBytes(222));
  // The store knows nothing of the config: a record is a reference whatever its repository.
  await f.retain('deleted-team', 'dep', '1.0.0', [{ integrity: held.integrity, size: 321 }]);
  await f.retain('old-gateway', 'six', '1.16.0', [{ integrity: heldByWheel.integrity, size: 123 }], 'pypi');
  for (const blob of [held, heldByWheel, orphan]) await age(blob.path, 2 * HOUR);
  const report = await collectGarbage(f.deps(), { graceMs: 0, dryRun: false });
  t.same(report, { blobs: 3, removed: 1, bytesFreed: 222, young: 0, tmpRemoved: 0 });
  t.ok(await f.blobs.has(held.integrity));
  t.ok(await f.blobs.has(heldByWheel.integrity));
  t.equal(await f.blobs.has(orphan.integrity), null);
});

t.test('files in content-v2 whose names are not digests are ignored by verify and gc', async (t) => {
  const f = await fixture(t);
  const blob = await f.put(randomBytes(64));
  const content = join(f.blobDir, 'content-v2');
  const hex = 'ab'.repeat(64);
  const foreign = [
    join(content, 'sha512', 'ab', 'cd', 'not-a-digest'),
    join(content, 'sha512', 'ab', 'cd', 'ab'.repeat(10)), // hex, but too short for sha512
    join(content, 'sha512', 'AB', 'AB', hex.slice(4).toUpperCase()), // not cacache's lowercase
    join(content, 'md5', 'ab', 'cd', 'ab'.repeat(14)), // an algorithm larder never stores
  ];
  for (const path of foreign) {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'not ours');
    await age(path, 2 * HOUR);
  }
  await age(blob.path, 2 * HOUR);
  const verified = await verifyStore(f.deps(), true);
  t.same(verified, { blobs: 1, bytes: 64, corrupt: [], versions: 0, missing: [] });
  const collected = await collectGarbage(f.deps(), { graceMs: 0, dryRun: false });
  t.same(collected, { blobs: 1, removed: 1, bytesFreed: 64, young: 0, tmpRemoved: 0 }, 'only the real, unreferenced blob goes');
  for (const path of foreign) t.ok(await exists(path), `left alone: ${path.slice(content.length)}`);
});

t.test('a blob removed while verify or gc walks the store (the daemon evicted it) is not an error', async (t) => {
  for (const run of ['verify', 'gc'] as const) {
    t.test(run, async (t) => {
      const f = await fixture(t);
      const blobs = await Promise.all([randomBytes(100), randomBytes(200), randomBytes(300)].map((body) => f.put(body)));
      for (const blob of blobs) await age(blob.path, 2 * HOUR);
      const paths = blobs.map((blob) => blob.path).sort();
      // Both walk the inventory in path order; after the first blob the daemon removes the second.
      const deps = f.deps((done) => {
        if (done.items === 1) unlinkSync(paths[1]!);
      });
      const outcome = await (run === 'verify' ? verifyStore(deps, false) : collectGarbage(deps, { graceMs: HOUR, dryRun: false })).then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
      t.notOk('error' in outcome, `${run} does not fail on a blob that vanished under it${'error' in outcome ? ` (got ${String(outcome.error)})` : ''}`);
      if ('report' in outcome && 'corrupt' in outcome.report) t.same(outcome.report.corrupt, [], 'a vanished blob is not corrupt');
      t.same((await contentFiles(f.blobDir)).sort(), run === 'verify' ? [paths[0], paths[2]] : [], 'the rest is handled');
    });
  }
});
