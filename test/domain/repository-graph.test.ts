// Search order and retention targets (DESIGN.md §1), as pure functions.
import t from 'tap';
import { MAX_SEARCHED_REPOSITORIES, retentionTargets, searchOrder, type RepositoryNode } from '../../src/domain/repository-graph.js';

const graph = (edges: Record<string, string[]>) => (name: string): RepositoryNode | undefined =>
  edges[name] === undefined ? undefined : { name, upstreams: edges[name] ?? [] };

t.test('depth-first, in configured order, each repository once', async (t) => {
  const lookup = graph({ r: ['a', 'b'], a: ['shared', 'a2'], b: ['shared', 'b2'], shared: ['gw'], a2: [], b2: [], gw: [] });
  t.same(searchOrder('r', lookup), ['r', 'a', 'shared', 'gw', 'a2', 'b', 'b2']);
});

t.test('at most 25 repositories, and safe on cycles and unknown names', async (t) => {
  const chain: Record<string, string[]> = {};
  for (let i = 0; i < 40; i += 1) chain[`r${i}`] = [`r${i + 1}`];
  t.equal(searchOrder('r0', graph(chain)).length, MAX_SEARCHED_REPOSITORIES);
  t.same(searchOrder('x', graph({ x: ['y', 'missing'], y: ['x'] })), ['x', 'y']);
  t.same(searchOrder('missing', graph({})), []);
});

t.test('retention: the requesting repository and the gateway, never the ones between', async (t) => {
  t.same(retentionTargets('team', { repository: 'npm-store', viaExternal: true }), ['team', 'npm-store']);
  t.same(retentionTargets('team', { repository: 'shared', viaExternal: false }), ['team']);
  t.same(retentionTargets('npm-store', { repository: 'npm-store', viaExternal: true }), ['npm-store']);
});

t.test('a version retained again only gains the assets it lacked', async (t) => {
  const { withNewAssets, assetRevision } = await import('../../src/domain/retention.js');
  const wheel = { name: 'demo-1.0-py3-none-any.whl', integrity: 'sha256-AAAA', size: 10 };
  const sdist = { name: 'demo-1.0.tar.gz', integrity: 'sha256-BBBB', size: 20 };
  const base = { format: 'pypi' as const, package: 'demo', version: '1.0', status: 'Published' as const, manifest: {}, origin: { repository: 'pypi-store' }, retainedAt: '' };
  const existing = { ...base, assets: [wheel], revision: assetRevision([wheel]) };
  t.equal(withNewAssets(existing, { ...existing, assets: [{ ...wheel, integrity: 'sha256-CHANGED' }] }), existing, 'same name: unchanged, bytes never replaced');
  const merged = withNewAssets(existing, { ...existing, assets: [sdist] });
  t.same(merged.assets.map((a) => a.name), [wheel.name, sdist.name]);
  t.not(merged.revision, existing.revision, 'the revision changes with the asset set');
  const disposed = { ...existing, status: 'Disposed' as const };
  t.equal(withNewAssets(disposed, { ...existing, assets: [sdist] }), disposed, 'a disposed version gains nothing');
});
