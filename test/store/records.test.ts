/** Typed retention and metadata records over a real sqlite record store. */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Format, RetainedVersion } from '../../src/domain/types.js';
import { SqliteRecordStore } from '../../src/store/record-store.js';
import { MetadataRecords, RetentionRecords, recordKeys } from '../../src/store/records.js';
import type { MetadataEntry, PackageRecord } from '../../src/store/types.js';

async function openRecords(t: Test): Promise<{ retention: RetentionRecords; metadata: MetadataRecords }> {
  const store = await SqliteRecordStore.open(join(t.testdir(), 'records-v1.sqlite'));
  t.teardown(() => store.close());
  return { retention: new RetentionRecords(store), metadata: new MetadataRecords(store) };
}

function version(pkg: string, v: string, extra: Partial<RetainedVersion> = {}): RetainedVersion {
  return {
    format: 'npm',
    package: pkg,
    version: v,
    status: 'Published',
    revision: `rev-${v}`,
    assets: [{ name: `${pkg.replace('/', '-')}-${v}.tgz`, integrity: `sha512-${v}`, size: 10 }],
    manifest: { name: pkg, version: v },
    origin: { repository: 'gateway', connection: 'public:npmjs' },
    retainedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

async function list(retention: RetentionRecords, repository: string, format?: Format): Promise<PackageRecord[]> {
  const out: PackageRecord[] = [];
  for await (const record of retention.listPackages(repository, format)) out.push(record);
  return out;
}

t.test('retain, then read the package and the version back', async (t) => {
  const { retention } = await openRecords(t);
  t.equal(await retention.getPackage('team', 'npm', '@scope/util'), undefined);
  await retention.retain('team', version('@scope/util', '1.0.0'));
  await retention.retain('team', version('@scope/util', '1.1.0'));
  const record = await retention.getPackage('team', 'npm', '@scope/util');
  t.same(record, {
    repository: 'team',
    format: 'npm',
    package: '@scope/util',
    versions: { '1.0.0': version('@scope/util', '1.0.0'), '1.1.0': version('@scope/util', '1.1.0') },
  });
  t.same(await retention.getVersion('team', 'npm', '@scope/util', '1.1.0'), version('@scope/util', '1.1.0'));
  t.equal(await retention.getVersion('team', 'npm', '@scope/util', '2.0.0'), undefined);
  t.equal(await retention.getVersion('other', 'npm', '@scope/util', '1.0.0'), undefined, 'retention is per repository');
  t.equal(await retention.getVersion('team', 'pypi', '@scope/util', '1.0.0'), undefined, 'and per format');
});

t.test('retain is idempotent: retained bytes never change, new assets are added', async (t) => {
  const { retention } = await openRecords(t);
  const first = version('left-pad', '1.3.0');
  await retention.retain('team', first);
  const sameName = first.assets.map((asset) => ({ ...asset, integrity: 'sha512-other', size: 99 }));
  await retention.retain('team', version('left-pad', '1.3.0', { assets: sameName, revision: 'new' }));
  t.same(await retention.getVersion('team', 'npm', 'left-pad', '1.3.0'), first, 'an asset already retained is never replaced');
  await retention.retain('team', version('left-pad', '1.3.0', { assets: [{ name: 'second-file.tgz', integrity: 'sha512-other', size: 99 }], revision: 'new' }));
  const grown = await retention.getVersion('team', 'npm', 'left-pad', '1.3.0');
  t.same(grown?.assets.map((asset) => asset.name), [...first.assets.map((asset) => asset.name), 'second-file.tgz'], 'a new asset of the version is added');
  t.same(grown?.assets[0], first.assets[0]);
  await Promise.all(['10', '11', '12', '13', '14'].map((minor) => retention.retain('team', version('left-pad', `1.${minor}.0`))));
  t.equal(Object.keys((await retention.getPackage('team', 'npm', 'left-pad'))?.versions ?? {}).length, 6, 'concurrent retains all land');
});

t.test('keys never collide, whatever the names contain', async (t) => {
  const { retention } = await openRecords(t);
  const coordinates: Array<[string, string]> = [
    ['r', '@a/b'],
    ['r', '%40a%2Fb'],
    ['r', 'a/b'],
    ['r', 'a%2Fb'],
    ['r', '@a'],
    ['r/npm', 'x'],
    ['r', 'npm/x'],
    ['r:x', 'y'],
    ['r', 'x:y'],
    ['r', 'ünïcode'],
  ];
  const keys = new Set(coordinates.map(([repository, pkg]) => recordKeys.package(repository, 'npm', pkg)));
  t.equal(keys.size, coordinates.length, 'distinct keys');
  for (const [repository, pkg] of coordinates) await retention.retain(repository, version(pkg, '1.0.0', { revision: `${repository}|${pkg}` }));
  for (const [repository, pkg] of coordinates) {
    const stored = await retention.getVersion(repository, 'npm', pkg, '1.0.0');
    t.equal(stored?.revision, `${repository}|${pkg}`, `${repository} ${pkg}`);
  }
  t.throws(() => recordKeys.package('r', 'npm', ''), { code: 'E_BAD_REQUEST' });
  t.throws(() => recordKeys.package('r', 'npm', 'bad\ud800'), { code: 'E_BAD_REQUEST' });
});

t.test('a version string is data, never a prototype', async (t) => {
  const { retention } = await openRecords(t);
  for (const odd of ['__proto__', 'constructor', 'toString']) {
    t.equal(await retention.getVersion('r', 'maven', 'g:a', odd), undefined, `${odd} absent at first`);
  }
  await retention.retain('r', version('g:a', '__proto__', { format: 'maven' }));
  await retention.retain('r', version('g:a', '1.0', { format: 'maven' }));
  t.equal((await retention.getVersion('r', 'maven', 'g:a', '__proto__'))?.version, '__proto__');
  t.equal(await retention.getVersion('r', 'maven', 'g:a', 'constructor'), undefined);
  t.same(Object.keys((await retention.getPackage('r', 'maven', 'g:a'))?.versions ?? {}).sort(), ['1.0', '__proto__']);
  t.equal((await retention.removeVersion('r', 'maven', 'g:a', '__proto__'))?.version, '__proto__');
  t.same(Object.keys((await retention.getPackage('r', 'maven', 'g:a'))?.versions ?? {}), ['1.0']);
});

t.test('listPackages lists one repository, optionally one format, in key order', async (t) => {
  const { retention } = await openRecords(t);
  await retention.retain('repo', version('zeta', '1.0.0'));
  await retention.retain('repo', version('@scope/alpha', '1.0.0'));
  await retention.retain('repo', version('beta', '1.0.0'));
  await retention.retain('repo', version('requests', '2.0', { format: 'pypi' }));
  await retention.retain('repo2', version('elsewhere', '1.0.0'));
  await retention.retain('rep', version('elsewhere', '1.0.0'));
  t.same(
    (await list(retention, 'repo', 'npm')).map((record) => record.package),
    ['@scope/alpha', 'beta', 'zeta'],
  );
  t.same((await list(retention, 'repo', 'pypi')).map((record) => record.package), ['requests']);
  t.same((await list(retention, 'repo')).map((record) => `${record.format}:${record.package}`).sort(), [
    'npm:@scope/alpha',
    'npm:beta',
    'npm:zeta',
    'pypi:requests',
  ]);
  t.same(await list(retention, 'nobody'), []);
});

t.test('setStatus changes status and revision; Disposed is final', async (t) => {
  const { retention } = await openRecords(t);
  await retention.retain('r', version('pkg', '1.0.0'));
  t.equal(await retention.setStatus('r', 'npm', 'pkg', '9.9.9', 'Archived'), undefined, 'absent version');
  t.equal(await retention.setStatus('r', 'npm', 'nope', '1.0.0', 'Archived'), undefined, 'absent package');

  const unlisted = await retention.setStatus('r', 'npm', 'pkg', '1.0.0', 'Unlisted');
  t.equal(unlisted?.status, 'Unlisted');
  t.not(unlisted?.revision, 'rev-1.0.0', 'revision changed');
  t.same(await retention.getVersion('r', 'npm', 'pkg', '1.0.0'), unlisted, 'stored');
  t.same(await retention.setStatus('r', 'npm', 'pkg', '1.0.0', 'Unlisted'), unlisted, 'same status: no change');

  const republished = await retention.setStatus('r', 'npm', 'pkg', '1.0.0', 'Published');
  t.not(republished?.revision, 'rev-1.0.0', 'back to the first status is still a new revision');
  t.same(republished?.assets, version('pkg', '1.0.0').assets, 'assets untouched');

  await retention.setStatus('r', 'npm', 'pkg', '1.0.0', 'Disposed');
  await t.rejects(retention.setStatus('r', 'npm', 'pkg', '1.0.0', 'Published'), { code: 'E_BAD_REQUEST' });
  t.equal((await retention.getVersion('r', 'npm', 'pkg', '1.0.0'))?.status, 'Disposed');
});

t.test('removeVersion removes one version, and the package with its last one', async (t) => {
  const { retention } = await openRecords(t);
  await retention.retain('r', version('pkg', '1.0.0'));
  await retention.retain('r', version('pkg', '2.0.0'));
  t.equal(await retention.removeVersion('r', 'npm', 'pkg', '3.0.0'), undefined);
  t.same(await retention.removeVersion('r', 'npm', 'pkg', '1.0.0'), version('pkg', '1.0.0'));
  t.same(Object.keys((await retention.getPackage('r', 'npm', 'pkg'))?.versions ?? {}), ['2.0.0']);
  await retention.removeVersion('r', 'npm', 'pkg', '2.0.0');
  t.equal(await retention.getPackage('r', 'npm', 'pkg'), undefined);
  t.same(await list(retention, 'r'), []);
  await retention.retain('r', version('pkg', '1.0.0', { revision: 'again' }));
  t.equal((await retention.getVersion('r', 'npm', 'pkg', '1.0.0'))?.revision, 'again', 'a removed version can be retained anew');
});

t.test('metadata entries: set, get, touch, remove, per repository and variant', async (t) => {
  const { metadata, retention } = await openRecords(t);
  const entry: MetadataEntry = {
    body: '{"name":"@scope/util"}',
    contentType: 'application/json',
    etag: '"abc"',
    lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
    fetchedAt: 1000,
    modifiedAt: 900,
    bodyDigest: 'sha256-xyz',
  };
  t.equal(await metadata.get('gw', 'npm', '@scope/util', 'full'), undefined);
  await metadata.set('gw', 'npm', '@scope/util', 'full', entry);
  t.same(await metadata.get('gw', 'npm', '@scope/util', 'full'), entry);
  t.equal(await metadata.get('gw', 'npm', '@scope/util', 'abbreviated'), undefined, 'variants are separate');
  t.equal(await metadata.get('other', 'npm', '@scope/util', 'full'), undefined, 'repositories are separate');
  t.equal(await retention.getPackage('gw', 'npm', '@scope/util'), undefined, 'metadata is not retention');

  await metadata.touch('gw', 'npm', '@scope/util', 'full', 5000);
  t.same(await metadata.get('gw', 'npm', '@scope/util', 'full'), { ...entry, fetchedAt: 5000 });
  await metadata.touch('gw', 'npm', '@scope/util', 'abbreviated', 5000);
  t.equal(await metadata.get('gw', 'npm', '@scope/util', 'abbreviated'), undefined, 'touch creates nothing');

  t.equal(await metadata.remove('gw', 'npm', '@scope/util', 'full'), true);
  t.equal(await metadata.get('gw', 'npm', '@scope/util', 'full'), undefined);
});
