/**
 * `/-/v1/search?text=…&size=…` for the fake npm registry: the shape `npm search` reads
 * (objects[].package, score, searchScore, total, time), matching names by substring.
 */
import type { FakeNpmPackages } from './fake-npm-packages.js';

export function searchResults(packages: FakeNpmPackages, params: URLSearchParams): Record<string, unknown> {
  const text = (params.get('text') ?? '').toLowerCase();
  const size = Number(params.get('size') ?? '20');
  const names = packages.names().filter((name) => name.toLowerCase().includes(text));
  const objects = names.slice(0, Number.isFinite(size) ? size : 20).map((name) => ({
    package: {
      name,
      scope: name.startsWith('@') ? name.slice(1, name.indexOf('/')) : 'unscoped',
      version: packages.latest(name),
      description: `${name} for tests`,
      keywords: [],
      date: packages.lastModified(name)?.toISOString(),
      links: {},
      publisher: { username: 'fake', email: 'fake@example.invalid' },
      maintainers: [{ username: 'fake', email: 'fake@example.invalid' }],
    },
    flags: {},
    score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
    searchScore: 1,
  }));
  return { objects, total: names.length, time: new Date().toUTCString() };
}
