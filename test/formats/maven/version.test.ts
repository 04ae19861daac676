import t, { type Test } from 'tap';
import { canonicalMavenVersion, compareMavenVersions, isSnapshot, sortMavenVersions } from '../../../src/formats/maven/version.js';

/**
 * Maven's version order, written from ComparableVersion's documented rules and the cases of
 * Maven's own ComparableVersionTest (MNG-5568, MNG-6572, MNG-6964, MNG-7559 included), checked
 * against Maven 3.9's maven-artifact. Every pair is checked both ways.
 */
type Op = '<' | '=' | '>';
const PAIRS: Array<[string, Op, string]> = [
  ['1', '<', '2'],
  ['1.5', '<', '2'],
  ['1', '<', '2.5'],
  ['1.0', '<', '1.1'],
  ['1.1', '<', '1.2'],
  ['1.0.0', '<', '1.1'],
  ['1.0.1', '<', '1.1'],
  ['1.1', '<', '1.2.0'],
  ['1.0-alpha-1', '<', '1.0'],
  ['1.0-alpha-1', '<', '1.0-alpha-2'],
  ['1.0-alpha-1', '<', '1.0-beta-1'],
  ['1.0-beta-1', '<', '1.0-SNAPSHOT'],
  ['1.0-SNAPSHOT', '<', '1.0'],
  ['1.0-alpha-1-SNAPSHOT', '<', '1.0-alpha-1'],
  ['1.0', '<', '1.0-1'],
  ['1.0-1', '<', '1.0-2'],
  ['1.0.0', '<', '1.0-1'],
  ['2.0-1', '<', '2.0.1'],
  ['2.0.1-klm', '<', '2.0.1-lmn'],
  ['2.0.1', '<', '2.0.1-xyz'],
  ['2.0.1', '<', '2.0.1-123'],
  ['2.0.1-xyz', '<', '2.0.1-123'],
  ['1.0-alpha', '<', '1.0-beta'],
  ['1.0-beta', '<', '1.0-milestone'],
  ['1.0-milestone', '<', '1.0-rc'],
  ['1.0-rc', '<', '1.0-snapshot'],
  ['1.0-snapshot', '<', '1.0'],
  ['1.0', '<', '1.0-sp'],
  ['1.0-sp', '<', '1.0-abc'],
  ['1.0-rc1', '=', '1.0-cr1'],
  ['1.0-ga', '=', '1.0'],
  ['1.0-final', '=', '1.0'],
  ['1.0.RELEASE', '=', '1.0'],
  ['1.0.Final', '=', '1'],
  ['1a1', '=', '1-alpha-1'],
  ['1b2', '=', '1-beta-2'],
  ['1m3', '=', '1-milestone-3'],
  ['1X', '=', '1x'],
  ['1-abcdefghijklmnopqrstuvwxyz', '=', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
  ['1', '=', '1.0.0'],
  ['1', '=', '1-0'],
  ['1.0', '=', '1.0-0'],
  ['1a', '=', '1-a'],
  ['1.0a', '=', '1-a'],
  ['1x', '=', '1.0.0-x'],
  ['6.1.0rc3', '<', '6.1.0'],
  ['6.1.0rc3', '<', '6.1H.5-beta'],
  ['6.1.0', '<', '6.1H.5-beta'],
  ['20190126.230843', '<', '1234567890.12345'],
  ['1234567890.12345', '<', '123456789012345.1H.5-beta'],
  ['123456789012345.1H.5-beta', '<', '12345678901234567890.1H.5-beta'],
  ['0000000000000000001', '=', '1'],
  ['000000000000000000', '=', '0'],
  ['1-0.alpha', '<', '1'],
  ['1-0.beta', '<', '1'],
  ['1-0.alpha', '<', '1-0.beta'],
  ['1.0.0.RC1', '<', '1.0.0-RC2'],
  ['1.0.RC2', '<', '1.0-RC3'],
  ['1.0-RC3', '<', '1.0.1'],
  ['1.0.X1', '<', '1.0-X2'],
  ['1.0-X2', '<', '1.0.1'],
  ['9', '<', '10'],
  ['1.9', '<', '1.10'],
  ['1.0.0-M1', '<', '1.0.0-RC1'],
  ['5.10.0-M1', '<', '5.10.0'],
  ['3.0.0-M9', '<', '3.0.0'],
  ['2.17.0-rc1', '<', '2.17.0'],
  ['4.13-beta-1', '<', '4.13-rc-1'],
  ['4.13-rc-1', '<', '4.13'],
  ['33.0.0-android', '<', '33.0.0-jre'],
  ['33.0.0', '<', '33.0.0-jre'],
  ['1.2.3-SNAPSHOT', '<', '1.2.3'],
  ['1.2.3', '<', '1.2.4-SNAPSHOT'],
  ['1.0-SNAPSHOT', '<', '1.0-sp'],
  ['1.0-20240101.123456-1', '>', '1.0'],
  ['1.0-20240101.123456-1', '>', '1.0-SNAPSHOT']
,
];

const signOf = (n: number): Op => (n < 0 ? '<' : n > 0 ? '>' : '=');
const flip: Record<Op, Op> = { '<': '>', '=': '=', '>': '<' };

t.test(`${PAIRS.length} ordered pairs, both ways`, async (t) => {
  t.ok(PAIRS.length >= 40);
  for (const [a, op, b] of PAIRS) {
    t.equal(signOf(compareMavenVersions(a, b)), op, `${a} ${op} ${b}`);
    t.equal(signOf(compareMavenVersions(b, a)), flip[op], `${b} ${flip[op]} ${a}`);
    if (op === '=') t.equal(canonicalMavenVersion(a), canonicalMavenVersion(b), `${a} and ${b} share a canonical form`);
  }
});

/** Strictly ascending: every earlier entry is below every later one. */
function checkAscending(t: Test, versions: string[]): void {
  for (let i = 0; i < versions.length; i++) {
    for (let j = i + 1; j < versions.length; j++) {
      const [low, high] = [versions[i] as string, versions[j] as string];
      if (compareMavenVersions(low, high) >= 0 || compareMavenVersions(high, low) <= 0) t.fail(`expected ${low} < ${high}`);
    }
  }
  t.pass(`${versions.length} versions strictly ascending`);
}

t.test('qualifier order (ComparableVersionTest VERSIONS_QUALIFIER)', async (t) => {
  checkAscending(t, [
    '1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2', '1-rc123',
    '1-SNAPSHOT', '1', '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123',
  ]);
});

t.test('number order (VERSIONS_NUMBER, with Maven 3.9 placing 2.0.a = 2-a before 2-1)', async (t) => {
  checkAscending(t, [
    '2.0', '2.0.a', '2-1', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2', '2.123',
    '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m',
  ]);
  t.equal(compareMavenVersions('2.0.a', '2.0.0.a'), 0);
});

t.test('leading zeroes and big numbers', async (t) => {
  const ones = Array.from({ length: 19 }, (_, i) => `${'0'.repeat(i)}1`);
  const zeroes = Array.from({ length: 19 }, (_, i) => '0'.repeat(i + 1));
  for (const v of ones) t.equal(compareMavenVersions(v, '1'), 0, `${v} = 1`);
  for (const v of zeroes) t.equal(compareMavenVersions(v, '0'), 0, `${v} = 0`);
  t.equal(signOf(compareMavenVersions('99999999999999999999999', '99999999999999999999998')), '>', 'beyond 2^64');
  t.equal(signOf(compareMavenVersions('1.9999999999', '1.999999999')), '>', 'a long against an int');
});

t.test('canonical forms', async (t) => {
  const canonical: Array<[string, string]> = [
    ['1.0.0', '1'],
    ['1.0-GA', '1'],
    ['1.0.0.RC1', '1-rc-1'],
    ['1.0-alpha-1', '1-alpha-1'],
    ['1a1', '1-alpha-1'],
    ['2.0.1-xyz', '2.0.1-xyz'],
    ['1-0.alpha', '1-alpha'],
    ['1.0-SNAPSHOT', '1-snapshot'],
    ['', ''],
  ];
  for (const [version, form] of canonical) t.equal(canonicalMavenVersion(version), form, version);
});

t.test('sortMavenVersions sorts, drops duplicate strings, keeps the input', async (t) => {
  const input = ['4.13', '4.13-rc-1', '3.8.1', '4.13.2', '4.13-beta-1', '4.13', '4.12', '4.13.1-SNAPSHOT'];
  const copy = [...input];
  t.same(sortMavenVersions(input), ['3.8.1', '4.12', '4.13-beta-1', '4.13-rc-1', '4.13', '4.13.1-SNAPSHOT', '4.13.2']);
  t.same(input, copy);
});

t.test('isSnapshot', async (t) => {
  t.ok(isSnapshot('1.0-SNAPSHOT'));
  t.ok(isSnapshot('1.0-20240101.123456-3'), 'a deployed snapshot');
  t.notOk(isSnapshot('1.0'));
  t.notOk(isSnapshot('1.0-snapshot-release'));
  t.notOk(isSnapshot('20240101.123456'));
  t.notOk(isSnapshot('SNAPSHOT'));
});
