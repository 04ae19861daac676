import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { isLarderError } from '../../../src/errors.js';
import {
  ABBREVIATED_MEDIA_TYPE,
  abbreviate,
  dependencyRanges,
  isAbbreviated,
  modifiedAt,
  parsePackument,
  resolveSpec,
  rewriteForClient,
  tarballDigest,
  upstreamTarballPath,
  versionManifest,
  nestedDeeperThan,
  packumentAudience,
  wantsAbbreviated,
  type Packument,
} from '../../../src/formats/npm/index.js';
import {
  NPM_FIXTURES,
  NPM_FIXTURE_NAMES,
  npmFixtureTarball,
  readNpmFixture,
} from '../../fixtures/npm/fixtures.js';

const WIDGET = 'tiny-widget';
const SCOPED = '@larder-fixtures/scoped-util';
const full = (name: keyof typeof NPM_FIXTURES): Packument => parsePackument(readNpmFixture(name, 'full'), name);
const abbreviated = (name: keyof typeof NPM_FIXTURES): Packument =>
  parsePackument(readNpmFixture(name, 'abbreviated'), name);

function doc(versions: Packument['versions'], extra: Partial<Packument> = {}): Packument {
  return { name: 'pkg', 'dist-tags': {}, versions, ...extra };
}

t.test('fixture digests match the fixture tarballs', async (t) => {
  for (const name of NPM_FIXTURE_NAMES) {
    const fullDoc = full(name);
    const shortDoc = abbreviated(name);
    t.same(Object.keys(fullDoc.versions), NPM_FIXTURES[name].versions, `${name}: versions`);
    for (const version of NPM_FIXTURES[name].versions) {
      const bytes = readFileSync(npmFixtureTarball(name, version));
      const sha512 = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
      const sha1 = createHash('sha1').update(bytes).digest('hex');
      for (const d of [fullDoc, shortDoc]) {
        t.same(d.versions[version]?.dist, fullDoc.versions[version]?.dist, `${name}@${version}: same dist in both shapes`);
        t.equal(tarballDigest(d, version), sha512, `${name}@${version}: integrity`);
        t.match(d.versions[version]?.dist, { shasum: sha1 }, `${name}@${version}: shasum`);
      }
    }
  }
});

t.test('parsePackument accepts both shapes and refuses what is not a packument', async (t) => {
  t.equal(full(WIDGET).name, WIDGET);
  t.equal(abbreviated(SCOPED).name, SCOPED);
  const bad: Array<[string, string]> = [
    ['{', 'not valid JSON'],
    ['[]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{"name":"other","versions":{}}', 'names another package'],
    ['{"versions":{}}', 'names another package'],
    ['{"name":"pkg"}', 'no "versions" object'],
    ['{"name":"pkg","versions":[]}', 'no "versions" object'],
    ['{"name":"pkg","versions":{},"dist-tags":["1.0.0"]}', 'malformed "dist-tags"'],
    ['{"name":"pkg","versions":{},"time":"yesterday"}', 'malformed "time"'],
  ];
  for (const [body, problem] of bad) {
    try {
      parsePackument(body, 'pkg');
      t.fail(`${body}: expected an error`);
    } catch (error) {
      t.ok(isLarderError(error, 'E_UPSTREAM_BAD_RESPONSE'), `${body}: E_UPSTREAM_BAD_RESPONSE`);
      t.match((error as Error).message, problem, `${body}: ${problem}`);
      t.match((error as Error).message, 'pkg', `${body}: names the package`);
    }
  }
});

t.test('parsePackument drops entries no client can use, and keeps __proto__ as data', async (t) => {
  // Written as text: in an object literal `__proto__` would set the prototype, not a key.
  const body = `{
    "name": "pkg",
    "dist-tags": { "latest": "1.0.0", "broken": 7 },
    "versions": { "1.0.0": { "name": "pkg", "version": "1.0.0" }, "2.0.0": "junk", "__proto__": { "polluted": true } },
    "time": { "modified": "2024-01-01T00:00:00.000Z", "1.0.0": null },
    "modified": 12,
    "readme": "kept"
  }`;
  const parsed = parsePackument(body, 'pkg');
  t.same(parsed['dist-tags'], { latest: '1.0.0' });
  t.same(Object.keys(parsed.versions).sort(), ['1.0.0', '__proto__']);
  t.same(parsed.time, { modified: '2024-01-01T00:00:00.000Z' });
  t.notOk('modified' in parsed, 'a non-string modified is dropped');
  t.equal(parsed.readme, 'kept', 'other top-level fields pass through');
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  t.equal(Object.getPrototypeOf(parsed.versions), Object.prototype);
});

t.test('abbreviate gives exactly the registry abbreviated document', async (t) => {
  for (const name of NPM_FIXTURE_NAMES) {
    const source = full(name);
    const before = JSON.stringify(source);
    const short = abbreviate(source);
    t.same(short, abbreviated(name), `${name}: equals the hand-written abbreviated fixture`);
    t.equal(JSON.stringify(source), before, `${name}: input unchanged`);
    t.same(abbreviate(short), short, `${name}: idempotent`);
    t.ok(isAbbreviated(short), `${name}: abbreviated shape detected`);
    t.notOk(isAbbreviated(source), `${name}: full shape detected`);
  }
  const short = abbreviate(full(SCOPED));
  t.notOk('time' in short, 'no time in the abbreviated document');
  t.notOk('_npmOperationalInternal' in (short.versions['0.1.0'] ?? {}), 'internal fields dropped');
  t.equal(short.versions['0.3.1']?.funding !== undefined, true, 'funding kept');
});

t.test('abbreviate: the per-version field set', async (t) => {
  const manifest = {
    name: 'pkg',
    version: '1.0.0',
    description: 'dropped',
    main: 'index.js',
    readme: 'dropped',
    scripts: { test: 'tap', postinstall: 'node x.js' },
    dependencies: { a: '^1.0.0' },
    optionalDependencies: { b: '^2.0.0' },
    devDependencies: { c: '^3.0.0' },
    bundledDependencies: ['a'],
    peerDependencies: { d: '*' },
    peerDependenciesMeta: { d: { optional: true } },
    acceptDependencies: { a: '^0.9.0' },
    bin: 'cli.js',
    directories: { lib: 'lib' },
    dist: { tarball: 'http://upstream.invalid/pkg/-/pkg-1.0.0.tgz', shasum: 'x' },
    engines: { node: '>=18' },
    os: ['linux'],
    cpu: ['x64'],
    libc: ['glibc'],
    funding: 'http://upstream.invalid/fund',
    deprecated: 'old',
    _hasShrinkwrap: true,
    _npmOperationalInternal: { host: 's3' },
    _id: 'pkg@1.0.0',
    gitHead: 'abc',
  };
  const out = abbreviate(doc({ '1.0.0': manifest }, { time: { modified: '2024-01-01T00:00:00.000Z' }, _id: 'pkg' }));
  t.same(out, {
    name: 'pkg',
    'dist-tags': {},
    modified: '2024-01-01T00:00:00.000Z',
    versions: {
      '1.0.0': {
        name: 'pkg',
        version: '1.0.0',
        deprecated: 'old',
        dependencies: { a: '^1.0.0' },
        optionalDependencies: { b: '^2.0.0' },
        devDependencies: { c: '^3.0.0' },
        bundleDependencies: ['a'],
        peerDependencies: { d: '*' },
        peerDependenciesMeta: { d: { optional: true } },
        acceptDependencies: { a: '^0.9.0' },
        bin: 'cli.js',
        directories: { lib: 'lib' },
        dist: manifest.dist,
        engines: { node: '>=18' },
        os: ['linux'],
        cpu: ['x64'],
        libc: ['glibc'],
        funding: 'http://upstream.invalid/fund',
        _hasShrinkwrap: true,
        hasInstallScript: true,
      },
    },
  });
  for (const script of ['preinstall', 'install', 'postinstall']) {
    const v = abbreviate(doc({ '1.0.0': { name: 'pkg', version: '1.0.0', scripts: { [script]: 'x' } } })).versions['1.0.0'];
    t.equal(v?.hasInstallScript, true, `${script} → hasInstallScript`);
  }
  const plain = abbreviate(doc({ '1.0.0': { name: 'pkg', version: '1.0.0', scripts: { prepare: 'x', test: 'y' } } }));
  t.notOk('hasInstallScript' in (plain.versions['1.0.0'] ?? {}), 'other scripts do not count');
  const both = abbreviate(doc({ '1.0.0': { bundleDependencies: ['x'], bundledDependencies: ['y'] } }));
  t.same(both.versions['1.0.0'], { bundleDependencies: ['x'] }, 'bundleDependencies wins over bundledDependencies');
});

t.test('modifiedAt reads time.modified or modified', async (t) => {
  t.equal(modifiedAt(full(WIDGET)), Date.parse('2024-04-22T10:20:02.118Z'));
  t.equal(modifiedAt(abbreviated(SCOPED)), Date.parse('2024-03-09T11:15:00.000Z'));
  t.equal(modifiedAt(doc({})), undefined);
  t.equal(modifiedAt(doc({}, { modified: 'not a date' })), undefined);
  t.equal(modifiedAt(doc({}, { time: { created: '2020-01-01T00:00:00.000Z' } })), undefined);
});

t.test('versionManifest snapshots one version with its publish time', async (t) => {
  const source = full(WIDGET);
  const snapshot = versionManifest(source, '1.1.0');
  t.match(snapshot, { name: WIDGET, version: '1.1.0', deprecated: '1.1.0 miscounts widgets; use 1.2.0' });
  t.equal(snapshot?._larderTime, '2023-03-02T14:21:07.512Z');
  (snapshot?.dist as Record<string, unknown>).tarball = 'changed';
  t.not((source.versions['1.1.0']?.dist as Record<string, unknown>).tarball, 'changed', 'a deep copy');
  t.notOk('_larderTime' in (versionManifest(abbreviated(WIDGET), '1.0.0') ?? {}), 'no time, no field');
  t.equal(versionManifest(source, '9.9.9'), undefined);
  t.equal(versionManifest(source, 'constructor'), undefined, 'inherited keys are not versions');
});

t.test('tarballDigest: integrity first, else shasum; invalid gives undefined', async (t) => {
  const sha1Hex = createHash('sha1').update('x').digest('hex');
  const sha1Sri = `sha1-${createHash('sha1').update('x').digest('base64')}`;
  const sha512Sri = `sha512-${createHash('sha512').update('x').digest('base64')}`;
  const cases: Array<[unknown, string | undefined, string]> = [
    [{ integrity: sha512Sri, shasum: sha1Hex }, sha512Sri, 'integrity'],
    [{ integrity: `${sha1Sri} ${sha512Sri}` }, sha512Sri, 'several hashes: the strongest'],
    [{ shasum: sha1Hex }, sha1Sri, 'shasum only'],
    [{ shasum: sha1Hex.toUpperCase() }, sha1Sri, 'uppercase shasum'],
    [{ integrity: 'garbage', shasum: sha1Hex }, undefined, 'invalid integrity'],
    [{ integrity: 'sha512-', shasum: sha1Hex }, undefined, 'empty digest'],
    [{ integrity: 'md5-XrY7u+Ae7tCTyyK7j1rNww==' }, undefined, 'md5'],
    [{ integrity: 42 }, undefined, 'non-string integrity'],
    [{ shasum: 'abc' }, undefined, 'short shasum'],
    [{}, undefined, 'no digest'],
    ['not an object', undefined, 'no dist object'],
  ];
  for (const [dist, expected, label] of cases) {
    t.equal(tarballDigest(doc({ '1.0.0': { dist } }), '1.0.0'), expected, label);
  }
  t.equal(tarballDigest(doc({}), '1.0.0'), undefined, 'unknown version');
});

t.test('resolveSpec: dist-tag, exact version, range', async (t) => {
  const d = full(WIDGET);
  const cases: Array<[string, string | undefined]> = [
    ['latest', '1.2.0'],
    ['beta', '2.0.0-beta.1'],
    ['next', '2.0.0-rc.1'],
    ['1.1.0', '1.1.0'],
    ['2.0.0-beta.1', '2.0.0-beta.1'],
    ['^1.0.0', '1.2.0'],
    ['~1.1.0', '1.1.0'],
    ['*', '1.2.0'],
    ['>=2.0.0-beta.0', '2.0.0-rc.1'],
    ['^3.0.0', undefined],
    ['3.0.0', undefined],
    ['nope', undefined],
  ];
  for (const [spec, expected] of cases) t.equal(resolveSpec(d, spec), expected, spec);
  const dangling = doc({ '1.0.0': {} }, { 'dist-tags': { latest: '2.0.0' } });
  t.equal(resolveSpec(dangling, 'latest'), undefined, 'a tag pointing at an unlisted version');
});

t.test('dependencyRanges: registry dependencies for prefetching', async (t) => {
  t.same(dependencyRanges(full(WIDGET).versions['1.2.0']), [{ name: SCOPED, range: '^0.3.0' }], 'devDependencies skipped');
  t.same(dependencyRanges(full(SCOPED).versions['0.3.1']), [{ name: WIDGET, range: '^1.0.0' }], 'peer included');
  t.same(
    dependencyRanges({
      dependencies: { a: '^1.0.0', alias: 'npm:@s/real@^2.0.0', bare: 'npm:other', git: 'github:u/r', file: 'file:../x' },
      optionalDependencies: { a: '^1.0.0', b: 'latest', url: 'https://upstream.invalid/x.tgz', c: '' },
      peerDependencies: { d: '>=1 <3', '../evil': '1.0.0', e: 7 },
    }),
    [
      { name: 'a', range: '^1.0.0' },
      { name: '@s/real', range: '^2.0.0' },
      { name: 'other', range: '*' },
      { name: 'b', range: 'latest' },
      { name: 'c', range: '*' },
      { name: 'd', range: '>=1 <3' },
    ],
  );
  t.same(dependencyRanges(undefined), []);
  t.same(dependencyRanges({ dependencies: ['a'] }), []);
});

t.test('rewriteForClient points every tarball at larder and keeps the digests', async (t) => {
  for (const name of NPM_FIXTURE_NAMES) {
    for (const source of [full(name), abbreviated(name)]) {
      const before = JSON.stringify(source);
      const out = rewriteForClient(source, 'http://127.0.0.1:7878/npm/default/');
      t.equal(JSON.stringify(source), before, `${name}: input unchanged`);
      t.same(out['dist-tags'], source['dist-tags'], `${name}: dist-tags untouched`);
      for (const [version, manifest] of Object.entries(out.versions)) {
        const dist = manifest.dist as Record<string, unknown>;
        const original = source.versions[version]?.dist as Record<string, unknown>;
        const base = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
        t.equal(dist.tarball, `http://127.0.0.1:7878/npm/default/${name}/-/${base}-${version}.tgz`);
        t.same({ ...dist, tarball: original.tarball }, original, `${name}@${version}: integrity, shasum, rest untouched`);
      }
    }
  }
  const odd = rewriteForClient(doc({ '1.0.0': { dist: { tarball: 'x' } }, '../1.0.0': { dist: {} }, '2.0.0': {} }), 'http://h/npm/r');
  t.same(odd.versions, { '1.0.0': { dist: { tarball: 'http://h/npm/r/pkg/-/pkg-1.0.0.tgz' } }, '2.0.0': {} });
});

t.test('upstreamTarballPath: same origin only, no dot segments', async (t) => {
  const base = new URL('http://upstream.invalid/');
  const at = (tarball: unknown, upstream: URL = base, name = 'pkg'): string =>
    upstreamTarballPath(doc({ '1.0.0': { dist: { tarball } } }, { name }), '1.0.0', name, upstream);
  t.equal(upstreamTarballPath(full(SCOPED), '0.3.1', SCOPED, base), '/@larder-fixtures/scoped-util/-/scoped-util-0.3.1.tgz');
  t.equal(at('http://upstream.invalid/files/pkg-1.0.0.tgz?token=x'), '/files/pkg-1.0.0.tgz', 'same origin: its path');
  t.equal(at('HTTP://UPSTREAM.invalid:80/files/x.tgz'), '/files/x.tgz', 'origin compared normalised');
  const canonical = '/pkg/-/pkg-1.0.0.tgz';
  const refused: Array<[unknown, string]> = [
    ['http://evil.invalid/pkg/-/pkg-1.0.0.tgz', 'another host'],
    ['https://upstream.invalid/pkg/-/pkg-1.0.0.tgz', 'another scheme'],
    ['http://upstream.invalid:8080/pkg/-/pkg-1.0.0.tgz', 'another port'],
    ['http://user:pw@upstream.invalid/pkg/-/pkg-1.0.0.tgz', 'credentials in the URL'],
    ['http://upstream.invalid/pkg/../admin/x.tgz', 'dot segments'],
    ['http://upstream.invalid/pkg/%2e%2e/admin/x.tgz', 'encoded dot segments'],
    ['http://upstream.invalid/pkg/.%2E/admin', 'mixed dot segment'],
    ['http://upstream.invalid/pkg/./x.tgz', 'single dot'],
    ['http://upstream.invalid/pkg/a%2f..%2fb', 'encoded slash around dots'],
    ['http://upstream.invalid/pkg/%252e%252e/x', 'double encoding'],
    ['http://upstream.invalid/pkg/x%00.tgz', 'NUL'],
    ['http://upstream.invalid/pkg/%zz', 'bad escape'],
    ['http://upstream.invalid\\pkg\\..\\x', 'backslashes'],
    ['http://upstream.invalid/pkg/\n../x', 'newline'],
    ['http:upstream.invalid/x.tgz', 'no authority'],
    ['//upstream.invalid/x.tgz', 'scheme-relative'],
    ['/pkg/-/pkg-1.0.0.tgz', 'relative'],
    ['http://upstream.invalid?/../x', 'query before the path'],
    ['http://[bad', 'unparseable'],
    [undefined, 'missing'],
    [42, 'not a string'],
  ];
  for (const [tarball, label] of refused) t.equal(at(tarball), canonical, label);
  t.equal(at(undefined, new URL('http://upstream.invalid/npm/team')), '/npm/team/pkg/-/pkg-1.0.0.tgz', 'under the base path');
  t.equal(at('http://evil.invalid/x', new URL('http://upstream.invalid/r/'), '@s/n'), '/r/@s/n/-/n-1.0.0.tgz');
  t.throws(() => upstreamTarballPath(doc({}), '../x', 'pkg', base), { code: 'E_BAD_REQUEST' });
});

t.test('wantsAbbreviated follows the Accept header', async (t) => {
  const cases: Array<[string | undefined, boolean]> = [
    [`${ABBREVIATED_MEDIA_TYPE}; q=1.0, application/json; q=0.8, */*`, true],
    [ABBREVIATED_MEDIA_TYPE, true],
    ['Application/Vnd.Npm.Install-V1+JSON', true],
    [`application/json, ${ABBREVIATED_MEDIA_TYPE}`, false],
    [`${ABBREVIATED_MEDIA_TYPE}, application/json`, true],
    [`application/json;q=0.9, ${ABBREVIATED_MEDIA_TYPE};q=0.8`, false],
    [`application/json;q=0.5, ${ABBREVIATED_MEDIA_TYPE};q=0.8`, true],
    [`${ABBREVIATED_MEDIA_TYPE};q=0, application/json`, false],
    [`${ABBREVIATED_MEDIA_TYPE};q=0.5, application/json;q=0`, true],
    [`${ABBREVIATED_MEDIA_TYPE};q=banana`, false],
    ['application/json', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ];
  for (const [header, expected] of cases) t.equal(wantsAbbreviated(header), expected, String(header));
});

t.test('packumentAudience: installers resolve, everyone else browses', async (t) => {
  t.equal(packumentAudience(true, undefined), 'resolver', 'the abbreviated document is for installers only');
  t.equal(packumentAudience(true, 'view'), 'resolver');
  for (const command of ['install', 'ci', 'update', 'exec', 'dedupe', ' Install ']) t.equal(packumentAudience(false, command), 'resolver', command);
  for (const command of ['view', 'outdated', 'search', '', 'installx']) t.equal(packumentAudience(false, command), 'browser', command);
  t.equal(packumentAudience(false, undefined), 'browser', 'no npm-command: a browser, curl or another tool');
  t.equal(packumentAudience(false, ['install', 'install']), 'browser', 'a repeated header is not trusted');
});

t.test('a version whose manifest names another version is left out', async (t) => {
  const doc = parsePackument(JSON.stringify({ name: 'liar', 'dist-tags': {}, versions: { '1.0.0': { version: '6.6.6' }, '1.1.0': { version: '1.1.0' }, '1.2.0': {} } }), 'liar');
  t.same(Object.keys(doc.versions).sort(), ['1.1.0', '1.2.0'], 'a manifest without a version field is not a contradiction');
});

t.test('nestedDeeperThan counts levels without recursion', async (t) => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 20_000; i += 1) deep = { d: deep };
  t.ok(nestedDeeperThan(deep, 100), '20 000 levels: no stack overflow');
  t.notOk(nestedDeeperThan({ a: { b: [1, { c: 2 }] } }, 4));
  t.ok(nestedDeeperThan({ a: { b: [1, { c: {} }] } }, 4));
  t.notOk(nestedDeeperThan('plain', 0));
});
