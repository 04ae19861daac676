import t from 'tap';
import { compareVersions, normalizeVersion, sortVersions } from '../../../src/formats/pypi/index.js';

t.test('normalizeVersion gives PEP 440 normal form', async (t) => {
  const table: Array<[string, string]> = [
    ['1.0', '1.0'],
    ['1.0.0', '1.0.0'], // trailing zeros are kept in the spelling
    ['v1.0', '1.0'],
    ['01.002', '1.2'],
    ['1.0RC1', '1.0rc1'],
    ['1.0-rc.1', '1.0rc1'],
    ['1.0c1', '1.0rc1'],
    ['1.0pre2', '1.0rc2'],
    ['1.0preview', '1.0rc0'],
    ['1.0alpha', '1.0a0'],
    ['1.0.beta-3', '1.0b3'],
    ['1.0-1', '1.0.post1'],
    ['1.0post', '1.0.post0'],
    ['1.0.rev4', '1.0.post4'],
    ['1.0_r5', '1.0.post5'],
    ['1.0.DEV', '1.0.dev0'],
    ['1.0-dev-7', '1.0.dev7'],
    ['1.0a1.post2.dev3', '1.0a1.post2.dev3'],
    ['0!1.0', '1.0'],
    ['2!1.0', '2!1.0'],
    ['1.0+Ubuntu-1', '1.0+ubuntu.1'],
    ['1.0+abc_007', '1.0+abc.7'],
    ['2024.1', '2024.1'],
  ];
  for (const [raw, normal] of table) t.equal(normalizeVersion(raw), normal, raw);
  for (const bad of ['', 'banana', '1.0.', '.1', '1..0', '1.0+', '1.0+a..b', '1.0 ', ' 1.0', '1.0-foo', '1.0a1b2', 'dev', '1.0+local+again']) {
    t.equal(normalizeVersion(bad), undefined, JSON.stringify(bad));
  }
});

t.test('versions sort in PEP 440 order', async (t) => {
  const ordered = [
    '1.0.dev0',
    '1.0a1.dev1',
    '1.0a1',
    '1.0a1.post1',
    '1.0b1',
    '1.0rc1',
    '1.0',
    '1.0+abc',
    '1.0+abc.5',
    '1.0+5',
    '1.0.post1.dev0',
    '1.0.post1',
    '1.1.dev0',
    '1.1',
    '1.10',
    '2.0',
    '99999999999999999999.0', // past Number.MAX_SAFE_INTEGER
    '1!0.1',
  ];
  const shuffled = [...ordered].reverse();
  t.same(sortVersions(shuffled), ordered);
  t.equal(compareVersions('1.0', '1.0.0'), -1, 'equal versions fall back to the spelling, for a stable order');
  t.equal(compareVersions('1.0.0', '1.0'), 1);
  t.equal(compareVersions('1.0', '1.0'), 0);
  t.same(sortVersions(['2.0', 'not-a-version', '1.0', 'also bad']), ['also bad', 'not-a-version', '1.0', '2.0'], 'non-PEP 440 first');
  t.same(sortVersions(['1.0', '1.0']), ['1.0'], 'distinct');
});
