import t, { type Test } from 'tap';
import { isLarderError } from '../../../src/errors.js';
import {
  classifyNpmPath,
  packumentPath,
  tarballFilename,
  tarballPath,
  validatePackageName,
  type NpmRequest,
} from '../../../src/formats/npm/index.js';

/** Asserts that `fn` throws LarderError E_BAD_REQUEST whose message mentions `mention`. */
function throwsBadRequest(tt: Test, fn: () => unknown, mention: string, label: string): void {
  try {
    fn();
    tt.fail(`${label}: expected E_BAD_REQUEST, got no error`);
  } catch (error) {
    tt.ok(isLarderError(error, 'E_BAD_REQUEST'), `${label}: E_BAD_REQUEST`);
    tt.match(String((error as Error).message), mention, `${label}: message names ${mention}`);
  }
}

t.test('validatePackageName accepts what the registry serves', async (t) => {
  const valid = [
    'lodash',
    'a',
    'JSONStream', // old packages have uppercase
    'jquery.min',
    'left-pad',
    'under_score',
    'tilde~ok',
    "it's-fine(ish)!*", // legacy punctuation that encodeURIComponent keeps
    '@types/node',
    '@Scope/Name',
    '@scope/.hidden', // npm allows a scoped name to start with "." or "_"
    '@scope/_private',
    'x'.repeat(214),
    `@s/${'x'.repeat(211)}`,
  ];
  for (const name of valid) t.equal(validatePackageName(name), name, name);
});

t.test('validatePackageName refuses names npm refuses, naming the name and the rule', async (t) => {
  const invalid: Array<[string, string]> = [
    ['', 'empty'],
    ['x'.repeat(215), '214'],
    [`@s/${'x'.repeat(212)}`, '214'],
    ['.hidden', 'start with'],
    ['_private', 'start with'],
    ['.', 'start with'],
    ['..', 'start with'],
    ['node_modules', 'reserved'],
    ['favicon.ico', 'reserved'],
    ['@scope/node_modules', 'reserved'],
    ['@scope/..', '".." are not names'],
    ['@../lodash', '".." are not names'],
    ['@./x', '".." are not names'],
    ['@scope/', 'empty'],
    ['@/name', 'empty'],
    ['@scope', 'exactly one'],
    ['@scope/a/b', 'exactly one'],
    ['a/b', 'URL-safe'],
    ['with space', 'URL-safe'],
    [' lead', 'URL-safe'],
    ['tab\tname', 'URL-safe'],
    ['nul\0name', 'URL-safe'],
    ['back\\slash', 'URL-safe'],
    ['percent%2e', 'URL-safe'],
    ['caf\u00e9', 'URL-safe'],
    ['colon:name', 'URL-safe'],
    ['@sc ope/name', 'URL-safe'],
  ];
  for (const [name, rule] of invalid) {
    throwsBadRequest(t, () => validatePackageName(name), rule, JSON.stringify(name));
  }
  throwsBadRequest(t, () => validatePackageName('a/b'), '"a/b"', 'message quotes the name');
});

t.test('tarballFilename, tarballPath and packumentPath build canonical registry paths', async (t) => {
  t.equal(tarballFilename('lodash', '4.17.21'), 'lodash-4.17.21.tgz');
  t.equal(tarballFilename('@types/node', '20.1.0-beta.2'), 'node-20.1.0-beta.2.tgz');
  t.equal(tarballPath('lodash', '4.17.21'), 'lodash/-/lodash-4.17.21.tgz');
  t.equal(tarballPath('@types/node', '20.1.0'), '@types/node/-/node-20.1.0.tgz');
  t.equal(packumentPath('lodash'), 'lodash');
  t.equal(packumentPath('@types/node'), '@types%2fnode');
  throwsBadRequest(t, () => tarballPath('@scope/../x', '1.0.0'), 'Invalid npm package name', 'bad name');
  throwsBadRequest(t, () => tarballPath('lodash', '../1.0.0'), 'Invalid npm version', 'bad version');
  throwsBadRequest(t, () => tarballPath('lodash', 'v1.0.0'), 'Invalid npm version', 'v-prefixed version');
  throwsBadRequest(t, () => packumentPath('..'), 'Invalid npm package name', 'dot name');
});

t.test('classifyNpmPath: every spelling of every request kind', async (t) => {
  const cases: Array<[string, NpmRequest]> = [
    ['-/ping', { kind: 'ping' }],
    ['lodash', { kind: 'packument', name: 'lodash' }],
    ['JSONStream', { kind: 'packument', name: 'JSONStream' }],
    ['@types%2fnode', { kind: 'packument', name: '@types/node' }],
    ['@types%2Fnode', { kind: 'packument', name: '@types/node' }],
    ['@types/node', { kind: 'packument', name: '@types/node' }],
    ['%40types%2fnode', { kind: 'packument', name: '@types/node' }],
    ['lodash/4.17.21', { kind: 'version', name: 'lodash', spec: '4.17.21' }],
    ['lodash/latest', { kind: 'version', name: 'lodash', spec: 'latest' }],
    ['lodash/%5E4.0.0', { kind: 'version', name: 'lodash', spec: '^4.0.0' }],
    ['lodash/%3E%3D1.0.0%20%3C2', { kind: 'version', name: 'lodash', spec: '>=1.0.0 <2' }],
    ['@scope/name/1.0.0', { kind: 'version', name: '@scope/name', spec: '1.0.0' }],
    ['@scope%2fname/latest', { kind: 'version', name: '@scope/name', spec: 'latest' }],
    [
      'lodash/-/lodash-4.17.21.tgz',
      { kind: 'tarball', name: 'lodash', version: '4.17.21', filename: 'lodash-4.17.21.tgz' },
    ],
    [
      'left-pad/-/left-pad-1.0.0-beta.2.tgz',
      { kind: 'tarball', name: 'left-pad', version: '1.0.0-beta.2', filename: 'left-pad-1.0.0-beta.2.tgz' },
    ],
    [
      '@scope/name/-/name-1.2.3.tgz',
      { kind: 'tarball', name: '@scope/name', version: '1.2.3', filename: 'name-1.2.3.tgz' },
    ],
    [
      '@scope%2fname/-/name-1.2.3.tgz',
      { kind: 'tarball', name: '@scope/name', version: '1.2.3', filename: 'name-1.2.3.tgz' },
    ],
    [
      '@scope%2Fname/-/name-1.2.3.tgz',
      { kind: 'tarball', name: '@scope/name', version: '1.2.3', filename: 'name-1.2.3.tgz' },
    ],
    [
      '@scope/name/-/@scope/name-1.2.3.tgz',
      { kind: 'tarball', name: '@scope/name', version: '1.2.3', filename: 'name-1.2.3.tgz' },
    ],
    [
      '@scope%2fname/-/@scope/name-1.2.3.tgz',
      { kind: 'tarball', name: '@scope/name', version: '1.2.3', filename: 'name-1.2.3.tgz' },
    ],
    ['-/v1/search', { kind: 'passthrough' }],
    ['-/npm/v1/security/advisories/bulk', { kind: 'passthrough' }],
    ['-/npm/v1/security/audits/quick', { kind: 'passthrough' }],
    ['-/whoami', { kind: 'passthrough' }],
    ['-/package/lodash/dist-tags', { kind: 'passthrough' }],
    ['-/ping/extra', { kind: 'passthrough' }],
  ];
  for (const [path, expected] of cases) t.same(classifyNpmPath(path), expected, path);
});

t.test('classifyNpmPath refuses traversal and smuggling in every spelling', async (t) => {
  const attacks: Array<[string, string]> = [
    ['', 'empty path'],
    ['..', 'dot segment'],
    ['.', 'dot segment'],
    ['%2e%2e', 'dot segment'],
    ['%2E%2e', 'dot segment'],
    ['.%2e', 'dot segment'],
    ['%2e.', 'dot segment'],
    ['%2e', 'dot segment'],
    ['lodash/..', 'dot segment'],
    ['lodash/../express', 'dot segment'],
    ['@scope/../lodash', 'dot segment'],
    ['@scope/%2e%2e/lodash', 'dot segment'],
    ['@scope%2f..', 'dot segment'],
    ['@scope%2f%2e%2e', 'dot segment'],
    ['lodash/-/..%2flodash-1.0.0.tgz', 'dot segment'],
    ['-/..', 'dot segment'],
    ['-/v1/../../admin', 'dot segment'],
    ['-/%2e%2e/admin', 'dot segment'],
    ['%252e%252e', 'double percent-encoding'],
    ['lodash/%252e%252e', 'double percent-encoding'],
    ['-/%252e%252e/x', 'double percent-encoding'],
    ['@scope%252fname', 'double percent-encoding'],
    ['lodash%00', 'control character'],
    ['-/ping%00', 'control character'],
    ['lodash/-/lodash-1.0.0.tgz%00.js', 'control character'],
    ['lodash%0d%0aX-Injected:%201', 'control character'],
    ['lodash%0a', 'control character'],
    ['-/whoami%0d%0a', 'control character'],
    ['lodash\r\nX: 1', 'raw control'],
    ['lodash%5c..%5cx', 'backslash'],
    ['..%5c..%5cetc', 'backslash'],
    ['-/%5cadmin', 'backslash'],
    ['lodash%2fexpress', 'encoded slash'],
    ['lodash%2F..', 'dot segment'],
    ['lodash/-/x%2flodash-1.0.0.tgz', 'encoded slash'],
    ['-/v1%2fsearch', 'encoded slash'],
    ['-/v1/search%2f', 'encoded slash'],
    ['@scope/name%2fextra', 'encoded slash'],
    ['@scope%2fname%2fextra', 'exactly one'],
    ['@scope%2fname/-/@scope%2fname-1.0.0.tgz', 'encoded slash'],
    ['lodash%', 'invalid percent-encoding'],
    ['lodash%2', 'invalid percent-encoding'],
    ['lodash%zz', 'invalid percent-encoding'],
    ['lodash%ff', 'invalid percent-encoding'],
    ['lodash%c3', 'invalid percent-encoding'],
    ['caf%c3%a9', 'non-ASCII'],
    ['café', 'raw control, space or non-ASCII'],
    ['lodash ', 'raw control, space'],
    ['lodash//1.0.0', 'empty path segment'],
    ['lodash/', 'empty path segment'],
    ['/lodash', 'empty path segment'],
    ['-/', 'empty path segment'],
    ['@scope%2f', 'a name part is empty'],
    ['a/b/c/d/e/f/g/h/i', 'too many path segments'],
    [`-/${'a/'.repeat(8)}z`, 'too many path segments'],
    ['x'.repeat(2049), 'too long'],
  ];
  for (const [path, rule] of attacks) {
    throwsBadRequest(t, () => classifyNpmPath(path), rule, JSON.stringify(path).slice(0, 60));
  }
});

t.test('classifyNpmPath refuses malformed names, versions and tarballs of other packages', async (t) => {
  const bad: Array<[string, string]> = [
    ['_private', 'start with'],
    ['.hidden', 'start with'],
    ['node_modules', 'reserved'],
    ['@scope', 'a scope without a package name'],
    ['lodash/-/express-1.0.0.tgz', 'does not belong to lodash'],
    ['lodash/-/lodash-1.0.0.tar.gz', 'does not belong to lodash'],
    ['@scope/name/-/other-1.0.0.tgz', 'does not belong to @scope/name'],
    ['@scope/name/-/@other/name-1.0.0.tgz', 'does not belong to @scope/name'],
    ['@scope/name/-/@scope/other-1.0.0.tgz', 'does not belong to @scope/name'],
    ['@scope/name/-/scope/name-1.0.0.tgz', 'does not belong to @scope/name'],
    ['lodash/-/lodash-latest.tgz', 'no valid version'],
    ['lodash/-/lodash-v1.0.0.tgz', 'no valid version'],
    ['lodash/-/lodash-1.0.tgz', 'no valid version'],
    ['lodash/-/lodash-.tgz', 'no valid version'],
    ['lodash/-/a/lodash-1.0.0.tgz', 'not an npm tarball path'],
    ['lodash/-', 'not an npm tarball path'],
    ['lodash/1.0.0/extra', 'not an npm registry path'],
    ['lodash/%2Dfoo', 'not a version'],
    ['lodash/latest%20%7C%7C%20', 'not a version'],
    ['lodash/%24(id)', 'not a version'],
  ];
  for (const [path, rule] of bad) {
    throwsBadRequest(t, () => classifyNpmPath(path), rule, JSON.stringify(path).slice(0, 60));
  }
});
