// The read cache in front of the sqlite records (store/cached-record-store.ts) and the per-key
// write epochs behind it and the retention cache (store/key-epochs.ts): never a stale answer.
import t from 'tap';
import { join } from 'node:path';
import { CachedRecordStore } from '../../src/store/cached-record-store.js';
import { KeyEpochs } from '../../src/store/key-epochs.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import { metadataReadCache, RetentionRecords } from '../../src/store/records.js';
import type { RecordStore } from '../../src/store/types.js';

const entry = (body: string): Record<string, unknown> => ({ body, contentType: 'application/json', fetchedAt: 1, bodyDigest: body });

/** Counts reads that reach sqlite. */
function counting(inner: RecordStore): { store: RecordStore; reads: () => number } {
  let reads = 0;
  const store: RecordStore = {
    get: (key) => {
      reads += 1;
      return inner.get(key);
    },
    set: (key, value) => inner.set(key, value),
    delete: (key) => inner.delete(key),
    update: (key, change) => inner.update(key, change),
    entries: (prefix) => inner.entries(prefix),
    close: () => inner.close(),
  };
  return { store, reads: () => reads };
}

t.test('metadata records are served from memory, others from sqlite, absent ones too', async (t) => {
  const sqlite = await SqliteRecordStore.open(join(t.testdir(), 'r.sqlite'));
  const { store, reads } = counting(sqlite);
  const cached = new CachedRecordStore(store, metadataReadCache(1024 * 1024));
  t.teardown(() => cached.close());
  await cached.set('meta/r/npm/a/abbreviated', entry('{"a":1}'));
  await cached.set('pkg/r/npm/a', { versions: {} });
  t.same(await cached.get('meta/r/npm/a/abbreviated'), entry('{"a":1}'));
  t.equal(reads(), 0, 'a written metadata record is read from memory');
  await cached.get('pkg/r/npm/a');
  await cached.get('pkg/r/npm/a');
  t.equal(reads(), 2, 'other records always go to sqlite');
  t.equal(await cached.get('meta/r/npm/b/full'), undefined);
  t.equal(await cached.get('meta/r/npm/b/full'), undefined);
  t.equal(reads(), 3, '"no such record" is remembered');
  await cached.set('meta/r/npm/b/full', entry('{"b":2}'));
  t.same(await cached.get('meta/r/npm/b/full'), entry('{"b":2}'), 'until it is written');
  t.equal(await cached.delete('meta/r/npm/a/abbreviated'), true);
  t.equal(await cached.get('meta/r/npm/a/abbreviated'), undefined, 'a delete is seen at once');
  await cached.update('meta/r/npm/b/full', () => entry('{"b":3}'));
  t.same(await cached.get('meta/r/npm/b/full'), entry('{"b":3}'), 'an update is seen at once');
});

t.test('a read that a write overlapped is not cached; the write wins', async (t) => {
  const sqlite = await SqliteRecordStore.open(join(t.testdir(), 'r.sqlite'));
  const cached = new CachedRecordStore(sqlite, metadataReadCache(1024 * 1024));
  t.teardown(() => cached.close());
  const key = 'meta/r/npm/race/full';
  await sqlite.set(key, entry('old'));
  for (let round = 0; round < 50; round += 1) {
    const reading = cached.get(key);
    const writing = cached.set(key, entry(`new ${round}`));
    await Promise.all([reading, writing]);
    t.same(await cached.get(key), entry(`new ${round}`), `round ${round}: the latest write`);
  }
});

t.test('KeyEpochs: fresh only when no write to that key overlapped', async (t) => {
  const epochs = new KeyEpochs();
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const read = epochs.read('k', async () => {
    await gate;
    return 1;
  });
  const other = epochs.write('other', async () => undefined);
  const write = epochs.write('k', async () => undefined);
  await Promise.all([other, write]);
  release();
  t.same(await read, { value: 1, fresh: false }, 'a write to the same key overlapped');
  t.same(await epochs.read('k', async () => 2), { value: 2, fresh: true }, 'no overlap');
  const alone = epochs.read('k', async () => 3);
  await epochs.write('other', async () => undefined);
  t.same(await alone, { value: 3, fresh: true }, 'a write to another key does not count');
});

t.test('retention: "not retained" is remembered per key and forgotten by a retain', async (t) => {
  const sqlite = await SqliteRecordStore.open(join(t.testdir(), 'r.sqlite'));
  const { store, reads } = counting(sqlite);
  const retention = new RetentionRecords(store);
  t.teardown(() => sqlite.close());
  let found = 0;
  for (let i = 0; i < 3000; i += 1) if ((await retention.getPackage('other', 'npm', `p${i}`)) !== undefined) found += 1;
  t.equal(found, 0);
  const before = reads();
  for (let i = 0; i < 3000; i += 1) await retention.getPackage('other', 'npm', `p${i}`);
  t.equal(reads(), before, '3000 absent keys answered from memory (more than the 2000 records kept)');
  await retention.retain('other', {
    format: 'npm', package: 'p7', version: '1.0.0', status: 'Published', revision: 'r', assets: [], manifest: {}, origin: { repository: 'other' }, retainedAt: new Date(0).toISOString(),
  });
  t.equal((await retention.getVersion('other', 'npm', 'p7', '1.0.0'))?.version, '1.0.0', 'a retain replaces the remembered absence');
});
