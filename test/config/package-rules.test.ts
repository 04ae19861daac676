// A repository's `publish` switch and its `packages:` origin rules (issue 9 §2), read by the real
// validator (and once by the real loader from a file): what is read, every mistake reported at its
// path in one pass, and `larder config show` writing them back so they load the same.
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { configToYaml } from '../../src/config/serialize.js';
import { ENV, problemsOf, validYaml } from './helpers.js';

const TEAM = `repositories:
  npm-store: { external: { format: npm, url: "http://127.0.0.1:9/" } }
  team:
    publish: true
    upstreams: [npm-store]
    packages:
      - match: "@acme/*"
        upstream: block
      - match: "  left-pad  "
        format: npm
        publish: block
      - { match: requests, format: pypi, publish: allow, upstream: allow }
  dev: { upstreams: [team] }
`;

t.test('publish: true and packages: are read', async (t) => {
  const config = validYaml(TEAM);
  const team = config.repositories.get('team');
  t.equal(team?.publish, true);
  t.same(team?.packageRules, [
    { match: '@acme/*', upstream: 'block' },
    { match: 'left-pad', format: 'npm', publish: 'block' },
    { match: 'requests', format: 'pypi', publish: 'allow', upstream: 'allow' },
  ], 'each rule in order; the match trimmed; absent fields left out');
  t.equal(config.repositories.get('dev')?.publish, false, 'publish is off unless asked for');
  t.same(config.repositories.get('dev')?.packageRules, [], 'no packages: no rules');
  t.ok(Object.isFrozen(team?.packageRules), 'the rules are frozen with the rest of the config');
  t.ok(Object.isFrozen(team?.packageRules[0]), 'and each rule');
  t.same(validYaml('repositories:\n  r1: { packages: ~, publish: ~ }\n').repositories.get('r1')?.packageRules, [], 'an empty packages: key means no rules');
});

t.test('the real loader reads them from a file', async (t) => {
  const dir = t.testdir({ 'larder.yaml': TEAM });
  const config = await loadConfig({ file: join(dir, 'larder.yaml'), env: ENV });
  t.equal(config.repositories.get('team')?.publish, true);
  t.equal(config.repositories.get('team')?.packageRules.length, 3);
});

t.test('each mistake is reported with its path, all in one pass', async (t) => {
  const problems = problemsOf(`repositories:
  r1: { publish: "yes" }
  r2: { packages: { match: "@acme/*", upstream: block } }
  r3:
    packages:
      - upstream: block
      - { match: x, upstream: block, extra: 1 }
      - { match: x, upstream: sometimes }
      - { match: x, format: rubygems, upstream: block }
      - { match: x }
      - { match: x, format: npm }
      - just-a-name
      - { match: "", upstream: block }
      - { match: 42, upstream: block }
      - { match: x, publish: true }
`);
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  const expected = [
    'repositories.r1.publish',
    'repositories.r2.packages',
    'repositories.r3.packages[0].match',
    'repositories.r3.packages[1].extra',
    'repositories.r3.packages[2].upstream',
    'repositories.r3.packages[3].format',
    'repositories.r3.packages[4]',
    'repositories.r3.packages[5]',
    'repositories.r3.packages[6]',
    'repositories.r3.packages[7].match',
    'repositories.r3.packages[8].match',
    'repositories.r3.packages[9].publish',
  ];
  const paths = problems.map((p) => p.path);
  for (const path of expected) t.ok(paths.includes(path), `a problem at ${path}`);
  t.same(paths, expected, 'each mistake reported once: a misspelt control is not also "a rule with neither control"');
  t.match(byPath.get('repositories.r1.publish'), /expected true or false/, 'publish is a boolean');
  t.match(byPath.get('repositories.r2.packages'), /expected a list of rules such as \[\{ match: "@acme\/\*", upstream: block \}\], got/, 'not a list: says what a list looks like');
  t.match(byPath.get('repositories.r3.packages[0].match'), /required: a package name or a pattern with \* and \?/, 'missing match');
  t.match(byPath.get('repositories.r3.packages[1].extra'), /unknown key.*"match", "format", "publish", "upstream"/, 'unknown key, with the known ones');
  t.match(byPath.get('repositories.r3.packages[2].upstream'), /expected one of allow, block/, 'a control is allow or block');
  t.match(byPath.get('repositories.r3.packages[3].format'), /expected one of npm, pypi, maven/, 'a format larder serves');
  t.match(byPath.get('repositories.r3.packages[4]'), /publish: allow\|block, upstream: allow\|block, or both/, 'a rule with neither control');
  t.match(byPath.get('repositories.r3.packages[6]'), /expected a mapping with keys match, format, publish, upstream/, 'a rule that is not a mapping');
});

t.test('a match of more than 214 characters is refused; 214 is fine', async (t) => {
  t.same(problemsOf(`repositories:\n  r1: { packages: [{ match: "${'a'.repeat(215)}", upstream: block }] }\n`).map((p) => p.path), ['repositories.r1.packages[0].match']);
  t.equal(validYaml(`repositories:\n  r1: { packages: [{ match: "${'a'.repeat(214)}", upstream: block }] }\n`).repositories.get('r1')?.packageRules.length, 1);
});

t.test('at most 1000 rules', async (t) => {
  const rules = (count: number): string => Array.from({ length: count }, (_, i) => `      - { match: p${i}, upstream: block }`).join('\n');
  t.equal(validYaml(`repositories:\n  r1:\n    packages:\n${rules(1000)}\n`).repositories.get('r1')?.packageRules.length, 1000);
  const problems = problemsOf(`repositories:\n  r1:\n    packages:\n${rules(1001)}\n`);
  t.same(problems.map((p) => p.path), ['repositories.r1.packages']);
  t.match(problems[0]?.message, /at most 1000 package rules, got 1001/);
});

t.test('config show writes publish and packages back; what it writes loads the same', async (t) => {
  const original = validYaml(TEAM);
  const shown = configToYaml(original);
  t.same(validYaml(shown), original, 'round trip');
  const document = parse(shown) as { repositories: Record<string, { publish?: boolean; packages?: unknown[] }> };
  t.equal(document.repositories.team?.publish, true);
  t.same(document.repositories.team?.packages, [
    { match: '@acme/*', upstream: 'block' },
    { match: 'left-pad', format: 'npm', publish: 'block' },
    { match: 'requests', format: 'pypi', publish: 'allow', upstream: 'allow' },
  ]);
  t.notOk('publish' in (document.repositories.dev ?? {}), 'publish: false is the default and left out');
  t.notOk('packages' in (document.repositories.dev ?? {}), 'no rules: no packages key');
});
