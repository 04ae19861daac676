// Which versions of one dependency npm ingestion prefetch fetches (formats/npm/prefetch.ts).
import t from 'tap';
import type { Packument } from '../../../src/formats/npm/packument.js';
import { platformAccepts, prefetchPicks } from '../../../src/formats/npm/prefetch.js';

function doc(versions: Record<string, Record<string, unknown>>, tags: Record<string, string>): Packument {
  return { name: 'x', 'dist-tags': tags, versions: Object.fromEntries(Object.entries(versions).map(([v, m]) => [v, { name: 'x', version: v, ...m }])) };
}

t.test('the range newest and latest, the tree version marked', async (t) => {
  const d = doc({ '1.0.0': {}, '1.4.0': {}, '2.0.0': {} }, { latest: '2.0.0' });
  t.same(prefetchPicks(d, '^1.0.0'), [{ version: '1.4.0', inTree: true }, { version: '2.0.0', inTree: false }]);
  t.same(prefetchPicks(d, '^2.0.0'), [{ version: '2.0.0', inTree: true }], 'latest is the newest: one version');
  t.same(prefetchPicks(d, '^3.0.0'), [{ version: '2.0.0', inTree: false }], 'nothing satisfies: latest alone, outside the tree');
});

t.test('latest satisfies but is not the newest: npm installs latest', async (t) => {
  const d = doc({ '1.0.0': {}, '1.1.0': {}, '1.2.0': {} }, { latest: '1.1.0' });
  t.same(prefetchPicks(d, '^1.0.0'), [{ version: '1.2.0', inTree: false }, { version: '1.1.0', inTree: true }]);
});

t.test('a deprecated newest: npm takes the newest current one, which is also fetched', async (t) => {
  const d = doc({ '1.0.0': {}, '1.1.0': {}, '1.2.0': { deprecated: 'broken' }, '2.0.0': {} }, { latest: '2.0.0' });
  t.same(prefetchPicks(d, '^1.0.0'), [{ version: '1.2.0', inTree: false }, { version: '2.0.0', inTree: false }, { version: '1.1.0', inTree: true }]);
});

t.test('a dist-tag as the range', async (t) => {
  const d = doc({ '1.0.0': {}, '2.0.0-beta.1': {} }, { latest: '1.0.0', next: '2.0.0-beta.1', gone: '9.9.9' });
  t.same(prefetchPicks(d, 'next'), [{ version: '2.0.0-beta.1', inTree: true }, { version: '1.0.0', inTree: false }]);
  t.same(prefetchPicks(d, 'latest'), [{ version: '1.0.0', inTree: true }]);
  t.same(prefetchPicks(d, 'gone'), [], 'a tag naming an unlisted version: nothing');
});

t.test('os and cpu lists, with negations', async (t) => {
  const d = doc({ '1.0.0': { os: ['linux'], cpu: ['x64', 'arm64'] }, '1.1.0': { os: ['!linux'] }, '1.2.0': {} }, { latest: '1.2.0' });
  const linux = { os: 'linux', cpu: 'x64' };
  t.ok(platformAccepts(d, '1.0.0', linux));
  t.notOk(platformAccepts(d, '1.0.0', { os: 'linux', cpu: 'ia32' }));
  t.notOk(platformAccepts(d, '1.1.0', linux));
  t.ok(platformAccepts(d, '1.1.0', { os: 'darwin', cpu: 'arm64' }));
  t.same(prefetchPicks(d, '~1.1.0', linux), [{ version: '1.2.0', inTree: false }], 'the range version cannot install here: only latest');
});
