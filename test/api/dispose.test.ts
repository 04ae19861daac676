// The management API's dispose: the record stays as Disposed with no assets, the blob goes only
// when no repository references it any more, and a disposed version neither installs nor is
// fetched again from the upstream.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { api } from './seed.js';

interface ChangeAnswer {
  successfulVersions: Record<string, { revision: string; status: string }>;
  failedVersions: Record<string, { errorCode: string; errorMessage: string }>;
}

const coordinates = { format: 'npm', package: 'dep' };

async function startRetaining(t: Test) {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'dep', versions: { '1.0.0': {}, '1.1.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  for (const version of ['1.0.0', '1.1.0']) {
    const res = await fetch(`${larder.npm()}dep/-/dep-${version}.tgz`);
    t.equal(res.status, 200, `${version} retained in default and in the gateway npm-store`);
    await res.arrayBuffer();
  }
  await larder.daemon.settle();
  return { registry, larder };
}

/** Where cacache keeps a sha512 blob: content-v2/sha512/ab/cd/rest-of-hex. */
async function blobExists(dataDir: string, bytes: Buffer): Promise<boolean> {
  const hex = createHash('sha512').update(bytes).digest('hex');
  const file = join(dataDir, 'blobs-v1', 'content-v2', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
  return stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

t.test('dispose keeps the blob while another repository holds it, and deletes it with the last holder', async (t) => {
  const { registry, larder } = await startRetaining(t);
  const bytes = (await registry.tarball('dep', '1.0.0')).bytes;
  t.ok(await blobExists(larder.dataDir, bytes), 'the blob is on disk before dispose');

  const first = await api<ChangeAnswer>(larder.url, 'versions/dispose', { ...coordinates, repository: 'default', versions: ['1.0.0', '7.7.7'] });
  t.equal(first.status, 200);
  t.equal(first.body.successfulVersions['1.0.0']?.status, 'Disposed');
  t.equal(first.body.failedVersions['7.7.7']?.errorCode, 'NOT_FOUND');
  t.ok(await blobExists(larder.dataDir, bytes), 'npm-store still holds the version: the blob stays');
  const described = await api<{ status: string; assets: unknown[] }>(larder.url, 'versions/describe?repository=default&format=npm&package=dep&version=1.0.0');
  t.equal(described.status, 200, 'the record is kept');
  t.match(described.body, { status: 'Disposed', assets: [] });
  const viaGateway = await fetch(`${larder.npm('npm-store')}dep/-/dep-1.0.0.tgz`);
  t.equal(viaGateway.status, 200);
  t.equal(viaGateway.headers.get('x-cache'), 'hit');
  t.same(Buffer.from(await viaGateway.arrayBuffer()), bytes);

  const second = await api<ChangeAnswer>(larder.url, 'versions/dispose', { ...coordinates, repository: 'npm-store', versions: ['1.0.0'] });
  t.equal(second.status, 200);
  t.equal(second.body.successfulVersions['1.0.0']?.status, 'Disposed');
  t.notOk(await blobExists(larder.dataDir, bytes), 'no repository holds it any more: the blob file is gone');
  t.ok(await blobExists(larder.dataDir, (await registry.tarball('dep', '1.1.0')).bytes), 'other versions keep their blobs');

  const again = await api<ChangeAnswer>(larder.url, 'versions/dispose', { ...coordinates, repository: 'npm-store', versions: ['1.0.0'] });
  t.equal(again.body.successfulVersions['1.0.0']?.status, 'Disposed', 'disposing twice is harmless');
  const guarded = await api<ChangeAnswer & { code?: string }>(larder.url, 'versions/dispose', { ...coordinates, repository: 'default', versions: ['1.1.0'], expectedStatus: 'Archived' });
  t.equal(guarded.status, 409, 'the expectedStatus guard applies');
  const restore = await api<ChangeAnswer>(larder.url, 'versions/status', { ...coordinates, repository: 'default', versions: ['1.0.0'], targetStatus: 'Published' });
  t.equal(restore.body.failedVersions['1.0.0']?.errorCode, 'NOT_ALLOWED', 'a disposed version cannot be restored');
});

t.test('a disposed version answers 404 saying Disposed and is not fetched from the upstream again', async (t) => {
  const { registry, larder } = await startRetaining(t);
  const disposed = await api<ChangeAnswer>(larder.url, 'versions/dispose', { ...coordinates, repository: 'default', versions: ['1.0.0'] });
  t.equal(disposed.status, 200);
  const tarballs = (): number => registry.count((request) => request.path.endsWith('.tgz'));
  const before = tarballs();
  for (let i = 0; i < 2; i += 1) {
    const res = await fetch(`${larder.npm()}dep/-/dep-1.0.0.tgz`);
    t.equal(res.status, 404);
    t.match(((await res.json()) as { error: string }).error, /1\.0\.0 is Disposed in default/);
  }
  await larder.daemon.settle();
  t.equal(tarballs(), before, 'the upstream was not asked for it');
  const record = await api<{ status: string; assets: unknown[] }>(larder.url, 'versions/describe?repository=default&format=npm&package=dep&version=1.0.0');
  t.match(record.body, { status: 'Disposed', assets: [] }, 'nothing was retained over it');
  const asset = await api<{ error: string }>(larder.url, 'versions/asset?repository=default&format=npm&package=dep&version=1.0.0&asset=dep-1.0.0.tgz');
  t.equal(asset.status, 404);
  t.match(asset.body.error, /Disposed/);
});
