// The management API's copy (records only, same blobs) and a version's contents: assets listed
// and downloaded, dependencies from the stored manifest, and the readme.
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { api } from './seed.js';

interface ChangeAnswer {
  successfulVersions: Record<string, { revision: string; status: string }>;
  failedVersions: Record<string, { errorCode: string; errorMessage: string }>;
}

const q = (params: Record<string, string>): string => new URLSearchParams(params).toString();

async function start(t: Test) {
  const registry = await startFakeNpmRegistry({
    packages: [
      {
        name: 'dep',
        versions: {
          '1.0.0': {
            dependencies: { left: '^1.0.0', '@acme/util': '~2.0.0' },
            optionalDependencies: { opt: '*' },
            peerDependencies: { react: '>=18' },
            devDependencies: { tap: '^21.0.0' },
            extra: { readme: '# dep\n\nThe readme.' },
          },
          '1.1.0': {},
        },
      },
    ],
  });
  const larder = await startTestLarder({
    npmUpstream: registry.url,
    repositories: { 'npm-store': { external: { format: 'npm', url: registry.url } }, team: {} },
  });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  // The full packument, as npm 11 asks for it: the versions are retained with their whole manifest
  // (an abbreviated packument carries no readme).
  await (await fetch(`${larder.npm('npm-store')}dep`, { headers: { accept: 'application/json' } })).arrayBuffer();
  for (const version of ['1.0.0', '1.1.0']) {
    const res = await fetch(`${larder.npm('npm-store')}dep/-/dep-${version}.tgz`);
    t.equal(res.status, 200, `${version} retained in npm-store`);
    await res.arrayBuffer();
  }
  await larder.daemon.settle();
  return { registry, larder };
}

t.test('copy: the destination installs from the same blob without asking the upstream; ALREADY_EXISTS unless allowOverwrite', async (t) => {
  const { registry, larder } = await start(t);
  const before = registry.count();
  const missing = await fetch(`${larder.npm('team')}dep/-/dep-1.0.0.tgz`);
  t.equal(missing.status, 404, 'team has no upstream and does not hold it yet');
  await missing.arrayBuffer();

  const body = { sourceRepository: 'npm-store', destinationRepository: 'team', format: 'npm', package: 'dep' };
  const copied = await api<ChangeAnswer>(larder.url, 'versions/copy', { ...body, versions: ['1.0.0', '3.0.0'] });
  t.equal(copied.status, 200);
  t.equal(copied.body.successfulVersions['1.0.0']?.status, 'Published');
  t.equal(copied.body.failedVersions['3.0.0']?.errorCode, 'NOT_FOUND');
  const described = await api<{ origin: { repository: string; connection: string | null }; status: string }>(larder.url, `versions/describe?${q({ repository: 'team', format: 'npm', package: 'dep', version: '1.0.0' })}`);
  t.match(described.body, { status: 'Published', origin: { repository: 'npm-store', connection: null } });

  const installed = await fetch(`${larder.npm('team')}dep/-/dep-1.0.0.tgz`);
  t.equal(installed.status, 200);
  t.equal(installed.headers.get('x-cache'), 'hit');
  t.same(Buffer.from(await installed.arrayBuffer()), (await registry.tarball('dep', '1.0.0')).bytes);
  t.equal(registry.count(), before, 'no upstream request');

  const again = await api<ChangeAnswer>(larder.url, 'versions/copy', { ...body, versions: ['1.0.0'] });
  t.equal(again.status, 200);
  t.equal(again.body.failedVersions['1.0.0']?.errorCode, 'ALREADY_EXISTS');
  t.same(again.body.successfulVersions, {});
  await api(larder.url, 'versions/status', { repository: 'npm-store', format: 'npm', package: 'dep', versions: ['1.0.0'], targetStatus: 'Unlisted' });
  const overwritten = await api<ChangeAnswer>(larder.url, 'versions/copy', { ...body, versions: ['1.0.0'], allowOverwrite: true });
  t.equal(overwritten.body.successfulVersions['1.0.0']?.status, 'Unlisted', 'allowOverwrite replaces it, status kept from the source');

  const bad = await api<{ error: string }>(larder.url, 'versions/copy', { ...body, versions: ['1.0.0'], allowOverwrite: 'yes' });
  t.equal(bad.status, 400);
  t.match(bad.body.error, /allowOverwrite/);
  const nowhere = await api<{ error: string }>(larder.url, 'versions/copy', { ...body, destinationRepository: 'nope', versions: ['1.0.0'] });
  t.equal(nowhere.status, 404);
  t.match(nowhere.body.error, /"nope"/);
});

t.test('assets: listed with their hashes, downloaded with the upstream bytes', async (t) => {
  const { registry, larder } = await start(t);
  const tarball = await registry.tarball('dep', '1.0.0');
  const at = { repository: 'npm-store', format: 'npm', package: 'dep', version: '1.0.0' };
  const listed = await api<{ assets: unknown[] }>(larder.url, `versions/assets?${q(at)}`);
  t.equal(listed.status, 200);
  t.same(listed.body.assets, [{ name: 'dep-1.0.0.tgz', size: tarball.bytes.length, hashes: { SHA512: createHash('sha512').update(tarball.bytes).digest('hex') } }]);

  const res = await fetch(`${larder.url}/-/api/versions/asset?${q({ ...at, asset: 'dep-1.0.0.tgz' })}`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-length'), String(tarball.bytes.length));
  t.match(res.headers.get('content-type'), /octet-stream|gzip|tar/);
  t.same(Buffer.from(await res.arrayBuffer()), tarball.bytes);

  const noAsset = await api<{ error: string }>(larder.url, `versions/asset?${q({ ...at, asset: 'other.tgz' })}`);
  t.equal(noAsset.status, 404);
  t.match(noAsset.body.error, /"other\.tgz"/);
  const noVersion = await api<{ error: string }>(larder.url, `versions/assets?${q({ ...at, version: '9.9.9' })}`);
  t.equal(noVersion.status, 404);
  t.match(noVersion.body.error, /"9\.9\.9"/);
  const noName = await api<{ error: string }>(larder.url, `versions/asset?${q(at)}`);
  t.equal(noName.status, 400);
  t.match(noName.body.error, /asset is required/);
});

t.test('dependencies and readme from the stored manifest', async (t) => {
  const { larder } = await start(t);
  const at = { repository: 'npm-store', format: 'npm', package: 'dep' };
  const deps = await api<{ dependencies: unknown[] }>(larder.url, `versions/dependencies?${q({ ...at, version: '1.0.0' })}`);
  t.equal(deps.status, 200);
  t.same(deps.body.dependencies, [
    { package: 'left', dependencyType: 'regular', versionRequirement: '^1.0.0' },
    { namespace: 'acme', package: 'util', dependencyType: 'regular', versionRequirement: '~2.0.0' },
    { package: 'opt', dependencyType: 'optional', versionRequirement: '*' },
    { package: 'react', dependencyType: 'peer', versionRequirement: '>=18' },
  ]);
  const none = await api<{ dependencies: unknown[] }>(larder.url, `versions/dependencies?${q({ ...at, version: '1.1.0' })}`);
  t.same(none.body, { dependencies: [] });

  const readme = await api<{ readme: string }>(larder.url, `versions/readme?${q({ ...at, version: '1.0.0' })}`);
  t.equal(readme.status, 200);
  t.same(readme.body, { readme: '# dep\n\nThe readme.' });
  const noReadme = await api<{ error: string }>(larder.url, `versions/readme?${q({ ...at, version: '1.1.0' })}`);
  t.equal(noReadme.status, 404);
  t.match(noReadme.body.error, /no readme stored for dep@1\.1\.0/);
});
