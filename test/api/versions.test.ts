// The management API's listings: packages (format, prefix, paging), versions in the format's own
// order with defaultDisplayVersion and paging, and one version described with its assets.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { api, seededDataDir, type SeedVersion } from './seed.js';

interface VersionsPage {
  versions: Array<{ version: string; revision: string; status: string; origin: { type: string; repository: string; connection: string | null; retainedAt: string } }>;
  defaultDisplayVersion: string | null;
  nextToken?: string;
}
interface PackagesPage {
  packages: Array<{ format: string; package: string; versionCount: number }>;
  nextToken?: string;
}

const R = 'npm-store';
const many: SeedVersion[] = [
  // Written in key order, which is not semver order (1.0.10 before 1.0.2).
  ...Array.from({ length: 248 }, (_, i) => String(i))
    .sort()
    .map((patch): SeedVersion => ({ repository: R, format: 'npm', package: 'big', version: `1.0.${patch}` })),
  { repository: R, format: 'npm', package: 'big', version: '3.0.0-rc.1' },
  { repository: R, format: 'npm', package: 'big', version: '2.0.0', status: 'Archived' },
];
const others: SeedVersion[] = [
  { repository: R, format: 'npm', package: '@acme/util', version: '1.0.0' },
  { repository: R, format: 'npm', package: '@acme/web', version: '1.0.0' },
  { repository: R, format: 'npm', package: 'pre', version: '0.1.0-beta.1' },
  ...['1.0', '1.0rc1', '1.0.post1', '0.9', '1.1.dev0'].map((version): SeedVersion => ({ repository: R, format: 'pypi', package: 'pyproj', version })),
  ...['1.0', '1.0-SNAPSHOT', '1.0-alpha-1', '1.10', '1.9', '1.1-beta'].map((version): SeedVersion => ({ repository: R, format: 'maven', package: 'org.acme:lib', version })),
];

let larder: TestLarder;
t.before(async () => {
  const dataDir = await seededDataDir([...many, ...others]);
  larder = await startTestLarder({ dataDir });
  t.teardown(async () => {
    await larder.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
});

const q = (params: Record<string, string>): string => new URLSearchParams(params).toString();

t.test('250 versions paged 100 at a time, in semver order', async (t) => {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await api<VersionsPage>(larder.url, `versions?${q({ repository: R, format: 'npm', package: 'big', maxResults: '100', ...(token ? { nextToken: token } : {}) })}`);
    t.equal(page.status, 200);
    t.equal(page.body.defaultDisplayVersion, '1.0.247', 'highest Published non-prerelease');
    seen.push(...page.body.versions.map((v) => v.version));
    token = page.body.nextToken;
    pages += 1;
  } while (token !== undefined);
  t.equal(pages, 3);
  t.same(seen, [...Array.from({ length: 248 }, (_, i) => `1.0.${i}`), '2.0.0', '3.0.0-rc.1']);
  const first = await api<VersionsPage>(larder.url, `versions?${q({ repository: R, format: 'npm', package: 'big', maxResults: '1' })}`);
  t.same(first.body.versions[0], { version: '1.0.0', revision: 'rev-1.0.0', status: 'Published', origin: { type: 'external', repository: R, connection: 'custom', retainedAt: '2026-01-02T03:04:05.000Z' } });
  const all = await api<VersionsPage>(larder.url, `versions?${q({ repository: R, format: 'npm', package: 'big' })}`);
  t.equal(all.body.versions.length, 100, 'maxResults defaults to 100');
  const pre = await api<VersionsPage>(larder.url, `versions?${q({ repository: R, format: 'npm', package: 'pre' })}`);
  t.equal(pre.body.defaultDisplayVersion, '0.1.0-beta.1', 'only prereleases: the highest Published one');
});

t.test('PyPI and Maven versions follow their own ordering', async (t) => {
  const pypi = await api<VersionsPage>(larder.url, `versions?${q({ repository: R, format: 'pypi', package: 'pyproj' })}`);
  t.same(pypi.body.versions.map((v) => v.version), ['0.9', '1.0rc1', '1.0', '1.0.post1', '1.1.dev0']);
  t.equal(pypi.body.defaultDisplayVersion, '1.0.post1');
  const maven = await api<VersionsPage>(larder.url, `versions?${q({ repository: R, format: 'maven', package: 'org.acme:lib' })}`);
  t.same(maven.body.versions.map((v) => v.version), ['1.0-alpha-1', '1.0-SNAPSHOT', '1.0', '1.1-beta', '1.9', '1.10']);
  t.equal(maven.body.defaultDisplayVersion, '1.10');
});

t.test('packages: filters and paging', async (t) => {
  const npm = await api<PackagesPage>(larder.url, `packages?${q({ repository: R, format: 'npm' })}`);
  t.same(npm.body.packages.map((p) => p.package).sort(), ['@acme/util', '@acme/web', 'big', 'pre']);
  t.same(npm.body.packages.find((p) => p.package === 'big'), { format: 'npm', package: 'big', versionCount: 250 });
  const scoped = await api<PackagesPage>(larder.url, `packages?${q({ repository: R, prefix: '@acme/' })}`);
  t.same(scoped.body.packages.map((p) => p.package), ['@acme/util', '@acme/web']);
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await api<PackagesPage>(larder.url, `packages?${q({ repository: R, maxResults: '2', ...(token ? { nextToken: token } : {}) })}`);
    t.ok(page.body.packages.length <= 2);
    names.push(...page.body.packages.map((p) => `${p.format}:${p.package}`));
    token = page.body.nextToken;
  } while (token !== undefined);
  t.same(names.sort(), ['maven:org.acme:lib', 'npm:@acme/util', 'npm:@acme/web', 'npm:big', 'npm:pre', 'pypi:pyproj']);
  const none = await api<PackagesPage>(larder.url, `packages?${q({ repository: 'default' })}`);
  t.same(none.body, { packages: [] });
});

t.test('describe a version with its assets', async (t) => {
  const res = await api<Record<string, unknown>>(larder.url, `versions/describe?${q({ repository: R, format: 'npm', package: '@acme/util', version: '1.0.0' })}`);
  t.equal(res.status, 200);
  const body = '@acme/util@1.0.0';
  t.same(res.body, {
    repository: R,
    format: 'npm',
    package: '@acme/util',
    version: '1.0.0',
    revision: 'rev-1.0.0',
    status: 'Published',
    origin: { type: 'external', repository: R, connection: 'custom', retainedAt: '2026-01-02T03:04:05.000Z' },
    assets: [
      {
        name: '@acme/util-1.0.0.bin',
        size: Buffer.byteLength(body),
        integrity: `sha512-${createHash('sha512').update(body).digest('base64')}`,
        hashes: { SHA512: createHash('sha512').update(body).digest('hex') },
      },
    ],
  });
});

t.test('404s name what is missing; 400s name the field', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    [`versions?${q({ repository: 'nope', format: 'npm', package: 'big' })}`, 404, /"nope"/],
    [`versions?${q({ repository: R, format: 'npm', package: 'ghost' })}`, 404, /"ghost"/],
    [`versions/describe?${q({ repository: R, format: 'npm', package: 'big', version: '9.9.9' })}`, 404, /"9\.9\.9"/],
    [`packages?${q({ repository: 'nope' })}`, 404, /"nope"/],
    [`versions?${q({ repository: R, format: 'rubygems', package: 'big' })}`, 400, /format/],
    [`versions?${q({ repository: R, format: 'npm' })}`, 400, /package is required/],
    [`packages?${q({ format: 'npm' })}`, 400, /repository is required/],
    [`versions?${q({ repository: R, format: 'npm', package: 'big', maxResults: '0' })}`, 400, /maxResults/],
    [`versions?${q({ repository: R, format: 'npm', package: 'big', maxResults: '1001' })}`, 400, /maxResults/],
    [`versions?${q({ repository: R, format: 'npm', package: 'big', maxResults: 'ten' })}`, 400, /maxResults/],
    [`versions?${q({ repository: R, format: 'npm', package: 'big', nextToken: 'bogus' })}`, 400, /nextToken/],
    [`versions/describe?${q({ repository: R, format: 'npm', package: 'big' })}`, 400, /version is required/],
  ];
  for (const [path, status, message] of cases) {
    const res = await api<{ error: string }>(larder.url, path);
    t.equal(res.status, status, path);
    t.match(res.body.error, message, path);
  }
});
