/**
 * exportArchive / importArchive (issue 8 §3) on real stores: a sqlite record store and a cacache
 * blob store in temp dirs, filled through the store classes, exported, imported into a second
 * data dir and compared record by record and byte by byte. The merge rules (merge.ts) are checked
 * against a data dir that already holds some of the same packages.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import type { Format, RetainedVersion, VersionStatus } from '../../src/domain/types.js';
import type { MetadataEntry } from '../../src/store/types.js';
import { exportFrom, importInto, openStore, type ArchiveStore } from './archive-helpers.js';

/** t.testdir() empties the test's directory each time it is called: one call per test, here. */
const roots = new WeakMap<Test, string>();
function root(t: Test): string {
  let dir = roots.get(t);
  if (dir === undefined) {
    dir = t.testdir();
    roots.set(t, dir);
  }
  return dir;
}

/** A data dir named `name` in the test's directory. */
const store = (t: Test, name: string): Promise<ArchiveStore> => openStore(t, join(root(t), name));

function version(format: Format, pkg: string, v: string, assets: Array<{ name: string; integrity: string; size: number }>, status: VersionStatus = 'Published'): RetainedVersion {
  return { format, package: pkg, version: v, status, revision: `rev-${v}-${status}`, assets, manifest: { name: pkg, version: v }, origin: { repository: 'npm-store', connection: 'custom' }, retainedAt: '2024-05-01T10:00:00.000Z' };
}

function entry(body: string, fetchedAt: number): MetadataEntry {
  return { body, contentType: 'application/json', fetchedAt, bodyDigest: `digest-of-${body}`, etag: '"e1"' };
}

const body = (label: string, size = 3000): Buffer => Buffer.alloc(size, label);

/** A source data dir: npm (scoped and not), PyPI with two files, a Disposed version, metadata and misses, in three repositories. */
async function filledSource(t: Test): Promise<{ source: ArchiveStore; blobs: { left: string; scoped: string; wheel: string; sdist: string; jar: string } }> {
  const source = await store(t, 'source');
  const blobs = { left: await source.put(body('l')), scoped: await source.put(body('s', 70_000)), wheel: await source.put(body('w')), sdist: await source.put(body('d')), jar: await source.put(body('j')) };
  for (const repository of ['default', 'npm-store']) {
    await source.retention.retain(repository, version('npm', 'left-pad', '1.0.0', [{ name: 'left-pad-1.0.0.tgz', integrity: blobs.left, size: 3000 }]));
    await source.retention.retain(repository, version('npm', '@acme/util', '2.0.0', [{ name: 'util-2.0.0.tgz', integrity: blobs.scoped, size: 70_000 }]));
  }
  await source.retention.retain('npm-store', version('npm', 'left-pad', '0.9.0', [], 'Disposed'));
  await source.retention.retain('pypi-store', version('pypi', 'frob', '1.0', [
    { name: 'frob-1.0-py3-none-any.whl', integrity: blobs.wheel, size: 3000 },
    { name: 'frob-1.0.tar.gz', integrity: blobs.sdist, size: 3000 },
  ]));
  await source.retention.retain('maven-1', version('maven', 'org.example:lib', '1.0', [{ name: 'lib-1.0.jar', integrity: blobs.jar, size: 3000 }]));
  await source.metadata.set('npm-store', 'npm', 'left-pad', 'full', entry('{"name":"left-pad"}', 1_000));
  await source.metadata.set('npm-store', 'npm', '@acme/util', 'abbreviated', entry('{"name":"@acme/util"}', 1_000));
  await source.metadata.set('npm-store', 'npm', 'nothing-here', 'full', { ...entry('', 1_000), absent: true });
  await source.metadata.set('pypi-store', 'pypi', 'frob', 'json', entry('{"files":[]}', 1_000));
  await source.misses.remember('maven-1', 'maven', 'org.example:lib', '1.0', 'lib-1.0-javadoc.jar', 5_000);
  return { source, blobs };
}

t.test('everything round-trips: records equal, blobs byte for byte, tar and tar.gz, readable by GNU tar', async (t) => {
  const { source, blobs } = await filledSource(t);
  const expected = await source.dump();
  for (const name of ['all.tar', 'all.tgz']) {
    const file = join(root(t), name);
    const exported = await exportFrom(source, file, { larderVersion: '9.9.9', now: () => new Date('2024-06-01T00:00:00Z') });
    t.same(exported.missing, [], 'no blob missing');
    t.same(exported.corrupt, []);
    t.same(exported.damaged, []);
    t.match(exported.manifest, {
      format: 'larder-export',
      version: 1,
      larderVersion: '9.9.9',
      createdAt: '2024-06-01T00:00:00.000Z',
      counts: { repositories: 4, packages: 6, versions: 7, metadata: 4, misses: 1, blobs: 5, bytes: 4 * 3000 + 70_000 },
    });
    t.same(
      exported.manifest.repositories.map((r) => [r.name, r.formats, r.packages, r.versions, r.metadata, r.misses]),
      [
        ['default', ['npm'], 2, 2, 0, 0],
        ['maven-1', ['maven'], 1, 1, 0, 1],
        ['npm-store', ['npm'], 2, 3, 3, 0],
        ['pypi-store', ['pypi'], 1, 1, 1, 0],
      ],
    );
    const { stdout } = await promisify(execFile)('tar', ['-tf', file]);
    const names = stdout.trim().split('\n');
    t.same(names.slice(0, 2), ['larder-export.json', 'records.jsonl'], 'the manifest first, then the records');
    t.equal(names.filter((n) => n.startsWith('blobs/sha512/')).length, 5, 'each blob once, named by its hex digest (GNU tar reads the pax names)');
    const manifest = await promisify(execFile)('tar', ['-xOf', file, 'larder-export.json']);
    t.equal(JSON.parse(manifest.stdout).counts.blobs, 5);

    const target = await store(t, `target-${name}`);
    const imported = await importInto(target, file);
    t.same(imported.rejected, []);
    t.same(imported.incomplete, []);
    t.match(imported, { blobsWritten: 5, blobsPresent: 0, versionsAdded: 7, versionsKept: 0, packages: 6, metadataWritten: 4, missesWritten: 1, repositories: ['default', 'maven-1', 'npm-store', 'pypi-store'] });
    t.same(await target.dump(), expected, `${name}: every record as it was`);
    for (const [label, integrity] of Object.entries(blobs)) {
      t.same(await target.bytes(integrity), await source.bytes(integrity), `${name}: blob ${label} byte for byte`);
    }
  }
});

t.test('a chosen subset: only those repositories and the blobs they reference', async (t) => {
  const { source, blobs } = await filledSource(t);
  const file = join(root(t), 'pypi.tar');
  const exported = await exportFrom(source, file, { repositories: ['pypi-store', 'maven-1'] });
  t.same(exported.manifest.repositories.map((r) => r.name), ['maven-1', 'pypi-store']);
  t.equal(exported.manifest.counts.blobs, 3);
  const target = await store(t, 'target');
  await importInto(target, file);
  t.same(Object.keys(await target.dump()).sort(), [
    'meta/pypi-store/pypi/frob/json',
    'miss/maven-1/maven/org.example%3Alib/1.0/lib-1.0-javadoc.jar',
    'pkg/maven-1/maven/org.example%3Alib',
    'pkg/pypi-store/pypi/frob',
  ]);
  t.equal(await target.blobs.has(blobs.left), null, 'an npm blob was not carried');
  t.ok(await target.blobs.has(blobs.wheel));

  // Import side: --repo picks from what the archive holds, and a name it does not hold is an error.
  const picky = await store(t, 'picky');
  const only = await importInto(picky, file, { repositories: new Set(['maven-1']) });
  t.same(only.repositories, ['maven-1']);
  t.match(only, { blobsWritten: 1, blobsUnreferenced: 2 });
  t.same(Object.keys(await picky.dump()).sort(), ['miss/maven-1/maven/org.example%3Alib/1.0/lib-1.0-javadoc.jar', 'pkg/maven-1/maven/org.example%3Alib']);
  await t.rejects(importInto(picky, file, { repositories: new Set(['default']) }), {
    code: 'E_USAGE',
    message: /the archive holds no repository "default" \(it holds: maven-1, pypi-store\)/,
  });
});

t.test('merging into a data dir that holds the same packages: nothing retained is lost or changed', async (t) => {
  const { source, blobs } = await filledSource(t);
  // The source also has a version the target lacks.
  const newer = await source.put(body('n'));
  await source.retention.retain('npm-store', version('npm', 'left-pad', '1.1.0', [{ name: 'left-pad-1.1.0.tgz', integrity: newer, size: 3000 }]));
  const file = join(root(t), 'all.tar');
  await exportFrom(source, file);

  const target = await store(t, 'target');
  const own = await target.put(body('o'));
  const wheelOnly = await target.put(body('w'));
  // left-pad 1.0.0 is retained here too, and archived here: it must stay archived, same revision.
  await target.retention.retain('npm-store', version('npm', 'left-pad', '1.0.0', [{ name: 'left-pad-1.0.0.tgz', integrity: blobs.left, size: 3000 }]));
  await target.retention.setStatus('npm-store', 'npm', 'left-pad', '1.0.0', 'Archived');
  const archived = await target.retention.getVersion('npm-store', 'npm', 'left-pad', '1.0.0');
  // A version only this data dir has.
  await target.retention.retain('npm-store', version('npm', 'left-pad', '3.0.0', [{ name: 'left-pad-3.0.0.tgz', integrity: own, size: 3000 }]));
  // frob 1.0 retained here with its wheel only: it gains the sdist.
  await target.retention.retain('pypi-store', version('pypi', 'frob', '1.0', [{ name: 'frob-1.0-py3-none-any.whl', integrity: wheelOnly, size: 3000 }]));
  // Metadata: left-pad's here is newer than the archive's, util's older.
  await target.metadata.set('npm-store', 'npm', 'left-pad', 'full', entry('{"name":"left-pad","mine":true}', 9_000));
  await target.metadata.set('npm-store', 'npm', '@acme/util', 'abbreviated', entry('{"old":true}', 10));
  await target.misses.remember('maven-1', 'maven', 'org.example:lib', '1.0', 'lib-1.0-javadoc.jar', 99_000);

  const imported = await importInto(target, file);
  t.match(imported, { blobsPresent: 1, blobsWritten: 5, versionsKept: 1, versionsExtended: 1, metadataWritten: 3, metadataKept: 1, missesKept: 1 });
  t.same(imported.rejected, []);
  t.same(await target.retention.getVersion('npm-store', 'npm', 'left-pad', '1.0.0'), archived, 'the archived version is exactly as it was');
  t.ok(await target.retention.getVersion('npm-store', 'npm', 'left-pad', '3.0.0'), 'a version only the target had is kept');
  t.equal((await target.retention.getVersion('npm-store', 'npm', 'left-pad', '1.1.0'))?.status, 'Published', 'the newer version is added');
  t.equal((await target.retention.getVersion('npm-store', 'npm', 'left-pad', '0.9.0'))?.status, 'Disposed', 'a disposed version comes as it is, with no blobs');
  const frob = await target.retention.getVersion('pypi-store', 'pypi', 'frob', '1.0');
  t.same(frob?.assets.map((a) => a.name), ['frob-1.0-py3-none-any.whl', 'frob-1.0.tar.gz'], 'frob gained its sdist');
  t.not(frob?.revision, 'rev-1.0-Published', 'and so a new revision');
  t.match(await target.metadata.get('npm-store', 'npm', 'left-pad', 'full'), { fetchedAt: 9_000, body: '{"name":"left-pad","mine":true}' }, 'newer metadata here is kept');
  t.match(await target.metadata.get('npm-store', 'npm', '@acme/util', 'abbreviated'), { fetchedAt: 1_000 }, 'older metadata here is replaced');
  t.equal(await target.misses.until('maven-1', 'maven', 'org.example:lib', '1.0', 'lib-1.0-javadoc.jar'), 99_000, 'the miss fresh longer is kept');
  t.same(await target.bytes(newer), body('n'));

  // Importing the same archive again changes nothing and writes no blob.
  const before = await target.dump();
  const again = await importInto(target, file);
  t.match(again, { blobsWritten: 0, blobsPresent: 6, versionsAdded: 0, versionsExtended: 0, metadataWritten: 0 });
  t.same(await target.dump(), before, 'idempotent');
});

t.test('the staging files are gone afterwards, and the archive is written whole or not at all', async (t) => {
  const { source } = await filledSource(t);
  const dir = join(root(t), 'out');
  await mkdir(dir);
  const file = join(dir, 'out.tar');
  await exportFrom(source, file);
  t.same(await readdir(dir), ['out.tar'], 'no staging or temp file beside the archive');
  const target = await store(t, 'target');
  await importInto(target, file);
  t.same((await readdir(target.dir)).filter((name) => name.startsWith('.import-')), [], 'no staged records left in the data dir');
  // A failure half way through the blobs (here thrown by the progress callback) leaves no archive.
  const failed = join(dir, 'failed.tar');
  const failing = exportFrom(source, failed, {
    onProgress: (done) => {
      if (done.items > 1) throw new Error('no space left on device');
    },
  });
  await t.rejects(failing, { message: 'no space left on device' });
  t.same((await readdir(dir)).sort(), ['out.tar'], 'nothing named failed.tar, no temp file, no staging file');
  t.ok((await readFile(file)).length > 0);
});

t.test('odd but valid data survives: an empty blob, a version named __proto__, names the key scheme escapes', async (t) => {
  const source = await store(t, 'source');
  const empty = await source.put(Buffer.alloc(0));
  const odd = await source.put(body('x'));
  await source.retention.retain('npm-store', version('npm', '@scope/ünï-cödé', '__proto__', [{ name: 'empty.tgz', integrity: empty, size: 0 }]));
  await source.retention.retain('npm-store', version('npm', '@scope/ünï-cödé', '1.0.0+build/1', [{ name: 'odd%2F.tgz', integrity: odd, size: 3000 }]));
  await source.metadata.set('npm-store', 'npm', '@scope/ünï-cödé', 'full/with:odd%', entry('{"ünï":"cödé\\n"}', 5));
  const expected = await source.dump();
  const file = join(root(t), 'odd.tgz');
  await exportFrom(source, file);
  const target = await store(t, 'target');
  const report = await importInto(target, file);
  t.match(report, { blobsWritten: 2, versionsAdded: 2, rejected: [], incomplete: [] });
  t.same(await target.dump(), expected);
  const record = await target.retention.getPackage('npm-store', 'npm', '@scope/ünï-cödé');
  t.ok(record !== undefined && Object.hasOwn(record.versions, '__proto__'), '__proto__ is a version, not a prototype');
  t.same(await target.bytes(empty), Buffer.alloc(0));
});
