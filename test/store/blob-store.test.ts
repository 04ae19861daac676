/**
 * Contract tests for the blob store, against real cacache in a temp dir. The suite is a function
 * of a store factory (DESIGN habit 10) so another implementation can run the same checks; the
 * cacache-specific checks (tmp dir, content files on disk) take the directory too.
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import cacache from 'cacache';
import t, { type Test } from 'tap';
import { LarderError, isLarderError } from '../../src/errors.js';
import { CacacheBlobStore } from '../../src/store/blob-store.js';
import type { BlobStore } from '../../src/store/types.js';
import {
  canCountFds,
  chunksOf,
  contentFiles,
  drain,
  openFds,
  settleFds,
  sri,
  tmpFiles,
  writeBlob,
} from './blob-helpers.js';

function newStore(t: Test): { store: BlobStore; dir: string } {
  const dir = join(t.testdir(), 'blobs-v1');
  const store = new CacacheBlobStore(dir);
  t.teardown(() => store.close());
  return { store, dir };
}

const body = randomBytes(300 * 1024);

t.test('a verified write lands, and reads back byte for byte', async (t) => {
  const { store, dir } = newStore(t);
  const integrity = sri(body);
  t.same(await writeBlob(store, { integrity, size: body.length }, body), { integrity, size: body.length });
  t.same(await store.has(integrity), { integrity, size: body.length });
  const read = await store.read(integrity);
  t.ok(read);
  t.equal(read?.size, body.length);
  const drained = await drain(read!.stream);
  t.ok(drained.ended);
  t.ok(drained.data.equals(body), 'same bytes');
  t.same(drained.chunkSizes, [body.length], 'a blob under 1 MiB is read in one piece');
  t.same(await tmpFiles(dir), []);
});

t.test('a digest given in another spelling finds the same blob', async (t) => {
  const { store } = newStore(t);
  const integrity = sri(body);
  await writeBlob(store, { integrity: `${sri(body, 'sha1')} ${integrity.replace(/=+$/, '')}` }, body);
  t.same(await store.has(integrity), { integrity, size: body.length });
});

t.test('a body with the wrong digest is rejected and nothing is retained', async (t) => {
  const { store, dir } = newStore(t);
  const integrity = sri(body);
  const tampered = Buffer.from(body);
  tampered[1000] = (tampered[1000] ?? 0) ^ 0xff;
  const error = await writeBlob(store, { integrity, size: body.length }, tampered).then(
    () => t.fail('should not commit'),
    (err: unknown) => err,
  );
  t.ok(isLarderError(error, 'E_INTEGRITY_MISMATCH'), 'E_INTEGRITY_MISMATCH');
  t.match((error as Error).message, integrity, 'names the expected digest');
  t.match((error as Error).message, sri(tampered), 'names the actual digest');
  t.equal(await store.has(integrity), null);
  t.equal(await store.has(sri(tampered)), null);
  t.same(await contentFiles(dir), []);
  t.same(await tmpFiles(dir), []);
});

t.test('a body of the wrong size is rejected, short or long', async (t) => {
  const { store, dir } = newStore(t);
  const short = body.subarray(0, body.length - 1);
  const shortError = await writeBlob(store, { integrity: sri(body), size: body.length }, short).catch((err: unknown) => err);
  t.ok(isLarderError(shortError, 'E_INTEGRITY_MISMATCH'), 'truncated body');

  const sizeOnly = await writeBlob(store, { size: body.length + 1 }, body).catch((err: unknown) => err);
  t.ok(isLarderError(sizeOnly, 'E_INTEGRITY_MISMATCH'), 'short against a size alone');

  const long = Buffer.concat([body, Buffer.from('extra')]);
  const longError = await writeBlob(store, { integrity: sri(body), size: body.length }, long).catch((err: unknown) => err);
  t.ok(isLarderError(longError, 'E_INTEGRITY_MISMATCH'), 'overlong body');
  t.match((longError as Error).message, /longer than expected/);

  t.equal(await store.has(sri(body)), null);
  t.same(await contentFiles(dir), []);
  t.same(await tmpFiles(dir), []);
});

t.test('with a size and no digest, the store computes sha512 and keeps it by that digest', async (t) => {
  const { store, dir } = newStore(t);
  const committed = await writeBlob(store, { size: body.length }, body);
  t.same(committed, { integrity: sri(body), size: body.length });
  t.same(await store.has(sri(body)), committed);
  const entries = await cacache.ls(dir);
  t.same(Object.keys(entries), [sri(body)], 'indexed under its digest, no pending key left');
  // cacache's verify deletes content that no index entry refers to: ours survive it.
  await cacache.verify(dir);
  t.same(await store.has(sri(body)), committed, 'survives cacache verify');
});

t.test('a write with neither digest nor size, or a junk digest, is refused up front', async (t) => {
  const { store } = newStore(t);
  t.throws(() => store.write({}), { code: 'E_INTERNAL' });
  t.throws(() => store.write({ size: -1 }), { code: 'E_INTERNAL' });
  for (const junk of ['garbage', 'sha512-', `md5-${'A'.repeat(22)}==`]) {
    t.throws(() => store.write({ integrity: junk, size: 1 }), { code: 'E_BAD_DIGEST' }, junk);
  }
  await t.rejects(store.has('garbage'), { code: 'E_BAD_DIGEST' });
  await t.rejects(store.read('sha512-'), { code: 'E_BAD_DIGEST' });
});

t.test('destroy mid-write rejects committed and leaks no tmp file or descriptor', async (t) => {
  const { store, dir } = newStore(t);
  const before = openFds();
  for (const expect of [{ integrity: sri(body), size: body.length }, { integrity: sri(body) }, { size: body.length }]) {
    const write = store.write(expect);
    write.stream.on('error', () => undefined); // the error is asserted through `committed`
    for (const chunk of chunksOf(body.subarray(0, 100 * 1024), 16 * 1024)) write.stream.write(chunk);
    await sleep(50); // let cacache open its temp file
    write.stream.destroy(new Error('client went away'));
    const error = await write.committed.catch((err: unknown) => err);
    t.ok(isLarderError(error, 'E_STORE'), `committed rejects (${JSON.stringify(expect).slice(0, 30)})`);
    t.match((error as Error).message, /client went away/);
    t.same(await tmpFiles(dir), [], 'tmp dir empty');
  }
  t.equal(await store.has(sri(body)), null);
  t.same(await contentFiles(dir), []);
  if (canCountFds) t.equal(await settleFds(before), before, 'no descriptor left open');
});

t.test('a LarderError passed to destroy comes back from committed unchanged', async (t) => {
  const { store } = newStore(t);
  const write = store.write({ integrity: sri(body) });
  write.stream.on('error', () => undefined);
  write.stream.write(body.subarray(0, 1000));
  const reason = new LarderError('E_UPSTREAM_TIMEOUT', 'upstream stalled');
  write.stream.destroy(reason);
  t.equal(await write.committed.catch((err: unknown) => err), reason);
});

t.test('destroy before any byte, and an empty blob', async (t) => {
  const { store, dir } = newStore(t);
  const write = store.write({ size: 10 });
  write.stream.on('error', () => undefined);
  write.stream.destroy();
  await t.rejects(write.committed, { code: 'E_STORE' });
  t.same(await tmpFiles(dir), []);

  const empty = Buffer.alloc(0);
  t.same(await writeBlob(store, { size: 0 }, empty), { integrity: sri(empty), size: 0 });
  const read = await store.read(sri(empty));
  const drained = await drain(read!.stream);
  t.ok(drained.ended);
  t.equal(drained.data.length, 0);
  await t.rejects(writeBlob(store, { integrity: sri(body) }, empty), { code: 'E_INTEGRITY_MISMATCH' });
});

t.test('two concurrent writers of the same content both succeed', async (t) => {
  const { store, dir } = newStore(t);
  const integrity = sri(body);
  const results = await Promise.all([
    writeBlob(store, { integrity, size: body.length }, body),
    writeBlob(store, { integrity, size: body.length }, body),
    writeBlob(store, { size: body.length }, body),
  ]);
  for (const result of results) t.same(result, { integrity, size: body.length });
  t.same(await store.has(integrity), { integrity, size: body.length });
  t.equal((await contentFiles(dir)).length, 1, 'stored once');
  t.same(await tmpFiles(dir), []);
  t.same(await writeBlob(store, { integrity }, body), { integrity, size: body.length }, 'rewriting stored content is success');
});

t.test('a sha1 digest (Maven sidecar, npm shasum) keys the blob by sha1', async (t) => {
  const { store } = newStore(t);
  const integrity = sri(body, 'sha1');
  t.same(await writeBlob(store, { integrity }, body), { integrity, size: body.length });
  t.same(await store.has(integrity), { integrity, size: body.length });
  const drained = await drain((await store.read(integrity))!.stream);
  t.ok(drained.ended && drained.data.equals(body));
});

async function corruptAndRead(t: Test, damage: (file: string) => Promise<void>, readFirst = false): Promise<void> {
  const { store, dir } = newStore(t);
  const integrity = sri(body);
  await writeBlob(store, { integrity, size: body.length }, body);
  if (readFirst) {
    // A whole, verified read: the store now skips hashing this file while it stays unchanged.
    const first = await drain((await store.read(integrity))!.stream);
    t.ok(first.ended && first.data.equals(body), 'the first read verifies');
  }
  const [file, ...others] = await contentFiles(dir);
  t.equal(others.length, 0);
  await chmod(file!, 0o644); // cacache may leave content read-only
  await damage(file!);

  const read = await store.read(integrity);
  t.ok(read, 'still looks present before reading');
  const drained = await drain(read!.stream);
  t.notOk(drained.ended, 'never a clean end');
  t.ok(isLarderError(drained.error, 'E_INTEGRITY_MISMATCH'), 'ends with E_INTEGRITY_MISMATCH');
  t.match((drained.error as Error).message, integrity);
  t.ok(drained.data.length < body.length, `held back the last chunk (${drained.data.length} of ${body.length} bytes sent)`);
  t.equal(await store.has(integrity), null, 'the corrupt blob is evicted');
  t.equal(await store.read(integrity), null);
}

t.test('a corrupted blob ends the read in an error and is evicted', async (t) => {
  await corruptAndRead(t, async (file) => {
    const bytes = await readFile(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0x01; // in the last chunk
    await writeFile(file, bytes);
  });
});

t.test('a truncated blob ends the read in an error and is evicted', async (t) => {
  await corruptAndRead(t, (file) => truncate(file, body.length - 1));
});

t.test('a blob verified by an earlier read and then damaged in place is still caught', async (t) => {
  const flip = async (file: string): Promise<void> => {
    const handle = await open(file, 'r+');
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, 100);
    byte[0] = (byte[0] ?? 0) ^ 0x80;
    // Same size, same inode: only the ctime tells the file changed.
    await handle.write(byte, 0, 1, 100);
    await handle.close();
  };
  t.test('a bit flip', async (t) => corruptAndRead(t, flip, true));
  t.test('a truncation', async (t) => corruptAndRead(t, (file) => truncate(file, body.length - 1), true));
});

t.test('absent blobs: has and read say null; remove deletes', async (t) => {
  const { store } = newStore(t);
  const integrity = sri(body);
  t.equal(await store.has(integrity), null);
  t.equal(await store.read(integrity), null);
  await store.remove(integrity); // removing an absent blob is fine
  await writeBlob(store, { integrity }, body);
  t.ok(await store.has(integrity));
  await store.remove(integrity);
  t.equal(await store.has(integrity), null);
  t.equal(await store.read(integrity), null);
});

t.test('a reader that stops early releases its file descriptor', async (t) => {
  const { store } = newStore(t);
  const integrity = sri(body);
  await writeBlob(store, { integrity }, body);
  const before = openFds();
  const read = await store.read(integrity);
  const first = await new Promise<Buffer>((resolve) => read!.stream.once('data', resolve));
  t.ok(first.length > 0);
  read!.stream.destroy();
  if (canCountFds) t.equal(await settleFds(before), before);
  t.ok(await store.has(integrity), 'an abandoned read evicts nothing');
});

t.test('a large blob streams through with backpressure', async (t) => {
  const { store } = newStore(t);
  const big = randomBytes(8 * 1024 * 1024);
  const integrity = sri(big);
  const write = store.write({ integrity, size: big.length });
  let pushed = 0;
  const source = new Readable({
    read() {
      this.push(pushed < big.length ? big.subarray(pushed, (pushed += 256 * 1024)) : null);
    },
  });
  source.pipe(write.stream);
  t.same(await write.committed, { integrity, size: big.length });
  const drained = await drain((await store.read(integrity))!.stream);
  t.ok(drained.ended && drained.data.equals(big));
  t.ok(Math.max(...drained.chunkSizes) <= 64 * 1024, 'a large blob is read in 64 KiB chunks, never whole');
});

t.test('close aborts writes in progress and refuses new work', async (t) => {
  const dir = join(t.testdir(), 'blobs-v1');
  const store = new CacacheBlobStore(dir);
  const write = store.write({ integrity: sri(body) });
  write.stream.on('error', () => undefined);
  write.stream.write(body.subarray(0, 50_000));
  await sleep(20);
  await store.close();
  await t.rejects(write.committed, { code: 'E_STORE' });
  t.same(await tmpFiles(dir), []);
  t.throws(() => store.write({ size: 1 }), { code: 'E_STORE' });
  await t.rejects(store.read(sri(body)), { code: 'E_STORE' });
});

t.test('a small blob kept in memory is checked against its file: damage on disk is still caught', async (t) => {
  const { store, dir } = newStore(t);
  const integrity = sri(body);
  await writeBlob(store, { integrity, size: body.length }, body);
  for (let i = 0; i < 3; i += 1) t.ok((await drain((await store.read(integrity))!.stream)).data.equals(body), `read ${i + 1} (the third from memory)`);
  const [file] = await contentFiles(dir);
  await chmod(file!, 0o644);
  await writeFile(file!, Buffer.alloc(body.length)); // damage on disk after the bytes went hot
  const after = await drain((await store.read(integrity))!.stream);
  t.notOk(after.ended, 'the changed file is read and verified again, not served from memory');
  t.ok(isLarderError(after.error, 'E_INTEGRITY_MISMATCH'));
  t.equal(await store.has(integrity), null, 'and evicted');
  t.equal(await store.read(integrity), null, 'nothing left in memory either');
});
