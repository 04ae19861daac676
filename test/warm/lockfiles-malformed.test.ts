/**
 * Every way a lockfile can be wrong ends in E_USAGE (a LarderError, never a raw SyntaxError or
 * TypeError) whose message names the file and the line or entry, and says what is wrong.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { LarderError } from '../../src/errors.js';
import {
  readLockfile,
  readLockfileText,
  readMavenList,
  readPackageLock,
  readPnpmLock,
  readPylock,
  readRequirements,
  readYarnBerry,
  readYarnClassic,
} from '../../src/warm/lockfiles/index.js';

const SHA512 = 'sha512-y3+S9TYg/1oIqcXpQkUF6wU+HxPisYYeSuRi6SyBGXCe0nUYHqeHXRg50bt6iLqSBMSy0FFQI0Q9qcebIhGANw==';
const OTHER512 = 'sha512-JOhGV77jWcgidFlUwaCVBEoe9wO/1hoqag+jSrlJVs6hRRVw7j8sKnFR+2QM2qquz9s6NwVAWBVX0Q7870bWfw==';

/** Asserts `fn` throws E_USAGE as a LarderError whose message matches every pattern. */
function usage(t: Test, fn: () => unknown, ...patterns: RegExp[]): void {
  try {
    fn();
    t.fail(`no error; expected ${patterns.join(', ')}`);
  } catch (error) {
    t.ok(error instanceof LarderError, `a LarderError, not ${String(error)}`);
    t.equal((error as LarderError).code, 'E_USAGE');
    t.equal((error as LarderError).operation, 'warm.lockfile');
    for (const pattern of patterns) t.match((error as Error).message, pattern);
  }
}

/** "Billion laughs": each level refers ten times to the one before; expanded, it would not fit in memory. */
const ALIAS_BOMB = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefg'[i] ?? ''}`).join(', ')}]`)].join('\n');

const lock = (packages: Record<string, unknown>): string => JSON.stringify({ lockfileVersion: 3, packages }, null, 2);

t.test('package-lock.json', async (t) => {
  usage(t, () => readPackageLock('{\n  "lockfileVersion": 3,\n  "packages": {,}\n}', 'package-lock.json'), /^package-lock\.json \(line 3, column 16\): not valid JSON: Expected property name or '}'$/);
  usage(t, () => readPackageLock('{\n"lockfileVersion":', 'package-lock.json'), /\(line 2\): not valid JSON: Unexpected end of JSON input/);
  usage(t, () => readPackageLock('[]', 'deps.json'), /^deps\.json: not a package-lock\.json: the top level is not a JSON object/);
  usage(t, () => readPackageLock('{"packages": {}}', 'package-lock.json'), /"lockfileVersion" is missing/);
  usage(t, () => readPackageLock('{"lockfileVersion": 2}', 'package-lock.json'), /without a "packages" map; rewrite it with `npm install --lockfile-version 3`/);
  usage(t, () => readPackageLock('{"lockfileVersion": 3, "packages": []}', 'package-lock.json'), /"packages" is not an object/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': 'x' }), 'package-lock.json'), /\(entry "node_modules\/a"\): not an object/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': { version: 1 } }), 'package-lock.json'), /"version" is not a string/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': { version: '1.0.0', resolved: 5 } }), 'package-lock.json'), /"resolved" is not a string/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': { version: '1.0.0', name: ['x'] } }), 'package-lock.json'), /"name" is not a string/);
  usage(t, () => readPackageLock(lock({ 'node_modules/..': { version: '1.0.0' } }), 'package-lock.json'), /entry "node_modules\/\.\."\): Invalid npm package name/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': { version: '1.0.0', integrity: 'garbage' } }), 'package-lock.json'), /\(entry "node_modules\/a"\): integrity "garbage" is not an SRI digest/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': { version: '1.0.0', integrity: 'md5-XUFAKrxLKna5cZ2REBfFkg==' } }), 'package-lock.json'), /is not an SRI digest/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': { version: '1.0.0', integrity: 'sha512-AAAA' } }), 'package-lock.json'), /has the wrong length for sha512/);
  usage(t, () => readPackageLock(lock({ 'node_modules/a': { version: '1.0.0', integrity: '' } }), 'package-lock.json'), /integrity is empty/);
  usage(
    t,
    () => readPackageLock(lock({ 'node_modules/a': { version: '1.0.0', integrity: SHA512 }, 'node_modules/b': { name: 'a', version: '1.0.0', integrity: OTHER512 } }), 'package-lock.json'),
    /\(entry "a@1\.0\.0"\): two different sha512 digests for the same version/,
  );
  usage(t, () => readPackageLock(JSON.stringify({ lockfileVersion: 1, dependencies: { a: 7 } }), 'package-lock.json'), /entry "node_modules\/a"\): not an object/);
});

t.test('pnpm-lock.yaml', async (t) => {
  usage(t, () => readPnpmLock("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {resolution: {integrity: x}\n", 'pnpm-lock.yaml'), /^pnpm-lock\.yaml \(line \d+, column \d+\): not valid YAML: /);
  usage(t, () => readPnpmLock("lockfileVersion: '9.0'\nlockfileVersion: '9.0'\n", 'pnpm-lock.yaml'), /\(line 2, column 1\): not valid YAML: Map keys must be unique/);
  usage(t, () => readPnpmLock('- a\n- b\n', 'pnpm-lock.yaml'), /the top level is not a map/);
  usage(t, () => readPnpmLock('', 'pnpm-lock.yaml'), /^pnpm-lock\.yaml: not a pnpm-lock\.yaml: the file is empty/);
  usage(t, () => readPnpmLock("lockfileVersion: '9.0'\n---\npackages: [\n", 'pnpm-lock.yaml'), /\(line \d+, column \d+\): not valid YAML/);
  usage(t, () => readPnpmLock(ALIAS_BOMB, 'pnpm-lock.yaml'), /not usable YAML: Excessive alias count/);
  usage(t, () => readPnpmLock('packages: {}\n', 'pnpm-lock.yaml'), /"lockfileVersion" is missing/);
  usage(t, () => readPnpmLock("lockfileVersion: 'nine'\n", 'pnpm-lock.yaml'), /"lockfileVersion" is "nine"/);
  usage(t, () => readPnpmLock('lockfileVersion: 4.1\n', 'pnpm-lock.yaml'), /lockfileVersion 4\.1 is older than larder reads \(5 to 9\)/);
  usage(t, () => readPnpmLock("lockfileVersion: '9.0'\npackages: [a]\n", 'pnpm-lock.yaml'), /"packages" is not a map/);
  usage(t, () => readPnpmLock("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n", 'pnpm-lock.yaml'), /\(entry "a@1\.0\.0"\): has no "resolution" map/);
  usage(t, () => readPnpmLock("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha1-x}\n", 'pnpm-lock.yaml'), /entry "a@1\.0\.0"\): integrity "sha1-x" has the wrong length/);
});

t.test('yarn.lock (classic)', async (t) => {
  usage(t, () => readYarnClassic('a@^1:\n\tversion "1.0.0"\n', 'yarn.lock'), /^yarn\.lock \(line 2\): tabs are not allowed/);
  usage(t, () => readYarnClassic('# yarn lockfile v1\n  version "1.0.0"\n', 'yarn.lock'), /\(line 2\): an indented field before any entry header/);
  usage(t, () => readYarnClassic('a@^1\n', 'yarn.lock'), /\(line 1\): expected an entry header ending in ":", found "a@\^1"/);
  usage(t, () => readYarnClassic('"a@^1:\n  version "1"\n', 'yarn.lock'), /\(line 1\): a quoted string is not closed/);
  usage(t, () => readYarnClassic('a@^1, , b@1:\n  version "1.0.0"\n', 'yarn.lock'), /\(line 1\): empty pattern/);
  usage(t, () => readYarnClassic('"a@^1" "b@1":\n  version "1.0.0"\n', 'yarn.lock'), /expected "," between patterns/);
  usage(t, () => readYarnClassic('a@^1:\n  resolved "http://127.0.0.1:1/a/-/a-1.0.0.tgz"\n', 'yarn.lock'), /\(line 1\): entry a@\^1 has no version/);
  usage(t, () => readYarnClassic('a@^1:\n   version "1.0.0"\n', 'yarn.lock'), /\(line 2\): unexpected indentation/);
  usage(t, () => readYarnClassic('a@^1:\n version "1.0.0"\n', 'yarn.lock'), /\(line 2\): fields are indented by two spaces/);
  usage(t, () => readYarnClassic('a@^1:\n  version\n', 'yarn.lock'), /\(line 2\): field "version" has no value/);
  usage(t, () => readYarnClassic('a@^1:\n  version "1.0.0" extra\n', 'yarn.lock'), /unexpected text after the value of "version"/);
  usage(t, () => readYarnClassic('a@^1:\n  version "1.0.0"\n  integrity sha512-nope\n', 'yarn.lock'), /\(line 1\): integrity "sha512-nope" has the wrong length/);
  usage(t, () => readYarnClassic('a@^1:\n  version "1.0.0"\n  resolved "http://127.0.0.1:1/a/-/a-1.0.0.tgz#abc"\n', 'yarn.lock'), /sha1 digest "abc" is not 40 hex digits/);
  usage(t, () => readYarnClassic('a@^1:\n  version "\\q"\n', 'yarn.lock'), /bad escape/);
});

t.test('yarn.lock (berry)', async (t) => {
  usage(t, () => readYarnBerry('a: 1\n', 'yarn.lock'), /^yarn\.lock: not a yarn berry lockfile: no "__metadata" entry/);
  usage(t, () => readYarnBerry('__metadata: {version: 8}\n"a@npm:1": [\n', 'yarn.lock'), /^yarn\.lock \(line \d+, column \d+\): not valid YAML/);
  usage(t, () => readYarnBerry('__metadata: {version: 8}\n---\na: 1\n', 'yarn.lock'), /2 documents where one is expected/);
  usage(t, () => readYarnBerry(ALIAS_BOMB, 'yarn.lock'), /not usable YAML: Excessive alias count/);
  usage(t, () => readYarnBerry('__metadata:\n  version: 8\n"a@npm:^1":\n  version: 1.0.0\n', 'yarn.lock'), /\(entry "a@npm:\^1"\): has no "resolution" string/);
  usage(t, () => readYarnBerry('__metadata:\n  version: 8\n"a@npm:^1":\n  resolution: "a@npm:^1.0.0"\n', 'yarn.lock'), /resolution "a@npm:\^1\.0\.0" has no exact version/);
  usage(t, () => readYarnBerry('__metadata:\n  version: 8\n"a@npm:^1":\n  resolution: "a b@npm:1.0.0"\n', 'yarn.lock'), /Invalid npm package name "a b"/);
});

t.test('requirements.txt', async (t) => {
  usage(t, () => readRequirements('ok==1.0\nfoo==\n', 'requirements.txt'), /^requirements\.txt \(line 2\): foo has "==" but no version/);
  usage(t, () => readRequirements('foo==1.0#bad', 'requirements.txt'), /\(line 1\): foo has a bad version in "==1\.0#bad"/);
  usage(t, () => readRequirements('foo bar', 'requirements.txt'), /cannot read the version specifier "bar" of foo/);
  usage(t, () => readRequirements('foo[a b]==1.0', 'requirements.txt'), /bad extras "\[a b\]" after foo/);
  usage(t, () => readRequirements('foo==1.0 --hash=md5:' + '0'.repeat(32), 'requirements.txt'), /pip accepts sha256, sha384 and sha512 hashes, not "md5"/);
  usage(t, () => readRequirements('a==1\n\nfoo==1.0 \\\n  --hash=sha256:abc', 'requirements.txt'), /\(line 3\): sha256 digest "abc" is not 64 hex digits/);
  usage(t, () => readRequirements('foo==1.0 --hash', 'requirements.txt'), /--hash needs ALGORITHM:HEX, found ""/);
  usage(t, () => readRequirements('foo==1.0 --hash=sha256', 'requirements.txt'), /--hash needs ALGORITHM:HEX, found "sha256"/);
  usage(t, () => readRequirements('foo==1.0 --hash=sha256:' + 'zz'.repeat(32), 'requirements.txt'), /is not 64 hex digits/);
});

t.test('pylock.toml', async (t) => {
  const pkg = (body: string): string => `lock-version = "1.0"\n[[packages]]\n${body}\n`;
  const hash = 'a'.repeat(64);
  usage(t, () => readPylock('lock-version = "1.0"\n[[packages]\n', 'pylock.toml'), /^pylock\.toml \(line 2, column \d+\): not valid TOML: /);
  usage(t, () => readPylock('packages = []\n', 'pylock.toml'), /no "lock-version" string/);
  usage(t, () => readPylock('lock-version = "2.0"\n', 'pylock.toml'), /lock-version "2\.0" is not one larder reads \(1\.x\)/);
  usage(t, () => readPylock('lock-version = "1.0"\npackages = 3\n', 'pylock.toml'), /"packages" is not an array of tables/);
  usage(t, () => readPylock('lock-version = "1.0"\npackages = [3]\n', 'pylock.toml'), /\(packages\[0\]\): not a table/);
  usage(t, () => readPylock(pkg('version = "1.0"'), 'pylock.toml'), /\(packages\[0\]\): "name" is missing is not a project name/);
  usage(t, () => readPylock(pkg('name = "-x-"'), 'pylock.toml'), /"name" "-x-" is not a project name/);
  usage(t, () => readPylock(pkg('name = "x"\nversion = 1'), 'pylock.toml'), /"version" is not a string/);
  usage(t, () => readPylock(pkg('name = "x"\nversion = "1.0"'), 'pylock.toml'), /x has none of sdist, wheels, archive, directory or vcs/);
  usage(t, () => readPylock(pkg('name = "x"\nversion = "1.0"\nwheels = 1'), 'pylock.toml'), /"wheels" is not an array of tables/);
  usage(t, () => readPylock(pkg('name = "x"\nversion = "1.0"\nwheels = [1]'), 'pylock.toml'), /\(packages\[0\] \(x file 1\)\): a file is not a table/);
  usage(t, () => readPylock(pkg('name = "x"\nversion = "1.0"\nwheels = [{ size = 1, hashes = {} }]'), 'pylock.toml'), /a file has no "name", "url" or "path"/);
  usage(t, () => readPylock(pkg('name = "x"\nversion = "1.0"\nwheels = [{ name = "x-1.0-py3-none-any.whl" }]'), 'pylock.toml'), /x-1\.0-py3-none-any\.whl has no "hashes" table/);
  usage(t, () => readPylock(pkg(`name = "x"\nversion = "1.0"\nsdist = { name = "x-1.0.tar.gz", hashes = { sha256 = "${hash.slice(1)}" } }`), 'pylock.toml'), /sha256 digest "a{63}" is not 64 hex digits/);
  usage(t, () => readPylock(pkg('name = "x"\nversion = "1.0"\nsdist = { name = "x-1.0.tar.gz", hashes = { sha256 = 5 } }'), 'pylock.toml'), /sha256 of x-1\.0\.tar\.gz is not a string/);
  usage(t, () => readPylock(pkg(`name = "x"\nversion = "1.0"\nwheels = [{ url = "http://127.0.0.1:1/..%2Fx.whl", hashes = { sha256 = "${hash}" } }]`), 'pylock.toml'), /file name "\.\.\/x\.whl": it contains a path separator/);
  usage(t, () => readPylock(pkg(`name = "x"\nversion = "1.0"\nwheels = [{ url = "http://127.0.0.1:1/x-1.0%ZZ.whl", hashes = { sha256 = "${hash}" } }]`), 'pylock.toml'), /file name "x-1\.0%ZZ\.whl": it contains characters no wheel or sdist name has/);
});

t.test('Maven dependency lists', async (t) => {
  usage(t, () => readMavenList('g:a:1.0\ng:a\n', 'deps.txt'), /^deps\.txt \(line 2\): "g:a" has 2 parts/);
  usage(t, () => readMavenList('g:a:jar:c:x:1.0\n', 'deps.txt'), /has 6 parts/);
  usage(t, () => readMavenList('g:a:1.0 and more\n', 'deps.txt'), /\(line 1\): expected groupId:artifactId:version, found "g:a:1\.0 and more"/);
  usage(t, () => readMavenList('g/x:a:1.0\n', 'deps.txt'), /has a bad groupId "g\/x"/);
  usage(t, () => readMavenList('g:a:..\n', 'deps.txt'), /has a bad version "\.\."/);
  usage(t, () => readMavenList('g:a:jar::1.0\n', 'deps.txt'), /has a bad classifier ""/);
  usage(t, () => readMavenList('[INFO] BUILD FAILURE\n[ERROR] Failed to execute goal\n', 'build.log'), /^build\.log: no "The following files have been resolved:" section: is this the output of a successful `mvn dependency:list`\?/);
  usage(t, () => readMavenList('[INFO] The following files have been resolved:\n[INFO]    g:a:jar:1.0:compile -- oops\n', 'build.log'), /\(line 2\): cannot read "g:a:jar:1\.0:compile -- oops"/);
});

t.test('readLockfile: unreadable, unrecognised, and a missing include', async (t) => {
  const dir = t.testdir({ 'notes.txt': 'Remember to buy milk.\nAnd eggs, maybe.\n', 'deps.json': '{"name": "x", "version": "1.0.0"}', 'empty.lock': '', 'broken.json': '{ "lockfileVersion": 3,', 'a.txt': 'x==1\n-r nowhere.txt\n' });
  const kinds = /package-lock\.json \(v1 to v3\), npm-shrinkwrap\.json, pnpm-lock\.yaml \(v5 to v9\), yarn\.lock \(classic and berry\), requirements\.txt \(pinned with ==\), pylock\.toml, and Maven dependency lists/;
  for (const name of ['notes.txt', 'deps.json', 'empty.lock', 'broken.json']) {
    await t.rejects(readLockfile(join(dir, name)), { name: 'LarderError', code: 'E_USAGE', message: new RegExp(`${name}: not a lockfile larder recognises\\. larder warm understands `) });
    await t.rejects(readLockfile(join(dir, name)), { message: kinds });
  }
  await t.rejects(readLockfile(join(dir, 'missing.lock')), { name: 'LarderError', code: 'E_USAGE', message: /missing\.lock: cannot read it: ENOENT/ });
  await t.rejects(readLockfile(dir), { code: 'E_USAGE', message: /cannot read it: EISDIR/ });
  await t.rejects(readLockfile(join(dir, 'a.txt')), { code: 'E_USAGE', message: new RegExp(`nowhere\\.txt: cannot read it \\(included from ${join(dir, 'a.txt').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2\\): ENOENT`) });
  t.throws(() => readLockfileText('', 'package-lock.json'), { code: 'E_USAGE', message: /^package-lock\.json \(line 1\): not valid JSON/ }, 'a known name with bad content is malformed, not unrecognised');
});
