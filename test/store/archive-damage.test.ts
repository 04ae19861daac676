/**
 * Import of archives that are not what they claim (issue 8 §3: "verified on import"): a blob
 * whose bytes were changed, a blob the data dir already has (even damaged: import never touches
 * stored bytes), truncated or foreign files, a newer format, a records line that is no record —
 * and export of a source whose blobs are damaged or gone.
 */
import { chmodSync, truncateSync } from 'node:fs';
import { chmod, mkdir, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import type { RetainedVersion } from '../../src/domain/types.js';
import { writeTarFile, type TarEntry } from '../../src/store/archive/tar-write.js';
import { contentPath } from '../../src/store/cacache-layout.js';
import { exportFrom, importInto, openStore, type ArchiveStore } from './archive-helpers.js';

function npmVersion(pkg: string, version: string, integrity: string, size: number): RetainedVersion {
  return { format: 'npm', package: pkg, version, status: 'Published', revision: 'r1', assets: [{ name: `${pkg}-${version}.tgz`, integrity, size }], manifest: {}, origin: { repository: 'npm-store' }, retainedAt: '2024-01-01T00:00:00.000Z' };
}

const BODIES = { alpha: Buffer.alloc(5000, 'a'), beta: Buffer.alloc(9000, 'b'), gamma: Buffer.alloc(700, 'g') };

/** A source with alpha, beta and gamma in default and npm-store, exported to `<root>/out.tar`. */
async function exported(t: Test): Promise<{ root: string; file: string; source: ArchiveStore; integrity: Record<keyof typeof BODIES, string> }> {
  const root = t.testdir();
  const source = await openStore(t, join(root, 'source'));
  const integrity = { alpha: '', beta: '', gamma: '' };
  for (const name of ['alpha', 'beta', 'gamma'] as const) {
    integrity[name] = await source.put(BODIES[name]);
    for (const repository of ['default', 'npm-store']) await source.retention.retain(repository, npmVersion(name, '1.0.0', integrity[name], BODIES[name].length));
  }
  const file = join(root, 'out.tar');
  const report = await exportFrom(source, file);
  t.equal(report.manifest.counts.blobs, 3);
  return { root, file, source, integrity };
}

async function flipByteAt(file: string, position: number): Promise<void> {
  await chmod(file, 0o644);
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, position);
  byte[0] = (byte[0] ?? 0) ^ 0x20;
  await handle.write(byte, 0, 1, position);
  await handle.close();
}

t.test('a blob changed in the archive is rejected and named, its versions left out, everything else imported', async (t) => {
  const { root, file, integrity } = await exported(t);
  const archive = await readFile(file);
  await flipByteAt(file, archive.indexOf(BODIES.beta) + 4321);
  const target = await openStore(t, join(root, 'target'));
  const report = await importInto(target, file);
  t.equal(report.rejected.length, 1);
  t.match(report.rejected[0], { integrity: integrity.beta, entry: /^blobs\/sha512\/[0-9a-f]{128}$/, why: /^its bytes hash to sha512-/, referencedBy: /beta@1\.0\.0/ });
  t.equal(report.blobsWritten, 2);
  t.equal(await target.blobs.has(integrity.beta), null, 'nothing of the rejected blob is stored');
  t.same(await readdir(join(target.blobDir, 'tmp')).catch(() => []), [], 'not even a temp file');
  t.same(
    report.incomplete.map((left) => `${left.repository} ${left.package}@${left.version}`),
    ['default beta@1.0.0', 'npm-store beta@1.0.0'],
    'beta is not recorded anywhere: a version is never recorded without its bytes',
  );
  t.same((await target.keys()).sort(), ['pkg/default/npm/alpha', 'pkg/default/npm/gamma', 'pkg/npm-store/npm/alpha', 'pkg/npm-store/npm/gamma']);
  t.ok(await target.retention.getVersion('default', 'npm', 'alpha', '1.0.0'));
});

t.test('a blob the data dir already has is skipped unread, and stored bytes are never replaced, even damaged ones', async (t) => {
  const { root, file, integrity } = await exported(t);
  const target = await openStore(t, join(root, 'target'));
  await target.put(BODIES.alpha);
  const damaged = Buffer.alloc(BODIES.gamma.length, 'X');
  await target.put(BODIES.gamma);
  const gammaPath = contentPath(target.blobDir, integrity.gamma);
  await chmod(gammaPath, 0o644);
  await writeFile(gammaPath, damaged); // the disk damaged it: `larder verify` reports such a blob
  const before = await stat(gammaPath);
  const report = await importInto(target, file);
  t.match(report, { blobsPresent: 2, blobsWritten: 1, rejected: [] });
  t.same(await readFile(gammaPath), damaged, 'the damaged stored blob is left for verify to report');
  t.equal((await stat(gammaPath)).mtimeMs, before.mtimeMs, 'not rewritten');
});

t.test('a truncated, re-compressed-wrong or foreign file is refused as damaged, and no record is written', async (t) => {
  const { root, file } = await exported(t);
  const size = (await stat(file)).size;
  const cases: Array<[string, (path: string) => Promise<void>, RegExp]> = [
    ['truncated in the blobs', (path) => truncate(path, size - 3000), /damaged or not a tar archive: .*Truncated input/],
    ['truncated in a header', (path) => truncate(path, 1024 + 100), /damaged or not a tar archive/],
    ['broken gzip', async (path) => {
      const gz = gzipSync(await readFile(path));
      const middle = Math.floor(gz.length / 2);
      gz[middle] = (gz[middle] ?? 0) ^ 0xff;
      await writeFile(path, gz);
    }, /damaged or not a tar archive/],
    ['not a tar at all', (path) => writeFile(path, 'just some text, no archive here\n'.repeat(40)), /damaged or not a tar archive|not a larder export archive/],
  ];
  for (const [label, damage, message] of cases) {
    const copy = join(root, `${label.replace(/\W+/g, '-')}.tar`);
    await writeFile(copy, await readFile(file));
    await damage(copy);
    const target = await openStore(t, join(root, label.replace(/\W+/g, '-')));
    await t.rejects(importInto(target, copy), { code: 'E_BAD_REQUEST', message }, label);
    t.same(await target.keys(), [], `${label}: no record written`);
    t.same((await readdir(target.dir)).filter((name) => name.startsWith('.import-')), [], `${label}: no staged records left`);
  }
});

async function* bytes(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}

function textEntry(name: string, text: string): TarEntry {
  return { name, size: Buffer.byteLength(text), mtime: new Date(0), body: bytes(text) };
}

const MANIFEST = { format: 'larder-export', version: 1, larderVersion: '1', createdAt: '2024-01-01T00:00:00Z', repositories: [], counts: { repositories: 0, packages: 0, versions: 0, metadata: 0, misses: 0, blobs: 0, bytes: 0 } };

async function* listed(entries: TarEntry[]): AsyncGenerator<TarEntry> {
  yield* entries;
}

t.test('hand-made archives: wrong first entry, a newer format, a records line that is no record, an unknown entry', async (t) => {
  const root = t.testdir();
  const target = await openStore(t, join(root, 'target'));
  const attempt = async (name: string, entries: TarEntry[]): ReturnType<typeof importInto> => {
    const file = join(root, name);
    await writeTarFile(file, listed(entries));
    return importInto(target, file);
  };
  await t.rejects(attempt('a.tar', [textEntry('README', 'hi')]), { code: 'E_BAD_REQUEST', message: /is not a larder export archive: its first entry is "README", not larder-export.json/ });
  await t.rejects(attempt('b.tar', [textEntry('larder-export.json', JSON.stringify({ ...MANIFEST, version: 7, larderVersion: '5.0.0' }))]), {
    message: /export format version 7, written by larder 5\.0\.0; this larder reads version 1: upgrade larder/,
  });
  await t.rejects(attempt('c.tar', [textEntry('larder-export.json', '{"format":"zip"}')]), { message: /not a larder export manifest: its format is "zip"/ });
  await t.rejects(attempt('d.tar', [textEntry('larder-export.json', JSON.stringify(MANIFEST))]), { message: /it has no records\.jsonl/ });
  const good = JSON.stringify({ kind: 'miss', repository: 'maven-1', format: 'maven', package: 'g:a', version: '1', asset: 'a-1.jar', until: 5 });
  const lines = [good, JSON.stringify({ kind: 'package', record: { repository: 'default', format: 'npm', package: 'x', versions: { '1.0.0': { version: '2.0.0' } } } })];
  await t.rejects(attempt('e.tar', [textEntry('larder-export.json', JSON.stringify(MANIFEST)), textEntry('records.jsonl', `${lines.join('\n')}\n`)]), {
    code: 'E_BAD_REQUEST',
    message: /records\.jsonl is damaged: version 1\.0\.0 is recorded as "2\.0\.0"; nothing was imported/,
  });
  await t.rejects(attempt('f.tar', [textEntry('larder-export.json', JSON.stringify(MANIFEST)), textEntry('records.jsonl', '{"kind":"package","record":{"repository":"default"\n')]), { message: /not JSON/ });
  t.same(await target.keys(), [], 'no record from any of them');

  const report = await attempt('g.tar', [textEntry('larder-export.json', JSON.stringify(MANIFEST)), textEntry('records.jsonl', `${good}\n`), textEntry('notes/extra.txt', 'x'), textEntry('blobs/md5/00ff', 'x')]);
  t.same(report.unknownEntries, ['notes/extra.txt', 'blobs/md5/00ff'], 'entries outside the layout are skipped and named');
  t.same(await target.keys(), ['miss/maven-1/maven/g%3Aa/1/a-1.jar']);
});

t.test('export of a source whose blobs are damaged or gone: reported, and the import leaves those versions out', async (t) => {
  const root = t.testdir();
  const source = await openStore(t, join(root, 'source'));
  const put = async (name: keyof typeof BODIES): Promise<string> => {
    const integrity = await source.put(BODIES[name]);
    await source.retention.retain('npm-store', npmVersion(name, '1.0.0', integrity, BODIES[name].length));
    return integrity;
  };
  const alpha = await put('alpha');
  const beta = await put('beta');
  const gamma = await put('gamma');
  await flipByteAt(contentPath(source.blobDir, beta), 10);
  await rm(contentPath(source.blobDir, gamma));
  const file = join(root, 'out.tar');
  const report = await exportFrom(source, file);
  t.match(report.corrupt, [{ integrity: beta, actual: /^sha512-/, referencedBy: 'npm-store npm beta@1.0.0 beta-1.0.0.tgz' }]);
  t.match(report.missing, [{ integrity: gamma, referencedBy: 'npm-store npm gamma@1.0.0 gamma-1.0.0.tgz' }]);
  t.equal(report.manifest.counts.blobs, 2, 'alpha and the damaged beta are in the archive');
  t.same(await readFile(contentPath(source.blobDir, beta)).then((b) => b.length), BODIES.beta.length, 'export evicts nothing: it only reads');

  await mkdir(join(root, 'target'));
  const target = await openStore(t, join(root, 'target'));
  const imported = await importInto(target, file);
  t.match(imported.rejected, [{ integrity: beta }]);
  t.same(imported.incomplete.map((left) => [left.package, left.missing]), [['beta', [beta]], ['gamma', [gamma]]]);
  t.same(await target.keys(), ['pkg/npm-store/npm/alpha']);
  t.ok(await target.blobs.has(alpha));
});

t.test('a blob cut short while it is being exported: the archive stays readable, the blob is reported, and rejected on import', async (t) => {
  const root = t.testdir();
  const source = await openStore(t, join(root, 'source'));
  const big = Buffer.alloc(600_000, 'z');
  const integrity = await source.put(big);
  await source.retention.retain('npm-store', npmVersion('big', '1.0.0', integrity, big.length));
  await source.retention.retain('npm-store', npmVersion('alpha', '1.0.0', await source.put(BODIES.alpha), 5000));
  const path = contentPath(source.blobDir, integrity);
  let cut = false;
  const file = join(root, 'out.tar');
  const report = await exportFrom(source, file, {
    // After the first chunk of the big blob has gone out, the disk loses the rest of it.
    onProgress: (done) => {
      if (!cut && done.bytes > 0 && done.bytes < big.length) {
        cut = true;
        chmodSync(path, 0o644);
        truncateSync(path, 1000); // the same file, as the reader has it open
      }
    },
  });
  t.ok(cut, 'the blob was cut mid-export');
  t.match(report.corrupt, [{ integrity, referencedBy: 'npm-store npm big@1.0.0 big-1.0.0.tgz' }]);
  const target = await openStore(t, join(root, 'target'));
  const imported = await importInto(target, file);
  t.match(imported.rejected, [{ integrity }], 'the zero-padded entry does not match its name');
  t.equal(imported.blobsWritten, 1, 'the entries after it are read as usual');
  t.same(await target.keys(), ['pkg/npm-store/npm/alpha']);
});
