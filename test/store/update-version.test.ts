// RetentionRecords.updateVersion (one atomic write replacing or removing one version) and
// RetentionRecords.purgeRepository (every record of a deleted repository), over real sqlite.
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { RetainedVersion } from '../../src/domain/types.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import { MetadataRecords, NotFoundRecords, RetentionRecords, recordKeys } from '../../src/store/records.js';
import type { MetadataEntry } from '../../src/store/types.js';

interface Opened {
  store: SqliteRecordStore;
  retention: RetentionRecords;
  metadata: MetadataRecords;
  notFound: NotFoundRecords;
}

async function open(t: Test): Promise<Opened> {
  const store = await SqliteRecordStore.open(join(t.testdir(), 'records-v1.sqlite'));
  t.teardown(() => store.close());
  return { store, retention: new RetentionRecords(store), metadata: new MetadataRecords(store), notFound: new NotFoundRecords(store) };
}

function version(pkg: string, v: string, extra: Partial<RetainedVersion> = {}): RetainedVersion {
  return {
    format: 'npm',
    package: pkg,
    version: v,
    status: 'Published',
    revision: `rev-${v}`,
    assets: [{ name: `${pkg}-${v}.tgz`, integrity: `sha512-${pkg}-${v}`, size: 10 }],
    manifest: { name: pkg, version: v },
    origin: { repository: 'gateway', connection: 'public:npmjs' },
    retainedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** Every key the store holds under a prefix, read straight from the store. */
async function keys(store: SqliteRecordStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const [key] of store.entries<unknown>(prefix)) out.push(key);
  return out;
}

const entry: MetadataEntry = { body: '{}', contentType: 'application/json', fetchedAt: 1, bodyDigest: 'd' };

t.test('updateVersion replaces one version and leaves the others', async (t) => {
  const { retention } = await open(t);
  await retention.retain('team', version('left-pad', '1.0.0'));
  await retention.retain('team', version('left-pad', '1.1.0'));
  const replaced = version('left-pad', '1.0.0', { status: 'Disposed', assets: [], revision: 'rev-disposed' });
  const outcome = await retention.updateVersion('team', 'npm', 'left-pad', '1.0.0', (existing) => {
    t.same(existing, version('left-pad', '1.0.0'), 'change gets what is stored');
    return replaced;
  });
  t.same(outcome, { before: version('left-pad', '1.0.0'), after: replaced });
  t.same(await retention.getVersion('team', 'npm', 'left-pad', '1.0.0'), replaced);
  t.same(await retention.getVersion('team', 'npm', 'left-pad', '1.1.0'), version('left-pad', '1.1.0'), 'the other version is untouched');
  t.match(await retention.getPackage('team', 'npm', 'left-pad'), { repository: 'team', format: 'npm', package: 'left-pad' });
});

t.test('updateVersion adds a version, creating the package record', async (t) => {
  const { retention } = await open(t);
  const added = version('@scope/util', '2.0.0');
  const outcome = await retention.updateVersion('team', 'npm', '@scope/util', '2.0.0', (existing) => {
    t.equal(existing, undefined);
    return added;
  });
  t.same(outcome, { after: added }, 'no before');
  t.same(await retention.getPackage('team', 'npm', '@scope/util'), { repository: 'team', format: 'npm', package: '@scope/util', versions: { '2.0.0': added } });
});

t.test('updateVersion removes a version; the package record goes with its last one', async (t) => {
  const { store, retention } = await open(t);
  await retention.retain('team', version('left-pad', '1.0.0'));
  await retention.retain('team', version('left-pad', '1.1.0'));
  const first = await retention.updateVersion('team', 'npm', 'left-pad', '1.0.0', () => undefined);
  t.same(first, { before: version('left-pad', '1.0.0') }, 'no after');
  t.same(Object.keys((await retention.getPackage('team', 'npm', 'left-pad'))?.versions ?? {}), ['1.1.0']);
  await retention.updateVersion('team', 'npm', 'left-pad', '1.1.0', () => undefined);
  t.equal(await retention.getPackage('team', 'npm', 'left-pad'), undefined, 'no empty package record');
  t.same(await keys(store, recordKeys.packages('team')), [], 'the key is gone from the store');
});

t.test('updateVersion keeps the record when change returns what it got', async (t) => {
  const { store, retention } = await open(t);
  await retention.retain('team', version('left-pad', '1.0.0'));
  const stored = await retention.getPackage('team', 'npm', 'left-pad');
  const kept = await retention.updateVersion('team', 'npm', 'left-pad', '1.0.0', (existing) => existing);
  t.same(kept, { before: version('left-pad', '1.0.0'), after: version('left-pad', '1.0.0') });
  t.same(await retention.getPackage('team', 'npm', 'left-pad'), stored, 'unchanged');
  const absent = await retention.updateVersion('team', 'npm', 'absent', '1.0.0', (existing) => existing);
  t.same(absent, {}, 'nothing before, nothing after');
  t.same(await keys(store, recordKeys.packages('team')), [recordKeys.package('team', 'npm', 'left-pad')], 'no record created for the absent package');
});

t.test('a change that throws writes nothing and rejects', async (t) => {
  const { retention } = await open(t);
  await retention.retain('team', version('left-pad', '1.0.0'));
  await t.rejects(
    retention.updateVersion('team', 'npm', 'left-pad', '1.0.0', () => {
      throw new Error('refused');
    }),
    /refused/,
  );
  t.same(await retention.getVersion('team', 'npm', 'left-pad', '1.0.0'), version('left-pad', '1.0.0'));
});

t.test('concurrent updateVersion calls on one package all land', async (t) => {
  const { retention } = await open(t);
  await retention.retain('team', version('left-pad', '1.0.0'));
  // Twenty different versions added at once, and ten read-modify-writes of the same version.
  const adds = Array.from({ length: 20 }, (_, i) => retention.updateVersion('team', 'npm', 'left-pad', `2.${i}.0`, () => version('left-pad', `2.${i}.0`)));
  const bumps = Array.from({ length: 10 }, () =>
    retention.updateVersion('team', 'npm', 'left-pad', '1.0.0', (existing) => (existing === undefined ? undefined : { ...existing, revision: `${existing.revision}+` })),
  );
  await Promise.all([...adds, ...bumps]);
  const record = await retention.getPackage('team', 'npm', 'left-pad');
  t.equal(Object.keys(record?.versions ?? {}).length, 21, 'every added version is there');
  t.equal(record?.versions['1.0.0']?.revision, `rev-1.0.0${'+'.repeat(10)}`, 'no bump was lost');
  // Removals racing additions on the same package: each sees the other's result.
  await Promise.all([
    ...Array.from({ length: 10 }, (_, i) => retention.updateVersion('team', 'npm', 'left-pad', `2.${i}.0`, () => undefined)),
    ...Array.from({ length: 5 }, (_, i) => retention.updateVersion('team', 'npm', 'left-pad', `3.${i}.0`, () => version('left-pad', `3.${i}.0`))),
  ]);
  t.equal(Object.keys((await retention.getPackage('team', 'npm', 'left-pad'))?.versions ?? {}).length, 16);
});

t.test('__proto__ as a version is data, never the prototype', async (t) => {
  const { retention } = await open(t);
  const odd = version('odd', '__proto__');
  // Replacing a version retained the ordinary way must keep it (dispose does exactly this).
  await retention.retain('team', odd);
  await retention.retain('team', version('odd', '1.0.0'));
  t.same(await retention.getVersion('team', 'npm', 'odd', '__proto__'), odd, 'retain stores it as an own property');
  const changed = { ...odd, status: 'Disposed' as const, assets: [], revision: 'rev-disposed' };
  const outcome = await retention.updateVersion('team', 'npm', 'odd', '__proto__', (existing) => {
    t.same(existing, odd, 'change gets the stored version, not the prototype');
    return changed;
  });
  t.same(outcome, { before: odd, after: changed });
  const record = await retention.getPackage('team', 'npm', 'odd');
  t.same(Object.keys(record?.versions ?? {}).sort(), ['1.0.0', '__proto__'], 'both versions are still own properties after the replace');
  t.same(await retention.getVersion('team', 'npm', 'odd', '__proto__'), changed, 'the replaced version is stored');

  // Added through updateVersion (copy does this into its destination), beside another version.
  await retention.retain('team', version('pair', '1.0.0'));
  await retention.updateVersion('team', 'npm', 'pair', '__proto__', () => version('pair', '__proto__'));
  t.same(Object.keys((await retention.getPackage('team', 'npm', 'pair'))?.versions ?? {}).sort(), ['1.0.0', '__proto__'], 'an added __proto__ version is stored');
  // And as the package's only version.
  await retention.updateVersion('team', 'npm', 'lonely', '__proto__', () => version('lonely', '__proto__'));
  const alone = await retention.getPackage('team', 'npm', 'lonely');
  t.ok(alone !== undefined && Object.hasOwn(alone.versions, '__proto__'), 'an own property when it is the only version');

  await retention.updateVersion('team', 'npm', 'odd', 'constructor', (existing) => {
    t.equal(existing, undefined, 'an inherited name is not a stored version');
    return undefined;
  });
  t.ok(await retention.getPackage('team', 'npm', 'odd'), 'removing an inherited name removes nothing');
  await retention.updateVersion('team', 'npm', 'odd', '1.0.0', () => undefined);
  await retention.updateVersion('team', 'npm', 'odd', '__proto__', () => undefined);
  t.equal(await retention.getPackage('team', 'npm', 'odd'), undefined, 'removed like any version, the package with it');
});

t.test('purgeRepository removes pkg, meta and miss records of that repository only', async (t) => {
  const { store, retention, metadata, notFound } = await open(t);
  for (const repository of ['team', 'team-2', 'tea']) {
    await retention.retain(repository, version('left-pad', '1.0.0'));
    await retention.retain(repository, version('left-pad', '1.1.0'));
    await retention.retain(repository, version('@scope/util', '2.0.0'));
    await retention.retain(repository, { ...version('requests', '2.31.0'), format: 'pypi' });
    await metadata.set(repository, 'npm', 'left-pad', 'full', entry);
    await metadata.set(repository, 'maven', 'org.example:lib', 'maven-metadata.xml', entry);
    await notFound.remember(repository, 'maven', 'org.example:lib', '1.0', 'lib-1.0-javadoc.jar', Date.now() + 60_000);
  }
  const before = await keys(store, '');

  const held = await retention.purgeRepository('team');
  t.same(
    held.map((v) => `${v.format}:${v.package}@${v.version}`).sort(),
    ['npm:@scope/util@2.0.0', 'npm:left-pad@1.0.0', 'npm:left-pad@1.1.0', 'pypi:requests@2.31.0'],
    'returns every version it held',
  );
  const after = await keys(store, '');
  const gone = before.filter((key) => !after.includes(key));
  t.equal(gone.length, 6, 'three package records, two metadata entries, one not-found');
  t.ok(
    gone.every((key) => /^(pkg|meta|miss)\/team\//.test(key)),
    'only keys of team',
  );
  t.same(await keys(store, 'pkg/team/'), []);
  t.same(await keys(store, 'meta/team/'), []);
  t.same(await keys(store, 'miss/team/'), []);
  for (const other of ['team-2', 'tea']) {
    t.equal(Object.keys((await retention.getPackage(other, 'npm', 'left-pad'))?.versions ?? {}).length, 2, `${other} keeps its versions`);
    t.ok(await metadata.get(other, 'npm', 'left-pad', 'full'), `${other} keeps its metadata`);
    t.ok(await notFound.until(other, 'maven', 'org.example:lib', '1.0', 'lib-1.0-javadoc.jar'), `${other} keeps its not-found`);
  }
  t.same(await retention.purgeRepository('team'), [], 'purging again finds nothing');
  t.same(await retention.purgeRepository('never-existed'), []);
  t.equal((await keys(store, '')).length, after.length);
});

t.test('purgeRepository of a repository with many packages pages through all of them', async (t) => {
  const { store, retention } = await open(t);
  await Promise.all(Array.from({ length: 250 }, (_, i) => retention.retain('big', version(`p${String(i).padStart(3, '0')}`, '1.0.0'))));
  await retention.retain('big-other', version('p000', '1.0.0'));
  t.equal((await retention.purgeRepository('big')).length, 250);
  t.same(await keys(store, 'pkg/big/'), []);
  t.equal((await keys(store, 'pkg/big-other/')).length, 1);
});
