// The namespace filter on GET /-/api/packages: npm scope (without `@`), Maven groupId, and PyPI
// (no namespaces: the filter matches none of its packages); combined with format, prefix, paging.
import { rm } from 'node:fs/promises';
import t from 'tap';
import { NAMESPACE_OF } from '../../src/engine/management/namespaces.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { api, seededDataDir, type SeedVersion } from './seed.js';

interface PackagesPage {
  packages: Array<{ format: string; package: string; versionCount: number }>;
  nextToken?: string;
}

const R = 'npm-store';
const seeds: SeedVersion[] = [
  { repository: R, format: 'npm', package: '@acme/util', version: '1.0.0' },
  { repository: R, format: 'npm', package: '@acme/web', version: '1.0.0' },
  { repository: R, format: 'npm', package: '@acme-labs/x', version: '1.0.0' },
  { repository: R, format: 'npm', package: 'acme', version: '1.0.0' },
  { repository: R, format: 'npm', package: 'org.example', version: '1.0.0' },
  { repository: R, format: 'pypi', package: 'acme', version: '1.0' },
  { repository: R, format: 'pypi', package: 'org-example', version: '1.0' },
  { repository: R, format: 'maven', package: 'org.example:lib', version: '1.0' },
  { repository: R, format: 'maven', package: 'org.example:core', version: '1.0' },
  { repository: R, format: 'maven', package: 'org.example.sub:lib', version: '1.0' },
  { repository: R, format: 'maven', package: 'acme:tool', version: '1.0' },
];

let larder: TestLarder;
t.before(async () => {
  const dataDir = await seededDataDir(seeds);
  larder = await startTestLarder({ dataDir });
  t.teardown(async () => {
    await larder.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
});

async function names(params: Record<string, string>): Promise<string[]> {
  const page = await api<PackagesPage>(larder.url, `packages?${new URLSearchParams({ repository: R, ...params }).toString()}`);
  if (page.status !== 200) throw new Error(`HTTP ${page.status}: ${JSON.stringify(page.body)}`);
  return page.body.packages.map((p) => `${p.format} ${p.package}`).sort();
}

t.test('the per-format namespace table', async (t) => {
  t.equal(NAMESPACE_OF.npm('@acme/util'), 'acme');
  t.equal(NAMESPACE_OF.npm('acme'), undefined, 'an unscoped npm package has no namespace');
  t.equal(NAMESPACE_OF.maven('org.example:lib'), 'org.example');
  t.equal(NAMESPACE_OF.pypi('acme'), undefined);
  t.equal(NAMESPACE_OF.pypi('org.example'), undefined);
});

t.test('npm scope without @: exact scope only, never an unscoped name', async (t) => {
  t.same(await names({ namespace: 'acme' }), ['maven acme:tool', 'npm @acme/util', 'npm @acme/web']);
  t.same(await names({ namespace: 'acme', format: 'npm' }), ['npm @acme/util', 'npm @acme/web']);
  t.same(await names({ namespace: '@acme', format: 'npm' }), [], 'the scope is given without its @');
  t.same(await names({ namespace: 'acme-labs' }), ['npm @acme-labs/x']);
});

t.test('Maven groupId: exact group, not a sub-group', async (t) => {
  t.same(await names({ namespace: 'org.example' }), ['maven org.example:core', 'maven org.example:lib']);
  t.same(await names({ namespace: 'org.example.sub', format: 'maven' }), ['maven org.example.sub:lib']);
  t.same(await names({ namespace: 'org', format: 'maven' }), []);
});

t.test('PyPI has no namespace: a namespace filter matches none of its packages', async (t) => {
  t.same(await names({ namespace: 'acme', format: 'pypi' }), []);
  t.same(await names({ namespace: 'org-example', format: 'pypi' }), []);
  t.same(await names({ format: 'pypi' }), ['pypi acme', 'pypi org-example'], 'without the filter they are listed');
});

t.test('with prefix and paging', async (t) => {
  t.same(await names({ namespace: 'org.example', prefix: 'org.example:l' }), ['maven org.example:lib']);
  const first = await api<PackagesPage>(larder.url, `packages?${new URLSearchParams({ repository: R, namespace: 'org.example', maxResults: '1' }).toString()}`);
  t.equal(first.body.packages.length, 1);
  t.ok(first.body.nextToken, 'a second page');
  const second = await api<PackagesPage>(larder.url, `packages?${new URLSearchParams({ repository: R, namespace: 'org.example', maxResults: '1', nextToken: first.body.nextToken ?? '' }).toString()}`);
  t.equal(second.body.packages.length, 1);
  t.equal(second.body.nextToken, undefined);
  t.not(second.body.packages[0]?.package, first.body.packages[0]?.package);
});

t.test('an empty namespace is a bad request', async (t) => {
  const bad = await api<{ error: string }>(larder.url, `packages?repository=${R}&namespace=`);
  t.equal(bad.status, 400);
  t.match(bad.body.error, /namespace/);
});
