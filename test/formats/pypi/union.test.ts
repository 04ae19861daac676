import { createHash } from 'node:crypto';
import t from 'tap';
import { integrityFromHex } from '../../../src/domain/integrity.js';
import type { AssetRef, RetainedVersion, VersionStatus } from '../../../src/domain/types.js';
import { UNLISTED_YANK_REASON, parseProjectPage, unionPages, type ProjectPage, type PypiFile } from '../../../src/formats/pypi/index.js';
import { SAMPLE_PAGE_URL, SAMPLE_PROJECT, readPypiFixture } from '../../fixtures/pypi/fixtures.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const upstream = (): ProjectPage => parseProjectPage(readPypiFixture('json'), 'application/vnd.pypi.simple.v1+json', SAMPLE_PAGE_URL, SAMPLE_PROJECT);

function fileOf(page: ProjectPage, filename: string): PypiFile {
  const file = page.files.find((candidate) => candidate.filename === filename);
  if (file === undefined) throw new Error(`no ${filename}`);
  return file;
}

/** An asset as the engine retains it: the verified digest and size, the listing snapshotted. */
function asset(listing: PypiFile, overrides: Partial<AssetRef> = {}): AssetRef {
  return { name: listing.filename, integrity: integrityFromHex('sha256', listing.hashes.sha256 ?? ''), size: listing.size ?? 1, contentType: 'application/octet-stream', listing, ...overrides };
}

function metadataAsset(listing: PypiFile): AssetRef {
  const hex = typeof listing.coreMetadata === 'object' ? (listing.coreMetadata.sha256 ?? '') : '';
  return { name: `${listing.filename}.metadata`, integrity: integrityFromHex('sha256', hex), size: 321, listing };
}

function retained(version: string, status: VersionStatus, assets: AssetRef[], pkg = SAMPLE_PROJECT): RetainedVersion {
  return { format: 'pypi', package: pkg, version, status, revision: 'r1', assets, manifest: {}, origin: { repository: 'default', connection: 'public:pypi' }, retainedAt: '2024-05-01T00:00:00.000Z' };
}

const WHEEL_31 = 'sample_requests-2.31.0-py3-none-any.whl';
const SDIST_31 = 'sample_requests-2.31.0.tar.gz';

t.test('nothing to show: undefined', async (t) => {
  t.equal(unionPages([], SAMPLE_PROJECT, []), undefined);
  const onlyMetadata = retained('2.31.0', 'Published', [metadataAsset(fileOf(upstream(), WHEEL_31))]);
  t.equal(unionPages([], SAMPLE_PROJECT, [onlyMetadata]), undefined, 'a .metadata asset is not a file');
  const empty = unionPages([{ name: SAMPLE_PROJECT, files: [] }], SAMPLE_PROJECT, []);
  t.same(empty, { name: SAMPLE_PROJECT, files: [], versions: [] }, 'an upstream page with no files is still a page');
});

t.test('upstream only: the page as it came, versions sorted', async (t) => {
  const page = upstream();
  const union = unionPages([page], SAMPLE_PROJECT, []);
  t.same(union?.files, page.files);
  t.same(union?.versions, page.versions);
});

t.test('a retained file stays listed when upstream drops it', async (t) => {
  const page = upstream();
  const wheel = fileOf(page, WHEEL_31);
  const record = retained('2.31.0', 'Published', [asset(wheel), metadataAsset(wheel)]);
  const dropped: ProjectPage = { ...page, files: page.files.filter((file) => !file.filename.includes('2.31.0')), versions: page.versions?.filter((v) => v !== '2.31.0') };
  const union = unionPages([dropped], SAMPLE_PROJECT, [record]);
  t.same(fileOf(union as ProjectPage, WHEEL_31), wheel, 'listed from its snapshot, core metadata kept (its metadata file is retained)');
  t.notOk(union?.files.some((file) => file.filename === SDIST_31), 'the sdist was never retained: gone with upstream');
  t.ok(union?.versions?.includes('2.31.0'), 'its version listed again');
  t.notOk(union?.files.some((file) => file.filename.endsWith('.metadata')), 'no .metadata entry');

  const withoutMetadata = unionPages([dropped], SAMPLE_PROJECT, [retained('2.31.0', 'Published', [asset(wheel)])]);
  t.equal(fileOf(withoutMetadata as ProjectPage, WHEEL_31).coreMetadata, undefined, 'metadata not retained: not advertised (larder could not serve it)');

  const offline = unionPages([], SAMPLE_PROJECT, [record]);
  t.same(offline, { name: SAMPLE_PROJECT, files: [wheel], versions: ['2.31.0'] }, 'no upstream page at all: the retained files');
});

t.test('a retained file upstream still lists: upstream state, retained bytes', async (t) => {
  const page = upstream();
  const wheel = fileOf(page, WHEEL_31);
  const snapshot: PypiFile = { ...wheel, yanked: undefined };
  const yankedUpstream: ProjectPage = { ...page, files: page.files.map((file) => (file.filename === WHEEL_31 ? { ...file, yanked: 'found a bug' } : file)) };
  const union = unionPages([yankedUpstream], SAMPLE_PROJECT, [retained('2.31.0', 'Published', [asset(snapshot, { size: 9999 })])]);
  const listed = fileOf(union as ProjectPage, WHEEL_31);
  t.equal(listed.yanked, 'found a bug', "upstream's current yank");
  t.equal(listed.size, 9999, 'the size of the bytes larder holds');
  t.same(listed.coreMetadata, wheel.coreMetadata, 'same bytes: upstream metadata still describes them');
  t.equal(union?.files.length, page.files.length, 'listed once');

  const replaced: ProjectPage = { ...page, files: page.files.map((file) => (file.filename === WHEEL_31 ? { ...file, hashes: { sha256: sha('new bytes') } } : file)) };
  const held = unionPages([replaced], SAMPLE_PROJECT, [retained('2.31.0', 'Published', [asset(wheel)])]);
  const heldFile = fileOf(held as ProjectPage, WHEEL_31);
  t.same(heldFile.hashes, wheel.hashes, 'upstream replaced the file: the client checks the bytes larder serves');
  t.equal(heldFile.coreMetadata, undefined, "upstream's metadata describes other bytes: not advertised");
});

t.test('the retained digest wins over a listing that disagrees', async (t) => {
  const wheel = fileOf(upstream(), WHEEL_31);
  const other = sha('other bytes');
  const union = unionPages([], SAMPLE_PROJECT, [retained('2.31.0', 'Published', [asset(wheel, { integrity: integrityFromHex('sha256', other) })])]);
  t.same(union?.files[0]?.hashes, { sha256: other });
});

t.test('hidden statuses hide a version, upstream files included', async (t) => {
  for (const status of ['Archived', 'Disposed'] as const) {
    const page = upstream();
    const wheel = fileOf(page, WHEEL_31);
    const union = unionPages([page], SAMPLE_PROJECT, [retained('2.31.0', status, [asset(wheel)])]);
    t.notOk(union?.files.some((file) => file.filename.includes('-2.31.0')), `${status}: no 2.31.0 file`);
    t.notOk(union?.versions?.includes('2.31.0'), `${status}: not in versions`);
    t.equal(union?.files.length, page.files.length - 2, `${status}: the other files stay`);
  }
  const wheel = fileOf(upstream(), WHEEL_31);
  const mixed = unionPages([upstream()], SAMPLE_PROJECT, [retained('2.31.0', 'Published', [asset(wheel)]), retained('2.31.0', 'Archived', [])]);
  t.notOk(mixed?.files.some((file) => file.filename === WHEEL_31), 'archived in any searched repository hides it');
});

t.test('an Unlisted version: its files stay listed, yanked', async (t) => {
  const page = upstream();
  const wheel = fileOf(page, WHEEL_31);
  const union = unionPages([page], SAMPLE_PROJECT, [retained('2.31.0', 'Unlisted', [asset(wheel)])]);
  const files31 = union?.files.filter((file) => file.filename.includes('-2.31.0')) ?? [];
  t.same(files31.map((file) => file.filename).sort(), [SDIST_31, WHEEL_31].sort(), 'both files of 2.31.0 stay, for == pins');
  t.same(files31.map((file) => file.yanked), [UNLISTED_YANK_REASON, UNLISTED_YANK_REASON], 'yanked, so that pip passes them over unless pinned');
  t.ok(union?.versions?.includes('2.31.0'), 'still in versions, which PEP 700 makes list every version a file has');
  t.notOk(union?.files.some((file) => !file.filename.includes('-2.31.0') && file.yanked === UNLISTED_YANK_REASON), 'other versions untouched');

  const offline = unionPages([], SAMPLE_PROJECT, [retained('2.31.0', 'Unlisted', [asset(wheel)])]);
  t.same(offline?.files.map((file) => [file.filename, file.yanked]), [[WHEEL_31, UNLISTED_YANK_REASON]], 'a retained file alone is listed yanked too');

  const ownReason = { ...page, files: page.files.map((file) => (file.filename === WHEEL_31 ? { ...file, yanked: 'broken build' } : file)) };
  const kept = unionPages([ownReason], SAMPLE_PROJECT, [retained('2.31.0', 'Unlisted', [])]);
  t.equal(kept?.files.find((file) => file.filename === WHEEL_31)?.yanked, 'broken build', "upstream's own yank reason is kept");

  const withdrawn = unionPages([page], SAMPLE_PROJECT, [retained('2.31.0', 'Unlisted', []), retained('2.31.0', 'Archived', [])]);
  t.notOk(withdrawn?.files.some((file) => file.filename.includes('-2.31.0')), 'Archived elsewhere beats Unlisted');
});

t.test('earlier pages win per file; later pages add what they lack', async (t) => {
  const first: ProjectPage = { name: SAMPLE_PROJECT, files: [{ filename: SDIST_31, url: 'http://a.invalid/x', hashes: { sha256: 'a'.repeat(64) } }], versions: ['2.31.0'] };
  const second: ProjectPage = {
    name: SAMPLE_PROJECT,
    files: [
      { filename: SDIST_31, url: 'http://b.invalid/x', hashes: { sha256: 'b'.repeat(64) } },
      { filename: 'sample_requests-3.0.tar.gz', url: 'http://b.invalid/y', hashes: {} },
    ],
    versions: ['3.0', '2.99'],
  };
  const union = unionPages([first, second], SAMPLE_PROJECT, []);
  t.same(union?.files.map((file) => file.url), ['http://a.invalid/x', 'http://b.invalid/y']);
  t.same(union?.versions, ['2.31.0', '2.99', '3.0']);
});

t.test('retained records that do not fit are ignored', async (t) => {
  const wheel = fileOf(upstream(), WHEEL_31);
  const records = [
    { ...retained('2.31.0', 'Published', [asset(wheel)]), format: 'npm' as const },
    retained('2.31.0', 'Published', [asset(wheel)], 'other-project'),
    retained('9.9.9', 'Published', [asset(wheel)]), // listing of another version
    retained('2.31.0', 'Published', [asset(wheel, { listing: { filename: WHEEL_31 } })]), // no url
    retained('2.31.0', 'Published', [asset(wheel, { listing: undefined })]),
    retained('2.31.0', 'Published', [asset(wheel, { name: 'renamed.whl' })]),
  ];
  t.equal(unionPages([], SAMPLE_PROJECT, records), undefined);
  const normalisedName = unionPages([], 'Sample_Requests', [retained('2.31.0', 'Published', [asset(wheel)], 'sample.requests')]);
  t.same(normalisedName?.files.map((file) => file.filename), [WHEEL_31], 'names compare normalised');
});
