import t from 'tap';
import { PUBLIC_CONNECTION_URLS } from '../../src/config/public-connections.js';
import { problemsOf, repositoriesYaml, validYaml } from './helpers.js';

t.test('a repositories section replaces the default set and keeps its order', async (t) => {
  const config = validYaml('repositories:\n  zeta: {}\n  alpha: { upstreams: [zeta] }\n  mid.dle_1-x: {}\n');
  t.same([...config.repositories.keys()], ['zeta', 'alpha', 'mid.dle_1-x']);
  t.same(config.repositories.get('alpha'), {
    name: 'alpha',
    description: '',
    upstreams: ['zeta'],
    metadataTtlMs: { npm: 600_000, pypi: 1_800_000, maven: 10_800_000 },
    refresh: 'background',
    ingestionDeadlineMs: 40_000,
    notFoundTtlMs: 600_000,
    prefetch: true,
    publish: false,
    packageRules: [],
  });
  t.same(problemsOf('repositories: {}'), [{ path: 'repositories', message: 'define at least one repository' }]);
});

t.test('prefetch: on by default, off per repository or in defaults, a boolean', async (t) => {
  const config = validYaml('defaults: { prefetch: false }\nrepositories:\n  on: { prefetch: true }\n  inherits: {}\n');
  t.equal(config.repositories.get('on')?.prefetch, true);
  t.equal(config.repositories.get('inherits')?.prefetch, false);
  t.same(
    problemsOf('repositories:\n  r1: { prefetch: sometimes }\n').map((p) => p.path),
    ['repositories.r1.prefetch'],
  );
});

t.test('repository names', async (t) => {
  const problems = problemsOf(`repositories:
  ok-name: {}
  x: {}
  -dash: {}
  "has space": {}
  "${'a'.repeat(101)}": {}
  "${'b'.repeat(100)}": {}
`);
  t.same(
    problems.map((p) => p.path),
    ['repositories.x', 'repositories["-dash"]', 'repositories["has space"]', `repositories.${'a'.repeat(101)}`],
  );
  t.match(problems[0]?.message, /2 to 100 characters: letters, digits, "\.", "_" and "-", starting with a letter or digit/);
});

t.test('per-repository settings override defaults; a partial metadataTtl keeps the rest', async (t) => {
  const config = validYaml(`
defaults: { metadataTtl: { pypi: 1h }, refresh: blocking, ingestionDeadline: 30s }
repositories:
  npm-store:
    external: public:npmjs
    metadataTtl: { npm: 5m }
    refresh: background
    ingestionDeadline: 20s
  other: {}
`);
  t.same(config.repositories.get('npm-store')?.metadataTtlMs, { npm: 300_000, pypi: 3_600_000, maven: 10_800_000 });
  t.equal(config.repositories.get('npm-store')?.refresh, 'background');
  t.equal(config.repositories.get('npm-store')?.ingestionDeadlineMs, 20_000);
  t.same(config.repositories.get('other')?.metadataTtlMs, { npm: 600_000, pypi: 3_600_000, maven: 10_800_000 });
  t.equal(config.repositories.get('other')?.refresh, 'blocking');
  t.equal(config.repositories.get('other')?.ingestionDeadlineMs, 30_000);

  const problems = problemsOf('repositories:\n  r1: { refresh: never, ingestionDeadline: soon, metadataTtl: { npm: -5 }, extra: 1 }\n');
  t.same(problems.map((p) => p.path).sort(), [
    'repositories.r1.extra',
    'repositories.r1.ingestionDeadline',
    'repositories.r1.metadataTtl.npm',
    'repositories.r1.refresh',
  ]);
});

t.test('external: a public name or {format, url}', async (t) => {
  const config = validYaml(`repositories:
  corp: { external: { format: npm, url: "https://npm.corp.example/registry" } }
  team: { external: { format: maven, url: "http://10.0.0.5:7878/maven/default/" } }
  pypi: { external: public:pypi }
`);
  t.same(config.repositories.get('corp')?.external, { name: 'custom', format: 'npm', url: 'https://npm.corp.example/registry/', assetOrigins: [] }, 'gains a trailing slash');
  t.same(config.repositories.get('team')?.external, { name: 'custom', format: 'maven', url: 'http://10.0.0.5:7878/maven/default/', assetOrigins: [] });
  t.equal(config.repositories.get('pypi')?.external?.url, PUBLIC_CONNECTION_URLS['public:pypi']);
});

t.test('external: at most one, and a list says so', async (t) => {
  const problems = problemsOf('repositories:\n  r1: { external: [public:pypi, public:npmjs] }\n');
  t.equal(problems.length, 1);
  t.equal(problems[0]?.path, 'repositories.r1.external');
  t.match(problems[0]?.message, /at most one external connection.*not a list.*list those as upstreams/);
});

t.test('external: bad values, each at its path', async (t) => {
  const problems = problemsOf(`repositories:
  r1: { external: public:pipy }
  r2: { external: "https://registry.corp.example/" }
  r3: { external: { format: rubygems, url: "ftp://x.example/" } }
  r4: { external: { url: "https://x.example/" } }
  r5: { external: { format: npm } }
  r6: { external: { format: npm, url: "/relative/path" } }
  r7: { external: { format: npm, url: "https://x.example/?token=1" } }
  r8: { external: { format: npm, url: "https://x.example/", auth: secret } }
  r9: { external: 42 }
`);
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  t.match(byPath.get('repositories.r1.external'), /unknown public connection "public:pipy" \(did you mean "public:pypi"\?\)/);
  t.match(byPath.get('repositories.r2.external'), /a URL needs its format: external: \{ format: npm, url: \.\.\. \}/);
  t.match(byPath.get('repositories.r3.external.format'), /one of npm, pypi, maven/);
  t.match(byPath.get('repositories.r3.external.url'), /http or https URL, got ftp:/);
  t.match(byPath.get('repositories.r4.external.format'), /required/);
  t.match(byPath.get('repositories.r5.external.url'), /required/);
  t.match(byPath.get('repositories.r6.external.url'), /not an absolute URL/);
  t.match(byPath.get('repositories.r7.external.url'), /no query string or fragment/);
  t.match(byPath.get('repositories.r8.external.auth'), /unknown key/);
  t.match(byPath.get('repositories.r9.external'), /expected a mapping with keys format, url/);
  t.equal(problems.length, 10);
});

t.test('external: a custom url pointing at this larder is refused', async (t) => {
  const problems = problemsOf(`listen: { port: 7878 }
repositories:
  loop: { external: { format: npm, url: "http://localhost:7878/npm/default/" } }
  ok: { external: { format: npm, url: "http://localhost:7879/npm/default/" } }
`);
  t.same(problems.map((p) => p.path), ['repositories.loop.external.url']);
  t.match(problems[0]?.message, /points at this larder itself/);
});

t.test('upstreams: list shape, self reference, duplicates, unknown names', async (t) => {
  const problems = problemsOf(`repositories:
  alpha: { upstreams: [beta, alpha, beta, 5, gamma, bta] }
  beta: {}
  single: { upstreams: beta }
`);
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  t.match(byPath.get('repositories.alpha.upstreams[1]'), /"alpha" cannot be its own upstream/);
  t.match(byPath.get('repositories.alpha.upstreams[2]'), /"beta" is listed twice/);
  t.match(byPath.get('repositories.alpha.upstreams[3]'), /expected a repository name, got number 5/);
  t.match(byPath.get('repositories.alpha.upstreams[4]'), /unknown repository "gamma"$/);
  t.match(byPath.get('repositories.alpha.upstreams[5]'), /unknown repository "bta" \(did you mean "beta"\?\)/);
  t.match(byPath.get('repositories.single.upstreams'), /expected a list.*upstreams: \[beta\]/);
  t.equal(problems.length, 6, 'the self reference is not reported again as a cycle');
});

t.test('upstreams: at most 10 direct', async (t) => {
  const leaves = Array.from({ length: 11 }, (_, i) => `leaf${i}`);
  const graph: Record<string, string[]> = { top: leaves };
  for (const leaf of leaves) graph[leaf] = [];
  const problems = problemsOf(repositoriesYaml(graph));
  t.same(problems.map((p) => p.path), ['repositories.top.upstreams']);
  t.match(problems[0]?.message, /at most 10 direct upstreams, got 11/);
  graph.top = leaves.slice(0, 10);
  t.equal(validYaml(repositoriesYaml(graph)).repositories.get('top')?.upstreams.length, 10);
});

t.test('upstreams: cycles are errors and show their path', async (t) => {
  const two = problemsOf(repositoriesYaml({ ra: ['rb'], rb: ['ra'] }));
  t.same(two, [{ path: 'repositories.rb.upstreams[0]', message: 'upstreams form a cycle: ra → rb → ra' }]);

  const three = problemsOf(repositoriesYaml({ rx: ['ry'], ry: ['rw', 'rz'], rz: ['rx'], rw: [] }));
  t.same(three, [{ path: 'repositories.rz.upstreams[0]', message: 'upstreams form a cycle: rx → ry → rz → rx' }]);

  // Entered from the middle, the cycle is still written from its first-configured member.
  const entered = problemsOf(repositoriesYaml({ top: ['rq'], rp: ['rr'], rq: ['rp'], rr: ['rq'] }));
  t.same(entered, [{ path: 'repositories.rq.upstreams[0]', message: 'upstreams form a cycle: rp → rr → rq → rp' }]);

  const separate = problemsOf(repositoriesYaml({ ra: ['rb'], rb: ['ra'], rc: ['rd'], rd: ['rc'] }));
  t.same(separate.map((p) => p.message), ['upstreams form a cycle: ra → rb → ra', 'upstreams form a cycle: rc → rd → rc']);

  // The path names the closing edge's own index in its list.
  const indexed = problemsOf(repositoriesYaml({ ra: ['rb'], rb: ['rc', 'ra'], rc: [] }));
  t.same(indexed, [{ path: 'repositories.rb.upstreams[1]', message: 'upstreams form a cycle: ra → rb → ra' }]);
});

t.test('a diamond is no cycle', async (t) => {
  const config = validYaml(repositoriesYaml({ top: ['left', 'right'], left: ['base'], right: ['base'], base: [] }));
  t.equal(config.repositories.size, 4);
});

t.test('a search visits at most 25 repositories', async (t) => {
  // A chain r0 → r1 → … : a search from r0 visits every repository of the chain.
  const chain = (length: number): Record<string, string[]> =>
    Object.fromEntries(Array.from({ length }, (_, i) => [`r${i}`, i + 1 < length ? [`r${i + 1}`] : []]));
  t.equal(validYaml(repositoriesYaml(chain(25))).repositories.size, 25, '25 is allowed');

  const problems = problemsOf(repositoriesYaml(chain(27)));
  t.same(problems.map((p) => p.path), ['repositories.r0.upstreams', 'repositories.r1.upstreams']);
  t.match(problems[0]?.message, /a search from "r0" visits 27 repositories .* at most 25/);
  t.match(problems[1]?.message, /visits 26 repositories/);

  // Shared upstreams count once: 1 + 10 + 10 shared leaves = 21 distinct.
  const graph: Record<string, string[]> = {};
  const mids = Array.from({ length: 10 }, (_, i) => `mid${i}`);
  const leaves = Array.from({ length: 10 }, (_, i) => `leaf${i}`);
  graph.top = mids;
  for (const mid of mids) graph[mid] = leaves;
  for (const leaf of leaves) graph[leaf] = [];
  t.equal(validYaml(repositoriesYaml(graph)).repositories.size, 21);
});

t.test('asset origins: PyPI files host by default, listed origins for custom connections', async (t) => {
  const config = validYaml(`repositories:
  pypi-store: { external: public:pypi }
  corp: { external: { format: pypi, url: "https://pypi.corp.test/simple/", assetOrigins: ["https://files.corp.test", "http://cdn.corp.test:8080/"] } }
  plain: { external: { format: npm, url: "http://127.0.0.1:4873/" } }
`);
  t.same(config.repositories.get('pypi-store')?.external?.assetOrigins, ['https://files.pythonhosted.org']);
  t.same(config.repositories.get('corp')?.external?.assetOrigins, ['https://files.corp.test', 'http://cdn.corp.test:8080']);
  t.same(config.repositories.get('plain')?.external?.assetOrigins, []);
  const problems = problemsOf(`repositories:
  bad: { external: { format: pypi, url: "https://pypi.corp.test/simple/", assetOrigins: ["https://files.corp.test/path/", "ftp://x"] } }
  worse: { external: { format: pypi, url: "https://pypi.corp.test/simple/", assetOrigins: "https://files.corp.test" } }
`);
  t.same(problems.map((p) => p.path), ['repositories.bad.external.assetOrigins[0]', 'repositories.bad.external.assetOrigins[1]', 'repositories.worse.external.assetOrigins']);
  t.match(problems[0]?.message, /an origin has no path: use https:\/\/files\.corp\.test/);
});
