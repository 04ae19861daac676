import t from 'tap';
import type { RetainedVersion, VersionStatus } from '../../../src/domain/types.js';
import {
  abbreviate,
  abbreviateVersion,
  highestVersion,
  isAbbreviated,
  mergeRetained,
  UNLISTED_NOTICE,
  parsePackument,
  versionManifest,
  type Packument,
} from '../../../src/formats/npm/index.js';
import { readNpmFixture } from '../../fixtures/npm/fixtures.js';

const WIDGET = 'tiny-widget';
const SCOPED = '@larder-fixtures/scoped-util';
const fullWidget = (): Packument => parsePackument(readNpmFixture(WIDGET, 'full'), WIDGET);
const shortWidget = (): Packument => parsePackument(readNpmFixture(WIDGET, 'abbreviated'), WIDGET);

function retained(version: string, status: VersionStatus, manifest: unknown, pkg = WIDGET): RetainedVersion {
  return {
    format: 'npm',
    package: pkg,
    version,
    status,
    revision: 'r1',
    assets: [],
    manifest,
    origin: { repository: 'default', connection: 'public:npmjs' },
    retainedAt: '2024-05-01T00:00:00.000Z',
  };
}

/** A version snapshot taken from the full fixture, as retention stores it. */
function snapshot(version: string): Record<string, unknown> {
  const manifest = versionManifest(fullWidget(), version);
  if (manifest === undefined) throw new Error(`fixture has no ${version}`);
  return manifest;
}

/** The upstream document after it dropped `version` (unpublished upstream). */
function withoutVersion(doc: Packument, version: string): Packument {
  const versions = Object.fromEntries(Object.entries(doc.versions).filter(([v]) => v !== version));
  const time = doc.time === undefined ? undefined : Object.fromEntries(Object.entries(doc.time).filter(([v]) => v !== version));
  return time === undefined ? { ...doc, versions } : { ...doc, versions, time };
}

t.test('highestVersion prefers releases', async (t) => {
  t.equal(highestVersion(['1.0.0', '2.0.0-rc.1', '1.10.0', 'junk']), '1.10.0');
  t.equal(highestVersion(['2.0.0-rc.1', '2.0.0-beta.1']), '2.0.0-rc.1');
  t.equal(highestVersion([]), undefined);
});

t.test('a version upstream dropped stays listed (full document)', async (t) => {
  const upstream = withoutVersion(fullWidget(), '1.1.0');
  const before = JSON.stringify(upstream);
  const merged = mergeRetained(upstream, WIDGET, [retained('1.1.0', 'Published', snapshot('1.1.0'))], false, false);
  t.equal(JSON.stringify(upstream), before, 'input unchanged');
  t.ok(merged);
  const expected = { ...fullWidget().versions['1.1.0'] };
  t.same(merged?.versions['1.1.0'], expected, 'the snapshot, without larder bookkeeping');
  t.notOk('_larderTime' in (merged?.versions['1.1.0'] ?? {}), 'no _larderTime leaks');
  t.equal(merged?.time?.['1.1.0'], '2023-03-02T14:21:07.512Z', 'publish time restored');
  t.equal(merged?.time?.modified, '2024-04-22T10:20:02.118Z', 'upstream time kept');
  t.same(merged?.['dist-tags'], upstream['dist-tags'], 'dist-tags exactly as upstream sent them');
  t.equal(merged?.readme, upstream.readme, 'other fields pass through');
  t.same(Object.keys(merged?.versions ?? {}).sort(), ['1.0.0', '1.1.0', '1.2.0', '2.0.0-beta.1', '2.0.0-rc.1']);
});

t.test('a version upstream dropped stays listed (abbreviated document)', async (t) => {
  const upstream = withoutVersion(shortWidget(), '2.0.0-rc.1');
  const merged = mergeRetained(upstream, WIDGET, [retained('2.0.0-rc.1', 'Published', snapshot('2.0.0-rc.1'))], true, true);
  t.same(merged?.versions['2.0.0-rc.1'], shortWidget().versions['2.0.0-rc.1'], 'abbreviated like the registry would');
  t.equal(merged?.versions['2.0.0-rc.1']?.hasInstallScript, true);
  t.notOk(merged && 'time' in merged, 'no time in an abbreviated document');
  t.ok(merged && isAbbreviated(merged), 'still abbreviated');
  t.equal(merged?.modified, upstream.modified);
  t.same(merged?.['dist-tags'], upstream['dist-tags']);
});

t.test('every dist-tag passes through when nothing is hidden', async (t) => {
  const upstream = fullWidget();
  const merged = mergeRetained(upstream, WIDGET, [retained('1.0.0', 'Published', snapshot('1.0.0'))], false, false);
  t.same(merged?.['dist-tags'], { latest: '1.2.0', beta: '2.0.0-beta.1', next: '2.0.0-rc.1' });
  t.same(merged, upstream, 'a retained version that upstream still lists with the same dist changes nothing');
});

t.test('archived, disposed and unlisted versions are not listed; their dist-tags go', async (t) => {
  const upstream = fullWidget();
  const merged = mergeRetained(
    upstream,
    WIDGET,
    [
      retained('2.0.0-beta.1', 'Archived', snapshot('2.0.0-beta.1')),
      retained('1.0.0', 'Disposed', snapshot('1.0.0')),
      retained('2.0.0-rc.1', 'Unlisted', snapshot('2.0.0-rc.1')),
    ],
    false,
    false,
  );
  t.same(Object.keys(merged?.versions ?? {}).sort(), ['1.1.0', '1.2.0']);
  t.same(merged?.['dist-tags'], { latest: '1.2.0' }, 'beta and next pointed at hidden versions');
  t.same(Object.keys(upstream.versions).length, 5, 'input unchanged');
});

t.test('when latest is hidden, latest moves to the highest listed release', async (t) => {
  const merged = mergeRetained(fullWidget(), WIDGET, [retained('1.2.0', 'Archived', null)], true, true);
  t.same(merged?.['dist-tags'], { latest: '1.1.0', beta: '2.0.0-beta.1', next: '2.0.0-rc.1' });
  t.notOk('1.2.0' in (merged?.versions ?? {}));
});

t.test('a retained version keeps its own dist when upstream edited it', async (t) => {
  const upstream = fullWidget();
  const edited: Packument = {
    ...upstream,
    versions: {
      ...upstream.versions,
      '1.2.0': {
        ...upstream.versions['1.2.0'],
        deprecated: 'now deprecated upstream',
        dist: { tarball: 'http://upstream.invalid/tiny-widget/-/tiny-widget-1.2.0.tgz', integrity: 'sha512-republished' },
      },
    },
  };
  const merged = mergeRetained(edited, WIDGET, [retained('1.2.0', 'Published', snapshot('1.2.0'))], false, false);
  t.same(merged?.versions['1.2.0']?.dist, upstream.versions['1.2.0']?.dist, 'the retained digest');
  t.equal(merged?.versions['1.2.0']?.deprecated, 'now deprecated upstream', 'other upstream edits show');
});

t.test('no upstream document: one is synthesized from retained versions', async (t) => {
  const records = [
    retained('1.0.0', 'Published', snapshot('1.0.0')),
    retained('1.2.0', 'Published', snapshot('1.2.0')),
    retained('2.0.0-rc.1', 'Published', snapshot('2.0.0-rc.1')),
    retained('1.1.0', 'Archived', snapshot('1.1.0')),
    retained('9.0.0', 'Unlisted', snapshot('1.0.0')),
  ];
  const full = mergeRetained(undefined, WIDGET, records, false, false);
  t.same(full, {
    _id: WIDGET,
    name: WIDGET,
    'dist-tags': { latest: '1.2.0' },
    versions: {
      '1.0.0': fullWidget().versions['1.0.0'],
      '1.2.0': fullWidget().versions['1.2.0'],
      '2.0.0-rc.1': fullWidget().versions['2.0.0-rc.1'],
    },
    time: {
      '1.0.0': '2023-01-10T09:00:00.120Z',
      '1.2.0': '2023-05-18T08:45:33.004Z',
      '2.0.0-rc.1': '2024-04-22T10:15:48.276Z',
    },
  });
  t.ok(full && !isAbbreviated(full), 'a synthesized full document does not look abbreviated');

  const short = mergeRetained(undefined, WIDGET, records, true, true);
  const shortVersions = abbreviate(fullWidget()).versions;
  t.same(short, {
    name: WIDGET,
    'dist-tags': { latest: '1.2.0' },
    versions: {
      '1.0.0': shortVersions['1.0.0'],
      '1.2.0': shortVersions['1.2.0'],
      '2.0.0-rc.1': shortVersions['2.0.0-rc.1'],
      '9.0.0': { ...shortVersions['1.0.0'], deprecated: UNLISTED_NOTICE },
    },
  });
  t.ok(short && isAbbreviated(short));

  const pre = mergeRetained(undefined, WIDGET, [retained('2.0.0-rc.1', 'Published', snapshot('2.0.0-rc.1'))], true, true);
  t.same(pre?.['dist-tags'], { latest: '2.0.0-rc.1' }, 'only prereleases: the highest');
  const noTime = mergeRetained(undefined, WIDGET, [retained('1.0.0', 'Published', abbreviateVersion(snapshot('1.0.0')))], false, false);
  t.same(noTime?.time, {}, 'a full document always has time, even when no snapshot carries one');
});

t.test('nothing to show gives undefined', async (t) => {
  t.equal(mergeRetained(undefined, WIDGET, [], false, false), undefined);
  t.equal(mergeRetained(undefined, WIDGET, [retained('1.0.0', 'Unlisted', snapshot('1.0.0'))], false, false), undefined);
  t.equal(mergeRetained(undefined, WIDGET, [retained('1.0.0', 'Archived', snapshot('1.0.0'))], true, true), undefined);
  t.equal(mergeRetained(undefined, WIDGET, [retained('1.0.0', 'Published', 'not an object')], true, true), undefined);
  t.equal(mergeRetained(undefined, WIDGET, [retained('1.0.0', 'Published', snapshot('1.0.0'), SCOPED)], true, true), undefined);
  const pypi = { ...retained('1.0.0', 'Published', snapshot('1.0.0')), format: 'pypi' as const };
  t.equal(mergeRetained(undefined, WIDGET, [pypi], true, true), undefined, 'other formats are ignored');
  const empty = mergeRetained(fullWidget(), WIDGET, ['1.0.0', '1.1.0', '1.2.0', '2.0.0-beta.1', '2.0.0-rc.1'].map((v) => retained(v, 'Archived', null)), false, false);
  t.same(empty?.versions, {}, 'an upstream document is always returned, even with nothing listed');
  t.same(empty?.['dist-tags'], {}, 'no tag points at nothing');
});

t.test('mergeRetained never mutates its inputs', async (t) => {
  const upstream = withoutVersion(fullWidget(), '1.1.0');
  const records = [retained('1.1.0', 'Published', snapshot('1.1.0')), retained('1.2.0', 'Archived', snapshot('1.2.0'))];
  const before = JSON.stringify([upstream, records]);
  const merged = mergeRetained(upstream, WIDGET, records, false, false);
  t.equal(JSON.stringify([upstream, records]), before);
  if (merged?.time === undefined) throw new Error('expected a full document with time');
  (merged.versions['1.1.0']?.dist as Record<string, unknown>).tarball = 'changed';
  merged.time.extra = 'x';
  t.equal(JSON.stringify([upstream, records]), before, 'the result shares nothing mutable with the inputs');
});

t.test('an Unlisted version: absent for browsers, deprecated for resolvers, never tagged', async (t) => {
  const records = [retained('1.2.0', 'Unlisted', snapshot('1.2.0'))];
  const full = mergeRetained(fullWidget(), WIDGET, records, false, false);
  t.notOk('1.2.0' in (full?.versions ?? {}), 'npm view (full document, browsing) does not list it');
  t.equal(full?.['dist-tags'].latest, '1.1.0', 'latest moves off it');
  const fullForInstall = mergeRetained(fullWidget(), WIDGET, records, false, true);
  t.equal(fullForInstall?.versions['1.2.0']?.deprecated, UNLISTED_NOTICE, 'npm install (full document, resolving) sees it deprecated');
  t.equal(fullForInstall?.['dist-tags'].latest, '1.1.0');
  t.equal(fullForInstall?.time?.['1.2.0'], fullWidget().time?.['1.2.0'], 'its time stays');

  const install = mergeRetained(shortWidget(), WIDGET, records, true, true);
  t.equal(install?.versions['1.2.0']?.deprecated, UNLISTED_NOTICE, 'listed for exact installs, deprecated so ranges pass it over');
  t.equal(install?.['dist-tags'].latest, '1.1.0', 'latest moves off it in the install document too');
  t.equal(install?.versions['1.0.0']?.deprecated, undefined, 'other versions untouched');
  t.equal(shortWidget().versions['1.2.0']?.deprecated, undefined, 'fixture version was not deprecated');
});

t.test("an Unlisted version keeps upstream's own deprecation notice", async (t) => {
  const upstream = shortWidget();
  const withNotice: Packument = { ...upstream, versions: { ...upstream.versions, '1.1.0': { ...upstream.versions['1.1.0'], deprecated: 'use 1.2' } } };
  const install = mergeRetained(withNotice, WIDGET, [retained('1.1.0', 'Unlisted', snapshot('1.1.0'))], true, true);
  t.equal(install?.versions['1.1.0']?.deprecated, 'use 1.2');
});

t.test('Unlisted beside Archived in another repository: Archived wins; beside Published: Unlisted wins', async (t) => {
  const archived = mergeRetained(shortWidget(), WIDGET, [retained('1.0.0', 'Unlisted', snapshot('1.0.0')), retained('1.0.0', 'Archived', null)], true, true);
  t.notOk('1.0.0' in (archived?.versions ?? {}));
  const published = mergeRetained(shortWidget(), WIDGET, [retained('1.0.0', 'Published', snapshot('1.0.0')), retained('1.0.0', 'Unlisted', snapshot('1.0.0'))], true, true);
  t.equal(published?.versions['1.0.0']?.deprecated, UNLISTED_NOTICE);
});

t.test('with no upstream document, Unlisted snapshots still make an install document but no full one', async (t) => {
  const records = [retained('1.0.0', 'Published', snapshot('1.0.0')), retained('1.2.0', 'Unlisted', snapshot('1.2.0'))];
  const install = mergeRetained(undefined, WIDGET, records, true, true);
  t.same(Object.keys(install?.versions ?? {}).sort(), ['1.0.0', '1.2.0']);
  t.same(install?.['dist-tags'], { latest: '1.0.0' }, 'latest is never the Unlisted one');
  t.equal(install?.versions['1.2.0']?.deprecated, UNLISTED_NOTICE);
  const onlyUnlisted = mergeRetained(undefined, WIDGET, [retained('1.2.0', 'Unlisted', snapshot('1.2.0'))], true, true);
  t.same(Object.keys(onlyUnlisted?.versions ?? {}), ['1.2.0'], 'an exact install still works offline');
  t.same(onlyUnlisted?.['dist-tags'], {});
  t.same(Object.keys(mergeRetained(undefined, WIDGET, records, false, false)?.versions ?? {}), ['1.0.0']);
});
