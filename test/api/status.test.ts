// The management API's changes: status updates (with the expectedStatus guard and its 409),
// deletes, and the statuses taking effect in what npm clients see.
import t, { type Test } from 'tap';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { api } from './seed.js';

interface ChangeAnswer {
  successfulVersions: Record<string, { revision: string; status: string }>;
  failedVersions: Record<string, { errorCode: string; errorMessage: string }>;
  code?: string;
  error?: string;
}

const ABBREVIATED = { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' };
const coordinates = { repository: 'default', format: 'npm', package: 'dep' };

async function startRetaining(t: Test) {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'dep', versions: { '1.0.0': {}, '1.1.0': {}, '1.2.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  await (await fetch(`${larder.npm()}dep`, { headers: ABBREVIATED })).arrayBuffer();
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
    const res = await fetch(`${larder.npm()}dep/-/dep-${version}.tgz`);
    t.equal(res.status, 200, `${version} retained through larder`);
    await res.arrayBuffer();
  }
  await larder.daemon.settle();
  return { registry, larder };
}

async function listed(url: string, accept: Record<string, string> = ABBREVIATED): Promise<string[]> {
  const doc = (await (await fetch(`${url}dep`, { headers: accept })).json()) as { versions: Record<string, unknown> };
  return Object.keys(doc.versions).sort();
}

/** Versions the install document lists as deprecated (how it carries Unlisted ones). */
async function deprecated(url: string): Promise<string[]> {
  const doc = (await (await fetch(`${url}dep`, { headers: ABBREVIATED })).json()) as { versions: Record<string, { deprecated?: string }> };
  return Object.entries(doc.versions).filter(([, manifest]) => manifest.deprecated !== undefined).map(([version]) => version).sort();
}

/** Changes the status in the requesting repository and in the gateway, which also retains it. */
async function setEverywhere(url: string, versions: string[], targetStatus: string, expectedStatus?: string): Promise<void> {
  for (const repository of ['default', 'npm-store']) {
    const res = await api<ChangeAnswer>(url, 'versions/status', { ...coordinates, repository, versions, targetStatus, ...(expectedStatus ? { expectedStatus } : {}) });
    if (res.status !== 200 || Object.keys(res.body.failedVersions).length > 0) throw new Error(`status change in ${repository} failed: ${JSON.stringify(res.body)}`);
  }
}

t.test('status changes take effect in npm: Archived neither lists nor installs, Unlisted installs by exact version', async (t) => {
  const { larder } = await startRetaining(t);
  t.same(await listed(larder.npm()), ['1.0.0', '1.1.0', '1.2.0']);
  const before = await api<{ versions: Array<{ version: string; revision: string }> }>(larder.url, `versions?repository=default&format=npm&package=dep`);

  const archived = await api<ChangeAnswer>(larder.url, 'versions/status', { ...coordinates, versions: ['1.0.0'], targetStatus: 'Archived' });
  t.equal(archived.status, 200);
  t.equal(archived.body.successfulVersions['1.0.0']?.status, 'Archived');
  t.not(archived.body.successfulVersions['1.0.0']?.revision, before.body.versions[0]?.revision, 'a status change is a new revision');
  t.same(archived.body.failedVersions, {});
  const refused = await fetch(`${larder.npm()}dep/-/dep-1.0.0.tgz`);
  t.equal(refused.status, 404, 'Archived in the requesting repository: its tarball is refused');
  t.match(((await refused.json()) as { error: string }).error, /Archived/, 'the 404 says why');

  // The gateway retains the same versions (Published); change them there too, so putting a
  // version back to Published below brings it back everywhere.
  await setEverywhere(larder.url, ['1.0.0'], 'Archived');
  await setEverywhere(larder.url, ['1.1.0'], 'Unlisted', 'Published');
  t.same(await listed(larder.npm(), { accept: 'application/json' }), ['1.2.0'], 'Archived and Unlisted versions are absent from the full packument');
  t.same(await listed(larder.npm()), ['1.1.0', '1.2.0'], 'the install packument lists the Unlisted version, for exact installs');
  t.same(await deprecated(larder.npm()), ['1.1.0'], '... as deprecated, so that ranges and tags pass it over');
  const stillRefused = await fetch(`${larder.npm()}dep/-/dep-1.0.0.tgz`);
  t.equal(stillRefused.status, 404);
  t.match(((await stillRefused.json()) as { error: string }).error, /1\.0\.0 is Archived in default/);
  const exact = await fetch(`${larder.npm()}dep/-/dep-1.1.0.tgz`);
  t.equal(exact.status, 200, 'an Unlisted version still installs by exact version');
  await exact.arrayBuffer();

  await setEverywhere(larder.url, ['1.0.0'], 'Published', 'Archived');
  t.same(await listed(larder.npm(), { accept: 'application/json' }), ['1.0.0', '1.2.0']);
  const again = await fetch(`${larder.npm()}dep/-/dep-1.0.0.tgz`);
  t.equal(again.status, 200, 'Published again: installs');
  await again.arrayBuffer();
});

t.test('a version Archived in the requesting repository is not listed while the gateway still holds it Published', async (t) => {
  const { larder } = await startRetaining(t);
  const archived = await api<ChangeAnswer>(larder.url, 'versions/status', { ...coordinates, versions: ['1.0.0'], targetStatus: 'Archived' });
  t.equal(archived.status, 200);
  t.same(await listed(larder.npm()), ['1.1.0', '1.2.0']);
});

t.test('the expectedStatus guard: per-version failures, and 409 when every version fails it', async (t) => {
  const { larder } = await startRetaining(t);
  const mixed = await api<ChangeAnswer>(larder.url, 'versions/status', { ...coordinates, versions: ['1.0.0', '9.9.9'], expectedStatus: 'Published', targetStatus: 'Archived' });
  t.equal(mixed.status, 200);
  t.same(Object.keys(mixed.body.successfulVersions), ['1.0.0']);
  t.equal(mixed.body.failedVersions['9.9.9']?.errorCode, 'NOT_FOUND');

  const conflict = await api<ChangeAnswer>(larder.url, 'versions/status', { ...coordinates, versions: ['1.0.0'], expectedStatus: 'Published', targetStatus: 'Unlisted' });
  t.equal(conflict.status, 409);
  t.equal(conflict.body.code, 'E_CONFLICT');
  t.equal(conflict.body.failedVersions['1.0.0']?.errorCode, 'MISMATCHED_STATUS');
  t.match(conflict.body.failedVersions['1.0.0']?.errorMessage, /Archived, not Published/);
  const still = await api<{ status: string }>(larder.url, 'versions/describe?repository=default&format=npm&package=dep&version=1.0.0');
  t.equal(still.body.status, 'Archived', 'a failed guard changes nothing');

  const partial = await api<ChangeAnswer>(larder.url, 'versions/status', { ...coordinates, versions: ['1.0.0', '1.1.0'], expectedStatus: 'Published', targetStatus: 'Unlisted' });
  t.equal(partial.status, 200, 'one version passed the guard: not a conflict');
  t.same(Object.keys(partial.body.successfulVersions), ['1.1.0']);
  t.equal(partial.body.failedVersions['1.0.0']?.errorCode, 'MISMATCHED_STATUS');

  // Concurrent guarded changes of one version: exactly one wins.
  const racers = await Promise.all(
    ['Archived', 'Unlisted', 'Archived', 'Unlisted'].map((targetStatus) => api<ChangeAnswer>(larder.url, 'versions/status', { ...coordinates, versions: ['1.2.0'], expectedStatus: 'Published', targetStatus })),
  );
  t.same(racers.map((r) => r.status).sort(), [200, 409, 409, 409]);
});

t.test('delete removes the record in that repository only; the blob stays', async (t) => {
  const { larder } = await startRetaining(t);
  const guarded = await api<ChangeAnswer>(larder.url, 'versions/delete', { ...coordinates, versions: ['1.1.0'], expectedStatus: 'Unlisted' });
  t.equal(guarded.status, 409);
  const deleted = await api<ChangeAnswer>(larder.url, 'versions/delete', { ...coordinates, versions: ['1.1.0', 'nope'] });
  t.equal(deleted.status, 200);
  t.same(Object.keys(deleted.body.successfulVersions), ['1.1.0']);
  t.equal(deleted.body.failedVersions.nope?.errorCode, 'NOT_FOUND');
  const gone = await api<{ error: string }>(larder.url, 'versions/describe?repository=default&format=npm&package=dep&version=1.1.0');
  t.equal(gone.status, 404);
  t.match(gone.body.error, /"1\.1\.0"/);
  const list = await api<{ versions: Array<{ version: string }> }>(larder.url, 'versions?repository=default&format=npm&package=dep');
  t.same(list.body.versions.map((v) => v.version), ['1.0.0', '1.2.0']);
  const gateway = await api<{ status: string }>(larder.url, 'versions/describe?repository=npm-store&format=npm&package=dep&version=1.1.0');
  t.equal(gateway.status, 200, 'still retained in the gateway');
  const tarball = await fetch(`${larder.npm('npm-store')}dep/-/dep-1.1.0.tgz`);
  t.equal(tarball.status, 200);
  t.equal(tarball.headers.get('x-cache'), 'hit', 'the blob was not deleted');
  await tarball.arrayBuffer();

  await api(larder.url, 'versions/delete', { ...coordinates, versions: ['1.0.0', '1.2.0'] });
  const noPackage = await api<{ error: string }>(larder.url, 'versions?repository=default&format=npm&package=dep');
  t.equal(noPackage.status, 404, 'the last version took the package with it');
  t.match(noPackage.body.error, /"dep"/);
});

t.test('bad bodies: 400 naming the field, 413 over 1 MiB', async (t) => {
  const larder = await startTestLarder({});
  t.teardown(() => larder.stop());
  const cases: Array<[unknown, RegExp]> = [
    ['{not json', /not valid JSON/],
    ['[]', /JSON object/],
    [{ ...coordinates, versions: ['1.0.0'] }, /targetStatus is required/],
    [{ ...coordinates, versions: ['1.0.0'], targetStatus: 'Disposed' }, /targetStatus must be one of Published, Unlisted, Archived/],
    [{ ...coordinates, versions: '1.0.0', targetStatus: 'Archived' }, /versions must be a list/],
    [{ ...coordinates, versions: [], targetStatus: 'Archived' }, /versions must be a list/],
    [{ ...coordinates, versions: ['1.0.0'], expectedStatus: 'Gone', targetStatus: 'Archived' }, /expectedStatus/],
    [{ format: 'npm', package: 'dep', versions: ['1.0.0'], targetStatus: 'Archived' }, /repository is required/],
  ];
  for (const [body, message] of cases) {
    const res = await api<{ error: string }>(larder.url, 'versions/status', body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(res.body.error, message);
  }
  const unknown = await api<{ error: string }>(larder.url, 'versions/status', { ...coordinates, versions: ['1.0.0'], targetStatus: 'Archived' });
  t.equal(unknown.status, 404, 'a package with no versions there');
  const huge = await api<{ code: string }>(larder.url, 'versions/delete', JSON.stringify({ ...coordinates, versions: ['x'.repeat(1024 * 1024 + 10)] }));
  t.equal(huge.status, 413);
  t.equal(huge.body.code, 'E_TOO_LARGE');
});
