import t, { type Test } from 'tap';
import { isLarderError, quoteInput } from '../../../src/errors.js';
import {
  classifyFilename,
  normalizeProjectName,
  parseAssetName,
  parseDistributionFilename,
  validateProjectName,
} from '../../../src/formats/pypi/index.js';

/** Asserts that `fn` throws LarderError E_BAD_REQUEST whose message mentions `mention`. */
function throwsBadRequest(tt: Test, fn: () => unknown, mention: string | RegExp, label: string): void {
  try {
    fn();
    tt.fail(`${label}: expected E_BAD_REQUEST, got no error`);
  } catch (error) {
    tt.ok(isLarderError(error, 'E_BAD_REQUEST'), `${label}: E_BAD_REQUEST`);
    tt.match(String((error as Error).message), mention, `${label}: message names ${String(mention)}`);
  }
}

t.test('normalizeProjectName follows PEP 503', async (t) => {
  const table: Array<[string, string]> = [
    ['requests', 'requests'],
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['typing_extensions', 'typing-extensions'],
    ['Foo__Bar', 'foo-bar'],
    ['foo-_-.bar', 'foo-bar'],
    ['A.B-C_D', 'a-b-c-d'],
    ['ruamel.yaml.clib', 'ruamel-yaml-clib'],
    ['pkg1', 'pkg1'],
  ];
  for (const [raw, normalized] of table) t.equal(normalizeProjectName(raw), normalized, raw);
});

t.test('validateProjectName accepts PEP 508 names unchanged', async (t) => {
  for (const name of ['a', 'Z', '7', 'requests', 'Zope.Interface', 'typing_extensions', 'a-b', 'x'.repeat(200), 'A1._-b']) {
    t.equal(validateProjectName(name), name, name);
  }
});

t.test('validateProjectName refuses other names, naming the name and the rule', async (t) => {
  const invalid: Array<[string, string]> = [
    ['', 'empty'],
    ['x'.repeat(201), '200'],
    ['-leading', 'PEP 508'],
    ['trailing.', 'PEP 508'],
    ['_x', 'PEP 508'],
    ['..', 'PEP 508'],
    ['.', 'PEP 508'],
    ['a/b', 'PEP 508'],
    ['a b', 'PEP 508'],
    ['a%2fb', 'PEP 508'],
    ['naïve', 'PEP 508'],
    ['a\u0000b', 'PEP 508'],
    ['a\\b', 'PEP 508'],
  ];
  for (const [name, rule] of invalid) {
    throwsBadRequest(t, () => validateProjectName(name), rule, JSON.stringify(name));
    throwsBadRequest(t, () => validateProjectName(name), quoteInput(name), `${JSON.stringify(name)} quoted, escaped and cut`);
  }
});

t.test('wheel file names give the normalised version', async (t) => {
  const table: Array<[string, string, string]> = [
    ['requests', 'requests-2.31.0-py3-none-any.whl', '2.31.0'],
    ['typing-extensions', 'typing_extensions-4.12.2-py3-none-any.whl', '4.12.2'],
    ['zope-interface', 'zope.interface-6.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', '6.4'],
    ['Django', 'Django-5.0.6-py3-none-any.whl', '5.0.6'],
    ['torch', 'torch-2.3.1+cpu-cp311-cp311-linux_x86_64.whl', '2.3.1+cpu'],
    ['pkg', 'pkg-1.0-1-py3-none-any.whl', '1.0'], // build tag
    ['pkg', 'pkg-1.0-12abc-py2.py3-none-any.whl', '1.0'],
    ['pkg', 'pkg-1!2.0rc1-py3-none-any.whl', '1!2.0rc1'],
    ['pkg', 'pkg-1.0.DEV3-py3-none-any.WHL', '1.0.dev3'],
    ['pkg', 'pkg-1.0_post2-py3-none-any.whl', '1.0.post2'],
  ];
  for (const [project, filename, version] of table) {
    t.same(parseDistributionFilename(project, filename), { version, kind: 'wheel' }, filename);
  }
});

t.test('sdist file names give the normalised version, whatever the name spelling', async (t) => {
  const table: Array<[string, string, string]> = [
    ['requests', 'requests-2.31.0.tar.gz', '2.31.0'],
    ['sample-requests', 'Sample-Requests-2.0.0.tar.gz', '2.0.0'], // "-" inside the name
    ['zope-interface', 'zope.interface-6.4.tar.gz', '6.4'],
    ['foo-bar', 'foo__bar-1.0.zip', '1.0'],
    ['pkg', 'pkg-1.0.tar.bz2', '1.0'],
    ['pkg', 'pkg-1.0.tgz', '1.0'],
    ['pkg', 'pkg-1.0.tar.xz', '1.0'],
    ['pkg', 'pkg-1.0-1.tar.gz', '1.0.post1'], // PEP 440's dash post-release
    ['pkg', 'pkg-1.0RC1.tar.gz', '1.0rc1'],
    ['pkg', 'pkg-v2.0.tar.gz', '2.0'],
    ['foo-2', 'foo-2-1.0.tar.gz', '1.0'], // a name ending in a digit part
    ['pytz', 'pytz-2024.1.tar.gz', '2024.1'],
  ];
  for (const [project, filename, version] of table) {
    t.same(parseDistributionFilename(project, filename), { version, kind: 'sdist' }, filename);
  }
});

t.test('a file of another project is refused, naming both', async (t) => {
  const table: Array<[string, string]> = [
    ['requests', 'urllib3-2.2.1-py3-none-any.whl'],
    ['requests', 'requests_oauthlib-2.0.0-py2.py3-none-any.whl'],
    ['requests', 'requests-oauthlib-2.0.0.tar.gz'],
    ['foo', 'foobar-1.0.tar.gz'],
    ['foo-bar', 'foo-1.0.tar.gz'],
    ['pkg', 'pkg-banana.tar.gz'],
  ];
  for (const [project, filename] of table) {
    throwsBadRequest(t, () => parseDistributionFilename(project, filename), `file ${filename} does not belong to project ${project}`, filename);
  }
});

t.test('names that are no wheel or sdist, or have no PEP 440 version, are refused', async (t) => {
  const table: Array<[string, RegExp]> = [
    ['pkg-1.0-py2.7.egg', /neither a wheel/],
    ['pkg-1.0.exe', /neither a wheel/],
    ['pkg-1.0.tar', /neither a wheel/],
    ['pkg-1.0.whl', /5 or 6/],
    ['pkg-1.0-a-b-c-d-e.whl', /5 or 6/],
    ['pkg-1.0-x-py3-none-any.whl', /build tag/],
    ['pkg--py3-none-any.whl', /empty/],
    ['pkg-banana-py3-none-any.whl', /not a PEP 440 version/],
    ['pkg-1.banana.tar.gz', /not a PEP 440 version/],
    ['pkg-2024-01-01.tar.gz', /not a PEP 440 version/],
    ['pkg-.tar.gz', /not a PEP 440 version/],
    ['pkg.tar.gz', /another project/],
  ];
  for (const [filename, mention] of table) throwsBadRequest(t, () => parseDistributionFilename('pkg', filename), mention, filename);
  throwsBadRequest(t, () => parseDistributionFilename('bad/project', 'pkg-1.0.tar.gz'), 'PEP 508', 'invalid project');
});

t.test('every traversal spelling in a file name is refused before anything else', async (t) => {
  const spellings = [
    '../pkg-1.0.tar.gz',
    '..%2fpkg-1.0.tar.gz',
    '%2e%2e/pkg-1.0.tar.gz',
    '%2e%2e%2fpkg-1.0.tar.gz',
    '..\\pkg-1.0.tar.gz',
    'a/../pkg-1.0.tar.gz',
    'pkg-1.0.tar.gz/..',
    '/etc/passwd',
    '/pkg-1.0.tar.gz',
    'sub/pkg-1.0.tar.gz',
    '..',
    '.',
    '.pkg-1.0.tar.gz',
    'pkg-1.0..tar.gz',
    'pkg-1.0.tar.gz\u0000.whl',
    'pkg-1.0.tar.gz\r\nX: y',
    'pkg-1.0\t.tar.gz',
    'pkg-1.0.tar.gz\u007f',
    '\uff0e\uff0e\uff0fpkg-1.0.tar.gz', // fullwidth "../"
    'pkg-1.0\u2215x.tar.gz', // division slash
    'pkg 1.0.tar.gz',
    'pkg-1.0.tar.gz;rm',
    '',
    `pkg-1.0.${'0'.repeat(250)}.tar.gz`,
  ];
  for (const filename of spellings) {
    throwsBadRequest(t, () => parseDistributionFilename('pkg', filename), 'not a single safe path segment', JSON.stringify(filename));
    throwsBadRequest(t, () => parseAssetName('pkg', filename), 'not a single safe path segment', `asset ${JSON.stringify(filename)}`);
    throwsBadRequest(t, () => parseAssetName('pkg', `${filename}.metadata`), /safe path segment|neither/, `metadata ${JSON.stringify(filename)}`);
  }
});

t.test('parseAssetName tells a file from its PEP 658 metadata', async (t) => {
  t.same(parseAssetName('pkg', 'pkg-1.0-py3-none-any.whl'), { version: '1.0', filename: 'pkg-1.0-py3-none-any.whl', metadata: false });
  t.same(parseAssetName('pkg', 'pkg-1.0-py3-none-any.whl.metadata'), { version: '1.0', filename: 'pkg-1.0-py3-none-any.whl', metadata: true });
  t.same(parseAssetName('pkg', 'pkg-2.0.tar.gz.metadata'), { version: '2.0', filename: 'pkg-2.0.tar.gz', metadata: true });
  throwsBadRequest(t, () => parseAssetName('pkg', 'pkg-1.0-py3-none-any.whl.METADATA'), /neither a wheel/, 'uppercase suffix');
  throwsBadRequest(t, () => parseAssetName('pkg', '.metadata'), 'safe path segment', 'bare suffix');
  throwsBadRequest(t, () => parseAssetName('pkg', 'other-1.0.tar.gz.metadata'), 'does not belong to project pkg', 'foreign metadata');
});

t.test('classifyFilename never throws', async (t) => {
  t.same(classifyFilename('pkg', 'pkg-1.0.tar.gz'), { kind: 'file', type: 'sdist', version: '1.0' });
  t.equal(classifyFilename('pkg', 'other-1.0.tar.gz').kind, 'foreign');
  t.equal(classifyFilename('pkg', 'other-1.0-py3-none-any.whl').kind, 'foreign');
  t.equal(classifyFilename('pkg', '../x').kind, 'invalid');
  t.equal(classifyFilename('pkg', 'pkg-1.0.egg').kind, 'invalid');
});
