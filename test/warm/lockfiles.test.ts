/**
 * The npm-family lockfile readers against the lockfiles the real npm, pnpm and yarn wrote
 * (test/fixtures/lockfiles/, made by make-fixtures.ts against the fake registry): exact items,
 * digests that are the served tarballs' own, skipped entries, detection by name and by content,
 * aliases and deduplication.
 */
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { readLockfile, readLockfileText, readPackageLock, readPnpmLock, readYarnBerry, readYarnClassic } from '../../src/warm/lockfiles/index.js';
import type { LockfileContents, NpmWarmItem, WarmItem } from '../../src/warm/types.js';
import { FakeNpmPackages } from '../helpers/fake-npm-packages.js';
import { NPM_PACKAGES } from '../fixtures/lockfiles/make-js-fixtures.js';
import { fixture, kindsOf, readUnderOtherNames } from './lockfile-helpers.js';

const npm = (name: string, version: string, integrity?: string): NpmWarmItem =>
  integrity === undefined ? { format: 'npm', name, version } : { format: 'npm', name, version, integrity };

/** The seven registry versions of the fixture tree, by name then version, with the served tarballs' sha512. */
const TREE: NpmWarmItem[] = [
  npm('@acme/util', '2.0.0', 'sha512-rBW1zwqCMJOytZSni52B79bwyqRom7F+OG3hl2JFqw8d0NceiMlpSFg99jzFNqc3RYd65V6oRzptMHCPmNgChA=='),
  npm('dev-tool', '3.0.0', 'sha512-WBeuRh35euOuhcY7OOaUl/I2k58FGG9Uq0xj10DwmEN/vfrmIk17o74UraWTHLL4LMxP5x7bjIk4VT7oqBrdYQ=='),
  npm('host-lib', '1.0.0', 'sha512-QHpslj5B35f9eKiw9PMF8p5/QkMgPDspjYNY/PQPO4o0B0PAUZG2gqLVg/OdJheArp95+7POEqQBxl26RgoTxQ=='),
  npm('left-pad', '1.0.0', 'sha512-y3+S9TYg/1oIqcXpQkUF6wU+HxPisYYeSuRi6SyBGXCe0nUYHqeHXRg50bt6iLqSBMSy0FFQI0Q9qcebIhGANw=='),
  npm('left-pad', '1.1.0', 'sha512-JOhGV77jWcgidFlUwaCVBEoe9wO/1hoqag+jSrlJVs6hRRVw7j8sKnFR+2QM2qquz9s6NwVAWBVX0Q7870bWfw=='),
  npm('plugin-x', '1.0.0', 'sha512-I3QxXl+TG5GDr1KW97Au4Dn5P1mVS1UyD+pm3IZ1d8yyB+7H4Yy8DEKiSenwcK2ZI2z2L/31enVBqhDrrZDOGA=='),
  npm('tiny-widget', '1.0.0', 'sha512-XAQcCtyjD8k/2n1JrwZXvDbNbZ+xMXFMv+BDA7Law0mCp8eaujCDgarZ2Pi46zEIz+RIgCpbVixDJWAFD+QZew=='),
];

const withoutIntegrity = TREE.map(({ name, version }) => npm(name, version));

function sorted(items: WarmItem[]): WarmItem[] {
  const key = (item: WarmItem): string => (item.format === 'maven' ? `${item.groupId}:${item.artifactId}` : `${item.name}@${item.version}`);
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** What npm 7+ lockfiles (v2, v3, shrinkwrap) say about the fixture's linked local package. */
const LINKED_LOCAL_THING: LockfileContents['skipped'] = [
  { entry: 'local-thing', reason: 'a folder of the project (a workspace or a link target), not a registry package' },
  { entry: 'node_modules/local-thing', reason: 'a link to a folder of the project' },
];
const PNPM_LOCAL = 'a local folder (file: or link:), not a registry version';

const FIXTURE_CASES: Array<{ path: string; kind: string; integrity: boolean; skipped: LockfileContents['skipped'] }> = [
  { path: 'npm-v3/package-lock.json', kind: 'package-lock.json v3', integrity: true, skipped: LINKED_LOCAL_THING },
  { path: 'npm-v2/package-lock.json', kind: 'package-lock.json v2', integrity: true, skipped: LINKED_LOCAL_THING },
  { path: 'npm-v1/package-lock.json', kind: 'package-lock.json v1', integrity: true, skipped: [{ entry: 'node_modules/local-thing', reason: 'a local file: dependency' }] },
  { path: 'npm-shrinkwrap/npm-shrinkwrap.json', kind: 'npm-shrinkwrap.json v3', integrity: true, skipped: LINKED_LOCAL_THING },
  { path: 'pnpm-v5/pnpm-lock.yaml', kind: 'pnpm-lock.yaml v5', integrity: true, skipped: [{ entry: 'file:local-thing', reason: PNPM_LOCAL }] },
  { path: 'pnpm-v6/pnpm-lock.yaml', kind: 'pnpm-lock.yaml v6', integrity: true, skipped: [{ entry: 'file:local-thing', reason: PNPM_LOCAL }] },
  { path: 'pnpm-v9/pnpm-lock.yaml', kind: 'pnpm-lock.yaml v9', integrity: true, skipped: [{ entry: 'local-thing@file:local-thing', reason: PNPM_LOCAL }] },
  { path: 'yarn-classic/yarn.lock', kind: 'yarn.lock (classic)', integrity: true, skipped: [{ entry: 'local-thing@file:./local-thing', reason: 'a local file: dependency' }] },
  {
    path: 'yarn-berry/yarn.lock',
    kind: 'yarn.lock (berry)',
    integrity: false,
    skipped: [
      { entry: 'local-thing@file:./local-thing#./local-thing::hash=86fd3b&locator=lockfile-fixture%40workspace%3A.', reason: 'a local file: dependency' },
      { entry: 'lockfile-fixture@workspace:.', reason: 'a workspace of the project' },
    ],
  },
];

for (const { path, kind, integrity, skipped } of FIXTURE_CASES) {
  t.test(`${path}: the seven registry versions, the alias resolved and deduplicated, local packages skipped`, async (t) => {
    const contents = await readLockfile(fixture(path));
    t.equal(contents.kind, kind);
    t.equal(contents.format, 'npm');
    t.equal(contents.items.length, 7, 'pad-alias (npm:left-pad@1.1.0) is the same version as left-pad@1.1.0: one item');
    t.strictSame(sorted(contents.items), integrity ? TREE : withoutIntegrity);
    t.strictSame(contents.skipped, skipped);
  });
}

t.test('every digest the readers return is the digest of the tarball the registry serves for that version', async (t) => {
  const packages = new FakeNpmPackages(NPM_PACKAGES);
  for (const item of TREE) {
    const tarball = await packages.tarball(item.name, item.version);
    t.equal(item.integrity, tarball?.integrity, `${item.name}@${item.version}`);
  }
});

t.test('a lockfile under an unusual name is recognised by its content', async (t) => {
  const read = await readUnderOtherNames(t, {
    'deps.json': 'npm-v3/package-lock.json',
    'old-deps.json': 'npm-v1/package-lock.json',
    'lock.yaml': 'pnpm-v9/pnpm-lock.yaml',
    'lock-v5.yml': 'pnpm-v5/pnpm-lock.yaml',
    'classic.lock': 'yarn-classic/yarn.lock',
    'berry.lock': 'yarn-berry/yarn.lock',
  });
  for (const [name, contents] of Object.entries(read)) t.equal(contents.items.length, 7, `${name}: every item`);
  t.strictSame(kindsOf(read), {
    'deps.json': 'package-lock.json v3',
    'old-deps.json': 'package-lock.json v1',
    'lock.yaml': 'pnpm-lock.yaml v9',
    'lock-v5.yml': 'pnpm-lock.yaml v5',
    'classic.lock': 'yarn.lock (classic)',
    'berry.lock': 'yarn.lock (berry)',
  });
});

t.test('package-lock v2/v3: aliases, links, bundles and non-registry sources', async (t) => {
  const sha1 = 'sha1-7/6XRUHJJp7zZdgFXD7Bv+vn2b8=';
  const sha512 = TREE[4]?.integrity ?? '';
  const lock = JSON.stringify({
    lockfileVersion: 3,
    packages: {
      '': { name: 'root' },
      'node_modules/pad': { name: 'left-pad', version: '1.1.0', integrity: sha1 },
      'node_modules/left-pad': { version: '1.1.0', resolved: 'http://127.0.0.1:1/left-pad/-/left-pad-1.1.0.tgz', integrity: sha512 },
      'node_modules/@s/alias': { name: '@acme/util', version: '2.0.0' },
      'node_modules/a/node_modules/@s/b': { version: '0.0.1', resolved: 'http://127.0.0.1:1/@s/b/-/b-0.0.1.tgz' },
      'node_modules/git-dep': { version: '1.0.0', resolved: 'git+ssh://git@git.example.invalid/x/git-dep.git#0123abc' },
      'node_modules/local-tgz': { version: '1.0.0', resolved: 'file:../local-tgz-1.0.0.tgz' },
      'node_modules/remote-tgz': { version: '1.0.0', resolved: 'http://127.0.0.1:1/downloads/remote-tgz.tgz' },
      'node_modules/dir-dep': { version: '1.0.0', resolved: '../dir-dep' },
      'node_modules/a/node_modules/bundled': { version: '1.0.0', inBundle: true },
      'node_modules/ws-link': { resolved: 'packages/ws', link: true },
      'packages/ws': { name: 'ws', version: '0.0.0' },
      'node_modules/extraneous': {},
    },
  });
  const contents = readPackageLock(lock, 'package-lock.json');
  t.strictSame(contents.items, [npm('left-pad', '1.1.0', sha512), npm('@acme/util', '2.0.0'), npm('@s/b', '0.0.1')], 'the alias and the real name are one item, with the stronger digest');
  t.strictSame(contents.skipped, [
    { entry: 'node_modules/git-dep', reason: 'a git dependency' },
    { entry: 'node_modules/local-tgz', reason: 'a local file: dependency' },
    { entry: 'node_modules/remote-tgz', reason: 'a tarball URL, not a registry version' },
    { entry: 'node_modules/dir-dep', reason: 'a local folder, not a registry version' },
    { entry: 'node_modules/a/node_modules/bundled', reason: "bundled inside its parent's tarball" },
    { entry: 'node_modules/ws-link', reason: 'a link to a folder of the project' },
    { entry: 'packages/ws', reason: 'a folder of the project (a workspace or a link target), not a registry package' },
    { entry: 'node_modules/extraneous', reason: 'no version' },
  ]);
});

t.test('package-lock v1: aliases in the version, nested trees, git and bundled entries', async (t) => {
  const lock = JSON.stringify({
    lockfileVersion: 1,
    dependencies: {
      pad: { version: 'npm:@acme/util@2.0.0' },
      outer: {
        version: '1.0.0',
        dependencies: { inner: { version: '2.0.0', bundled: true }, deep: { version: '3.0.0' } },
      },
      gitty: { version: 'git+https://git.example.invalid/gitty.git#abc', from: 'gitty@git+https://git.example.invalid/gitty.git' },
      weird: { version: 'latest' },
    },
  });
  const contents = readPackageLock(lock, 'npm-shrinkwrap.json');
  t.equal(contents.kind, 'npm-shrinkwrap.json v1');
  t.strictSame(contents.items, [npm('@acme/util', '2.0.0'), npm('deep', '3.0.0'), npm('outer', '1.0.0')]);
  t.strictSame(contents.skipped, [
    { entry: 'node_modules/outer/node_modules/inner', reason: "bundled inside its parent's tarball" },
    { entry: 'node_modules/gitty', reason: 'a git dependency' },
    { entry: 'node_modules/weird', reason: 'not an exact registry version' },
  ]);
});

t.test('pnpm: peer suffixes collapse to one item; git, tarball and directory resolutions are skipped', async (t) => {
  const integrity = TREE[0]?.integrity ?? '';
  const v6 = [
    "lockfileVersion: '6.0'",
    'packages:',
    `  /@acme/util@2.0.0(host-lib@1.0.0):\n    resolution: {integrity: ${integrity}}`,
    `  /@acme/util@2.0.0(host-lib@1.1.0):\n    resolution: {integrity: ${integrity}}`,
    '  /other/1.2.3(peer@1.0.0):\n    resolution: {integrity: ' + integrity + '}',
    '  git.example.invalid/x/y/0123abc:\n    resolution: {tarball: https://git.example.invalid/x/y/tar.gz/0123abc}\n    name: y\n    version: 1.0.0',
    '  /from-git@1.0.0:\n    resolution: {type: git, repo: https://git.example.invalid/x/from-git.git, commit: 0123abc}',
    '  /mirror@1.0.0:\n    resolution: {integrity: ' + integrity + ', tarball: http://127.0.0.1:1/mirror/-/mirror-1.0.0.tgz}',
    '',
  ].join('\n');
  const contents = readPnpmLock(v6, 'pnpm-lock.yaml');
  t.strictSame(contents.items, [npm('@acme/util', '2.0.0', integrity), npm('other', '1.2.3', integrity), npm('mirror', '1.0.0', integrity)]);
  t.strictSame(contents.skipped, [
    { entry: 'git.example.invalid/x/y/0123abc', reason: 'a tarball URL, not a registry version' },
    { entry: '/from-git@1.0.0', reason: 'a git dependency' },
  ]);
  const v9 = `lockfileVersion: '9.0'\npackages:\n  y@https://git.example.invalid/y.tgz:\n    resolution: {tarball: https://git.example.invalid/y.tgz}\n    version: 1.0.0\n`;
  t.strictSame(readPnpmLock(v9, 'pnpm-lock.yaml').skipped, [{ entry: 'y@https://git.example.invalid/y.tgz', reason: 'a tarball URL, not a registry version' }]);
  t.strictSame(readPnpmLock("lockfileVersion: '9.0'\n", 'pnpm-lock.yaml').items, [], 'a project without dependencies has no packages map');
  const twoDocuments = [
    '---',
    "lockfileVersion: '9.0'",
    'importers:\n  .:\n    packageManagerDependencies:\n      pnpm: {specifier: 10.x, version: 10.1.0}',
    `packages:\n  pnpm@10.1.0:\n    resolution: {integrity: ${integrity}}`,
    '---',
    "lockfileVersion: '9.0'",
    `packages:\n  left-pad@1.0.0:\n    resolution: {integrity: ${integrity}}`,
    '',
  ].join('\n');
  t.strictSame(readPnpmLock(twoDocuments, 'pnpm-lock.yaml').items, [npm('pnpm', '10.1.0', integrity), npm('left-pad', '1.0.0', integrity)], 'every document of the stream is read');
});

t.test('yarn classic: alias patterns, sha1 from the resolved URL, git and link entries', async (t) => {
  const lock = [
    '# yarn lockfile v1',
    '',
    '"pad@npm:@acme/util@^2", "@acme/util@^2.0.0":',
    '  version "2.0.0"',
    '  resolved "http://127.0.0.1:1/@acme/util/-/util-2.0.0.tgz#afb621c5c11cfd8c513a5d3b79dd34a7e36dc968"',
    '',
    'gitty@git+https://git.example.invalid/gitty.git:',
    '  version "1.0.0"',
    '  resolved "git+https://git.example.invalid/gitty.git#0123abc"',
    '',
    '"linked@link:./linked":',
    '  version "0.0.0"',
    '',
    'plain@^1:',
    '  version: "1.0.0"',
    '  dependencies:',
    '    x "1"',
    '  integrity "sha512-y3+S9TYg/1oIqcXpQkUF6wU+HxPisYYeSuRi6SyBGXCe0nUYHqeHXRg50bt6iLqSBMSy0FFQI0Q9qcebIhGANw=="',
    '',
  ].join('\n');
  const contents = readYarnClassic(lock, 'yarn.lock');
  t.strictSame(contents.items, [npm('@acme/util', '2.0.0', 'sha1-r7YhxcEc/YxROl07ed00p+NtyWg='), npm('plain', '1.0.0', TREE[3]?.integrity)]);
  t.strictSame(contents.skipped, [
    { entry: 'gitty@git+https://git.example.invalid/gitty.git', reason: 'a git dependency' },
    { entry: 'linked@link:./linked', reason: 'a link to a folder of the project' },
  ]);
});

t.test('yarn berry: only npm: resolutions, never an integrity; every other protocol is reported', async (t) => {
  const lock = [
    '__metadata:\n  version: 8\n  cacheKey: 10c0',
    '"pad@npm:@acme/util@2.0.0, @acme/util@npm:^2.0.0":\n  version: 2.0.0\n  resolution: "@acme/util@npm:2.0.0"\n  checksum: 10c0/00ff\n  languageName: node\n  linkType: hard',
    '"odd@npm:1.0.0":\n  version: 1.0.0\n  resolution: "odd@npm:1.0.0::__archiveUrl=http%3A%2F%2F127.0.0.1%3A1%2Fodd-1.0.0.tgz"',
    '"resolve@patch:resolve@npm%3A^1.0.0#optional!builtin<compat/resolve>":\n  version: 1.22.8\n  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"',
    '"l@link:./l::locator=root%40workspace%3A.":\n  version: 0.0.0-use.local\n  resolution: "l@link:./l::locator=root%40workspace%3A."',
    '"p@portal:./p::locator=root%40workspace%3A.":\n  version: 0.0.0-use.local\n  resolution: "p@portal:./p::locator=root%40workspace%3A."',
    '"g@https://git.example.invalid/g.git":\n  version: 1.0.0\n  resolution: "g@https://git.example.invalid/g.git#commit=0123abc"',
    '"t@https://files.example.invalid/t.tgz":\n  version: 1.0.0\n  resolution: "t@https://files.example.invalid/t.tgz"',
    '"e@exec:./gen.js":\n  version: 1.0.0\n  resolution: "e@exec:./gen.js#./gen.js::hash=1&locator=root%40workspace%3A."',
    '"s@git+ssh://git@git.example.invalid/s.git":\n  version: 1.0.0\n  resolution: "s@git+ssh://git@git.example.invalid/s.git#commit=0123abc"',
    '"u@unknown:thing":\n  version: 1.0.0\n  resolution: "u@unknown:thing"',
    '',
  ].join('\n\n');
  const contents = readYarnBerry(lock, 'yarn.lock');
  t.strictSame(contents.items, [npm('@acme/util', '2.0.0'), npm('odd', '1.0.0')]);
  t.strictSame(
    contents.skipped.map((s) => s.reason),
    [
      'a patched copy of a package (its unpatched version is listed on its own)',
      'a link to a folder',
      'a link to a folder',
      'a git dependency',
      'a tarball URL, not a registry version',
      'generated by a script',
      'a git dependency',
      'not a registry version',
    ],
  );
  t.equal(contents.skipped[0]?.entry, 'resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d');
});

t.test('readLockfileText picks the reader by name first, then by content', async (t) => {
  const v3 = await readFile(fixture('npm-v3/package-lock.json'), 'utf8');
  t.equal(readLockfileText(v3, 'some/dir/npm-shrinkwrap.json').kind, 'npm-shrinkwrap.json v3', 'the name picks the kind label');
  t.equal(readLockfileText(v3, 'whatever').kind, 'package-lock.json v3');
  const berry = await readFile(fixture('yarn-berry/yarn.lock'), 'utf8');
  t.equal(readLockfileText(berry, 'yarn.lock').kind, 'yarn.lock (berry)', 'yarn.lock is classic or berry by its __metadata');
});
