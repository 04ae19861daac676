/**
 * A 50 MB blob through export and import, plain and gzip, with the process's resident memory
 * sampled every few milliseconds (issue 8 §3: blobs stream into and out of the archive, never
 * buffered whole).
 *
 * What is asserted, and why loosely: RSS is the whole test process (tap, the TypeScript loader,
 * sqlite, V8's heap growing and shrinking as it likes), so no exact figure means anything. The
 * peak growth over the level just before each run must stay under 40 MB: one whole copy of the
 * blob anywhere — in the tar writer, the gzip stage, the parser or the blob write — would be
 * 50 MB on its own, so this fails for the mistake it guards against and leaves room for the
 * rest (64-256 KiB chunks in flight, zlib's windows, garbage not yet collected).
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { exportFrom, importInto, openStore } from './archive-helpers.js';

const SIZE = 50 * 1024 * 1024;
const MAX_GROWTH = 40 * 1024 * 1024;

/** Runs `work` while sampling RSS; returns its result and the peak growth over the level before it. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

t.test('a 50 MB blob round-trips with flat memory', async (t) => {
  const root = t.testdir();
  const source = await openStore(t, join(root, 'source'));
  // Random bytes, written a MiB at a time: gzip cannot shrink them, so the .tgz run moves 50 MB too.
  const write = source.blobs.write({ size: SIZE });
  const hash = createHash('sha512');
  for (let written = 0; written < SIZE; written += 1024 * 1024) {
    const chunk = randomBytes(1024 * 1024);
    hash.update(chunk);
    if (!write.stream.write(chunk)) await new Promise((resolve) => write.stream.once('drain', resolve));
  }
  write.stream.end();
  const { integrity } = await write.committed;
  t.equal(integrity, `sha512-${hash.digest('base64')}`);
  await source.retention.retain('maven-1', {
    format: 'maven', package: 'org.example:big', version: '1.0', status: 'Published', revision: 'r', manifest: {},
    assets: [{ name: 'big-1.0.jar', integrity, size: SIZE }], origin: { repository: 'maven-1' }, retainedAt: '2024-01-01T00:00:00.000Z',
  });

  for (const name of ['big.tar', 'big.tgz']) {
    const file = join(root, name);
    const exported = await peakGrowth(() => exportFrom(source, file));
    t.equal(exported.result.manifest.counts.bytes, SIZE);
    t.ok(exported.growth < MAX_GROWTH, `${name}: export grew RSS by ${mb(exported.growth)} (< ${mb(MAX_GROWTH)})`);

    const target = await openStore(t, join(root, `${name}-data`));
    const imported = await peakGrowth(() => importInto(target, file));
    t.match(imported.result, { blobsWritten: 1, bytesWritten: SIZE, versionsAdded: 1, rejected: [] });
    t.ok(imported.growth < MAX_GROWTH, `${name}: import grew RSS by ${mb(imported.growth)} (< ${mb(MAX_GROWTH)})`);

    // The stored copy, read back through the verifying blob store, hashes to the same digest.
    const read = await target.blobs.read(integrity);
    const check = createHash('sha512');
    for await (const chunk of read?.stream ?? []) check.update(chunk as Buffer);
    t.equal(`sha512-${check.digest('base64')}`, integrity, `${name}: the imported blob is the same 50 MB`);
  }
});
