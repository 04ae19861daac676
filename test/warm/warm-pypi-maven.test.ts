/**
 * Warming PyPI and Maven versions through a real daemon in front of a fake index and a fake Maven
 * repository: PyPI with and without the lockfile's hashes (only the pinned files, or every file
 * of the version), Maven's jar and pom (classifiers and pom-only artifacts too), each proved
 * retained by fetching it again with the upstream stopped.
 */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { warm } from '../../src/warm/warmer.js';
import type { MavenWarmItem, PypiWarmItem } from '../../src/warm/types.js';
import { startFakeMaven, type FakeMaven } from '../helpers/fake-maven.js';
import { startFakePypi, type FakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

const FAST_RETRY = { backoffMs: 20, ingestionPauseMs: 50 };

interface Setup {
  pypi: FakePypi;
  maven: FakeMaven;
  larder: TestLarder;
}

async function setUp(t: Test): Promise<Setup> {
  const pypi = await startFakePypi({
    projects: [
      { name: 'Frob_Nicate', versions: { '1.0': { sdist: true, metadataFile: true }, '1.1': { sdist: true } } },
      { name: 'plain', versions: { '2.0.0': { sdist: true } } },
    ],
  });
  const maven = await startFakeMaven({
    artifacts: [
      { groupId: 'com.acme', artifactId: 'lib', versions: { '1.0': { sources: true }, '1.1-SNAPSHOT': {} } },
      { groupId: 'com.acme', artifactId: 'bom', versions: { '3.0': { packaging: 'pom' } } },
    ],
  });
  const larder = await startTestLarder({ pypiUpstream: { url: pypi.url }, mavenUpstreams: [maven.url] });
  t.teardown(async () => {
    await larder.stop();
    await pypi.stop();
    await maven.stop();
  });
  return { pypi, maven, larder };
}

const sha256Sri = (hex: string): string => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;
const pypiItem = (name: string, version: string, integrities: string[] = []): PypiWarmItem => ({ format: 'pypi', name, version, integrities });

async function fetchBytes(url: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

t.test('PyPI: every file of the version without hashes, only the pinned ones with', async (t) => {
  const { pypi, larder } = await setUp(t);
  const frob = pypi.files('frob-nicate').filter((file) => file.version === '1.0');
  t.equal(frob.length, 2, 'a wheel and an sdist');
  const wheel = frob.find((file) => file.kind === 'wheel');
  const plain = pypi.files('plain');
  const plainWheel = plain.find((file) => file.kind === 'wheel');
  if (wheel === undefined || plainWheel === undefined) throw new Error('the fake publishes wheels');

  const dry = await warm({ url: larder.url, repository: 'default', items: [pypiItem('Frob_Nicate', '1.0')], dryRun: true });
  t.equal(dry.items[0]?.state, 'missing');

  const report = await warm({
    url: larder.url,
    repository: 'default',
    items: [pypiItem('Frob_Nicate', '1.0'), pypiItem('plain', '2.0.0', [sha256Sri(plainWheel.sha256), sha256Sri('ab'.repeat(32))])],
    retry: FAST_RETRY,
  });
  t.equal(report.ok, true, JSON.stringify(report.items.map((item) => item.failure)));
  const names = (index: number): string[] => (report.items[index]?.files ?? []).map((file) => file.name).sort();
  t.same(names(0), [wheel.filename, `${wheel.filename}.metadata`, frob.find((file) => file.kind === 'sdist')?.filename].sort(), 'no hashes: every file of 1.0, with the wheel\'s core metadata');
  t.same(names(1), [plainWheel.filename], 'hashes: only the file the lockfile pins');
  t.equal(pypi.count((r) => r.path.endsWith('.tar.gz') && r.path.includes('plain')), 0, 'the unpinned sdist was never fetched');
  t.equal(pypi.count((r) => r.path.includes('frob_nicate-1.1') || r.path.includes('Frob_Nicate-1.1')), 0, 'nor another version');

  const after = await warm({ url: larder.url, repository: 'default', items: [pypiItem('frob.nicate', '1.0'), pypiItem('plain', '2.0.0', [sha256Sri(plainWheel.sha256)])], dryRun: true });
  t.same(after.items.map((item) => item.state), ['retained', 'retained'], 'the dry run finds both (any spelling of the name)');

  const padded = await warm({ url: larder.url, repository: 'default', items: [pypiItem('frob-nicate', '1.0.0')], retry: FAST_RETRY });
  t.same(padded.items.map((item) => [item.state, item.files.length]), [['retained', 3]], '==1.0.0 is 1.0 (PEP 440), already there');

  await pypi.stop();
  for (const file of [...frob, plainWheel]) {
    const got = await fetchBytes(`${larder.url}/pypi/default/files/${file.project}/${file.filename}`);
    t.equal(got.status, 200, `${file.filename} served with the index down`);
    t.equal(createHash('sha256').update(got.bytes).digest('hex'), file.sha256, `${file.filename}: the index's bytes`);
  }
});

t.test('PyPI: pins of no file, and a version the index lacks, are failures', async (t) => {
  const { larder } = await setUp(t);
  const report = await warm({
    url: larder.url,
    repository: 'default',
    items: [pypiItem('plain', '2.0.0', [sha256Sri('cd'.repeat(32))]), pypiItem('plain', '9.0'), pypiItem('no-such-project', '1.0'), { ...pypiItem('Frob_Nicate', '1.1'), files: ['frob_nicate-1.1-py3-none-win32.whl'] }],
    retry: FAST_RETRY,
  });
  t.same(report.items.map((item) => item.failure?.kind), ['no-files', 'not-found', 'not-found', 'not-found']);
  t.match(report.items[0]?.failure?.message, /none of the 2 files of 2\.0\.0 on the project page has a digest the lockfile pins/);
  t.match(report.items[0]?.failure?.fix, /pip-compile --generate-hashes/);
  t.match(report.items[1]?.failure?.message, /lists no file of version 9\.0/);
  t.match(report.items[3]?.failure?.message, /names frob_nicate-1\.1-py3-none-win32\.whl, which the project page for frob-nicate in default does not list/);
  t.equal(report.ok, false);
});

t.test('Maven: the jar and the pom, a classifier, a pom-only artifact', async (t) => {
  const { maven, larder } = await setUp(t);
  const items: MavenWarmItem[] = [
    { format: 'maven', groupId: 'com.acme', artifactId: 'lib', version: '1.0', type: 'jar' },
    { format: 'maven', groupId: 'com.acme', artifactId: 'lib', version: '1.0', type: 'jar', classifier: 'sources' },
    { format: 'maven', groupId: 'com.acme', artifactId: 'bom', version: '3.0', type: 'pom' },
  ];
  const report = await warm({ url: larder.url, repository: 'default', items, retry: FAST_RETRY });
  t.equal(report.ok, true, JSON.stringify(report.items.map((item) => item.failure)));
  t.same(report.items.map((item) => item.files.map((file) => file.name)), [['lib-1.0.jar', 'lib-1.0.pom'], ['lib-1.0-sources.jar', 'lib-1.0.pom'], ['bom-3.0.pom']]);
  t.same(report.items.map((item) => item.label), ['com.acme:lib:1.0', 'com.acme:lib:1.0:sources@jar', 'com.acme:bom:3.0:@pom']);

  const dry = await warm({ url: larder.url, repository: 'default', items, dryRun: true });
  t.same(dry.items.map((item) => item.state), ['retained', 'retained', 'retained']);

  const paths = ['com/acme/lib/1.0/lib-1.0.jar', 'com/acme/lib/1.0/lib-1.0.pom', 'com/acme/lib/1.0/lib-1.0-sources.jar', 'com/acme/bom/3.0/bom-3.0.pom'];
  const expected = await Promise.all(paths.map((path) => maven.file(path)));
  await maven.stop();
  for (const [index, path] of paths.entries()) {
    const got = await fetchBytes(`${larder.maven()}${path}`);
    t.equal(got.status, 200, `${path} served with the repository down`);
    t.ok(got.bytes.equals(expected[index]?.bytes ?? Buffer.alloc(0)), `${path}: the repository's bytes`);
  }
});

t.test('Maven: a missing version and a SNAPSHOT are failures that say why', async (t) => {
  const { larder } = await setUp(t);
  const report = await warm({
    url: larder.url,
    repository: 'default',
    items: [
      { format: 'maven', groupId: 'com.acme', artifactId: 'lib', version: '9.9', type: 'jar' },
      { format: 'maven', groupId: 'com.acme', artifactId: 'lib', version: '1.1-SNAPSHOT', type: 'jar' },
      { format: 'maven', groupId: 'com..acme', artifactId: 'lib', version: '1.0', type: 'jar' },
    ],
    retry: FAST_RETRY,
  });
  t.same(report.items.map((item) => item.failure?.kind), ['not-found', 'snapshot', 'invalid']);
  t.match(report.items[0]?.failure?.message, /larder answered 404 E_NOT_FOUND for com\.acme:lib:9\.9 \(lib-9\.9\.jar\)/);
  t.match(report.items[1]?.failure?.fix, /pin a release version/);
});
