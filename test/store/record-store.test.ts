/**
 * Contract tests for the record store, against real sqlite files in temp dirs. `contract` runs
 * against any RecordStore factory (DESIGN habit 10); the sqlite-specific checks follow it.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { isLarderError } from '../../src/errors.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import type { RecordStore } from '../../src/store/types.js';

async function collect<T>(iterable: AsyncIterable<[string, T]>): Promise<Array<[string, T]>> {
  const out: Array<[string, T]> = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

function contract(name: string, open: (t: Test) => Promise<RecordStore>): void {
  t.test(`${name}: get, set, delete round-trip JSON values`, async (t) => {
    const store = await open(t);
    t.equal(await store.get('missing'), undefined);
    const value = { name: '@scope/pkg', versions: { '1.0.0': { size: 3 } }, list: [1, 'two', null], flag: false };
    await store.set('k/1', value);
    t.same(await store.get('k/1'), value);
    await store.set('k/1', { replaced: true });
    t.same(await store.get('k/1'), { replaced: true });
    await store.set('k/string', ':looks-like-a-keyv-escape');
    t.equal(await store.get('k/string'), ':looks-like-a-keyv-escape');
    t.equal(await store.delete('k/1'), true);
    t.equal(await store.delete('k/1'), false);
    t.equal(await store.get('k/1'), undefined);
  });

  t.test(`${name}: update is read-modify-write, serialised per key`, async (t) => {
    const store = await open(t);
    const increments = Array.from({ length: 50 }, () => store.update<number>('counter', (n) => (n ?? 0) + 1));
    const others = Array.from({ length: 20 }, () => store.update<number>('other', (n) => (n ?? 0) + 10));
    const results = await Promise.all(increments);
    await Promise.all(others);
    t.same(
      [...results].sort((a, b) => (a ?? 0) - (b ?? 0)),
      Array.from({ length: 50 }, (_, i) => i + 1),
      'every update saw the one before it',
    );
    t.equal(await store.get('counter'), 50);
    t.equal(await store.get('other'), 200);
    // A set queued between updates lands in order too.
    const [, , last] = await Promise.all([
      store.update<number>('counter', (n) => (n ?? 0) + 1),
      store.set('counter', 1000),
      store.update<number>('counter', (n) => (n ?? 0) + 1),
    ]);
    t.equal(last, 1001);
  });

  t.test(`${name}: update returning undefined deletes; a throwing change leaves the record alone`, async (t) => {
    const store = await open(t);
    await store.set('gone', { a: 1 });
    t.equal(await store.update('gone', () => undefined), undefined);
    t.equal(await store.get('gone'), undefined);
    await store.set('kept', { a: 1 });
    await t.rejects(
      store.update('kept', () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    t.same(await store.get('kept'), { a: 1 });
    t.equal(await store.update<number>('kept', () => 2), 2, 'the queue goes on after a failure');
  });

  t.test(`${name}: entries lists one prefix, in key order, across pages`, async (t) => {
    const store = await open(t);
    const keys = Array.from({ length: 230 }, (_, i) => `pkg/repo/npm/p${String(i).padStart(4, '0')}`);
    for (const key of [...keys].reverse()) await store.set(key, { key });
    await store.set('pkg/repo', { outside: true });
    await store.set('pkg/repo10/npm/x', { outside: true });
    await store.set('pkg/repo/npn', { outside: true });
    await store.set('pkg/repo/npm', { outside: true });
    await store.set('pkg/repo/npm0', { outside: true });
    await store.set('meta/repo/npm/x', { outside: true });
    const listed = await collect(store.entries<{ key: string }>('pkg/repo/npm/'));
    t.same(
      listed.map(([key]) => key),
      keys,
      'exactly the prefixed keys, sorted',
    );
    t.ok(listed.every(([key, value]) => value.key === key), 'values belong to their keys');
    t.same(await collect(store.entries('nothing/')), []);
    t.equal((await collect(store.entries('pkg/repo1'))).length, 1);
  });

  t.test(`${name}: entries sorts bytewise, wildcard characters are literal`, async (t) => {
    const store = await open(t);
    for (const key of ['a/%', 'a/_x', 'a/B', 'a/b', 'a/%40scope%2Fname', 'ab/', 'A/x']) await store.set(key, 1);
    t.same(
      (await collect(store.entries('a/'))).map(([key]) => key),
      ['a/%', 'a/%40scope%2Fname', 'a/B', 'a/_x', 'a/b'],
    );
    t.same((await collect(store.entries('a/%'))).map(([key]) => key), ['a/%', 'a/%40scope%2Fname']);
    t.same((await collect(store.entries('a/_'))).map(([key]) => key), ['a/_x']);
  });
}

const fileIn = (t: Test): string => join(t.testdir(), 'records-v1.sqlite');

contract('SqliteRecordStore', async (t) => {
  const store = await SqliteRecordStore.open(fileIn(t));
  t.teardown(() => store.close());
  return store;
});

t.test('records survive closing and reopening the same file', async (t) => {
  const file = fileIn(t);
  const first = await SqliteRecordStore.open(file);
  await first.set('pkg/r/npm/%40scope%2Fa', { versions: { '1.0.0': true } });
  await first.update<number>('n', () => 7);
  await first.close();
  t.ok((await stat(file)).size > 0, 'the data is in the file, not in memory');

  const second = await SqliteRecordStore.open(file);
  t.teardown(() => second.close());
  t.same(await second.get('pkg/r/npm/%40scope%2Fa'), { versions: { '1.0.0': true } });
  t.equal(await second.get('n'), 7);
  t.same((await collect(second.entries('pkg/'))).length, 1);
});

t.test('two stores on two files are independent (never a shared in-memory database)', async (t) => {
  const dir = t.testdir();
  const a = await SqliteRecordStore.open(join(dir, 'a', 'records.sqlite'));
  const b = await SqliteRecordStore.open(join(dir, 'b', 'records.sqlite'));
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await a.set('k', 'a');
  t.equal(await b.get('k'), undefined);
});

async function rejectsAsStoreError(t: Test, file: string, name: string): Promise<void> {
  const error = await SqliteRecordStore.open(file).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  t.ok(isLarderError(error, 'E_STORE'), `${name}: E_STORE`);
  t.match(String((error as Error | undefined)?.message), file, `${name}: names the path`);
  t.match(String((error as Error | undefined)?.message), /writable|move it aside/, `${name}: says how to fix it`);
}

t.test('an unopenable or corrupt file rejects open with E_STORE', async (t) => {
  const dir = t.testdir({ 'not-a-db.sqlite': 'this is not a database '.repeat(400), 'a-file': 'x' });
  await rejectsAsStoreError(t, join(dir, 'not-a-db.sqlite'), 'a file that is not sqlite');
  await mkdir(join(dir, 'a-directory'));
  await rejectsAsStoreError(t, join(dir, 'a-directory'), 'a directory');
  await rejectsAsStoreError(t, join(dir, 'a-file', 'records.sqlite'), 'a parent that is a file');
});

t.test('a database damaged after opening fails reads with E_STORE instead of answering undefined', async (t) => {
  const file = fileIn(t);
  const store = await SqliteRecordStore.open(file);
  for (let i = 0; i < 200; i++) await store.set(`k${i}`, { filler: 'x'.repeat(200), i });
  await store.close();
  const bytes = await readFile(file);
  // Keep page 1 (header and schema, so the file still opens) and scribble over every page after it.
  const pageSize = bytes.readUInt16BE(16);
  t.ok(bytes.length > 2 * pageSize, 'the records span several pages');
  bytes.fill(0x5a, pageSize);
  await writeFile(file, bytes);
  const damaged = await SqliteRecordStore.open(file);
  t.teardown(() => damaged.close());
  const error = await damaged.get('k5').catch((err: unknown) => err);
  t.ok(isLarderError(error, 'E_STORE'), 'get reports the damage');
  t.match(String((error as Error).message), file);
  await t.rejects(collect(damaged.entries('k')), { code: 'E_STORE' }, 'so does listing');
});

t.test('a closed store refuses work; close waits for queued writes', async (t) => {
  const file = fileIn(t);
  const store = await SqliteRecordStore.open(file);
  const pending = store.set('late', 1);
  await store.close();
  await pending;
  await t.rejects(store.get('late'), { code: 'E_STORE' });
  await t.rejects(store.set('x', 1), { code: 'E_STORE' });
  const reopened = await SqliteRecordStore.open(file);
  t.teardown(() => reopened.close());
  t.equal(await reopened.get('late'), 1, 'the queued write landed before close');
});
