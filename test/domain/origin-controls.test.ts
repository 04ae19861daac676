// Package origin controls (issue 9 §2): how a `packages:` rule matches a name, which rule wins,
// and what a repository does for a package no rule names.
import t from 'tap';
import { matchesPackage, originControls, ruleFor, type PackageRule } from '../../src/domain/origin-controls.js';

t.test('patterns: exact names, * and ?, case-insensitive, everything else literal', async (t) => {
  t.ok(matchesPackage('left-pad', 'left-pad'), 'an exact name matches itself');
  t.notOk(matchesPackage('left-pad', 'left-pad2'), 'an exact name is anchored at the end');
  t.notOk(matchesPackage('left-pad', 'xleft-pad'), 'and at the start');

  t.ok(matchesPackage('@acme/*', '@acme/widget'), '@acme/* matches a package of the scope');
  t.ok(matchesPackage('@acme/*', '@acme/'), '* may match nothing');
  t.ok(matchesPackage('@acme/*', '@acme/a/b'), '* runs over any characters');
  t.notOk(matchesPackage('@acme/*', '@acmex/widget'), 'another scope that starts the same does not match');
  t.notOk(matchesPackage('@acme/*', 'acme-widget'), 'an unscoped name does not match');
  t.ok(matchesPackage('*', 'anything'), '* alone matches every name');
  t.ok(matchesPackage('com.acme:*', 'com.acme:lib'), 'a Maven groupId pattern');

  t.ok(matchesPackage('lib?', 'lib1'), '? matches one character');
  t.notOk(matchesPackage('lib?', 'lib'), '? needs a character');
  t.notOk(matchesPackage('lib?', 'lib12'), '? is one character, not more');

  t.ok(matchesPackage('@ACME/Widget', '@acme/widget'), 'names compare case-insensitively');
  t.ok(matchesPackage('Django', 'django'), 'PyPI names too');
  t.ok(matchesPackage('@acme/*', '@ACME/WIDGET'), 'patterns too');

  t.ok(matchesPackage('a.b+c', 'a.b+c'), 'regular-expression metacharacters match themselves');
  t.notOk(matchesPackage('a.b+c', 'axbbc'), '. is not any character and + is not a repeat');
  t.notOk(matchesPackage('a.b+c', 'a.bbc'), '+ is literal');
  for (const name of ['a(b)', 'x[y]', 'p|q', '^s$', 'c{2}', 'back\\slash']) {
    t.ok(matchesPackage(name, name), `${name} matches itself`);
  }
  t.notOk(matchesPackage('p|q', 'p'), '| is not an alternation');
  t.notOk(matchesPackage('c{2}', 'cc'), '{2} is not a repeat');
  t.notOk(matchesPackage('x[y]', 'xy'), '[y] is not a class');
});

t.test('the first rule that matches decides', async (t) => {
  const rules: PackageRule[] = [
    { match: '@acme/legacy', upstream: 'allow' },
    { match: '@acme/*', upstream: 'block' },
    { match: '*', publish: 'block' },
  ];
  t.same(ruleFor(rules, 'npm', '@acme/legacy'), rules[0], 'the exact rule listed first wins over the pattern after it');
  t.same(ruleFor(rules, 'npm', '@acme/widget'), rules[1]);
  t.same(ruleFor(rules, 'npm', 'lodash'), rules[2]);
  t.equal(ruleFor([], 'npm', 'lodash'), undefined, 'no rules: none applies');

  const reversed: PackageRule[] = [rules[1] as PackageRule, rules[0] as PackageRule];
  t.same(ruleFor(reversed, 'npm', '@acme/legacy'), reversed[0], 'the order is the file order, not the most specific');
  t.same(originControls(reversed, 'npm', '@acme/legacy', false), { publish: 'allow', upstream: 'block', upstreamBecause: 'rule' });
  t.same(originControls(rules, 'npm', '@acme/legacy', false), { publish: 'allow', upstream: 'allow', upstreamBecause: 'rule' });

  // A rule that says only `upstream` still decides the package: later rules are not consulted for `publish`.
  const split: PackageRule[] = [
    { match: 'widget', upstream: 'block' },
    { match: '*', publish: 'block' },
  ];
  t.same(originControls(split, 'npm', 'widget', false), { publish: 'allow', upstream: 'block', upstreamBecause: 'rule' }, 'the first match decides both controls');
});

t.test('format-specific rules apply only to their format', async (t) => {
  const rules: PackageRule[] = [
    { match: 'requests', format: 'pypi', upstream: 'block' },
    { match: 'requests', format: 'npm', publish: 'block' },
  ];
  t.same(ruleFor(rules, 'pypi', 'requests'), rules[0]);
  t.same(ruleFor(rules, 'npm', 'requests'), rules[1]);
  t.equal(ruleFor(rules, 'maven', 'requests'), undefined, 'no rule for Maven');
  t.same(originControls(rules, 'pypi', 'requests', false), { publish: 'allow', upstream: 'block', upstreamBecause: 'rule' });
  t.same(originControls(rules, 'npm', 'requests', false), { publish: 'block', upstream: 'allow', upstreamBecause: 'default' });
  t.same(originControls(rules, 'maven', 'requests', false), { publish: 'allow', upstream: 'allow', upstreamBecause: 'default' });
  const anyFormat: PackageRule[] = [{ match: 'requests', upstream: 'block' }];
  for (const format of ['npm', 'pypi', 'maven'] as const) {
    t.equal(originControls(anyFormat, format, 'requests', false).upstream, 'block', `a rule without format applies to ${format}`);
  }
});

t.test('PyPI names compare in their normalized form (PEP 503), npm and Maven names as written', async (t) => {
  const rules: PackageRule[] = [{ match: 'Acme_Tools.*', upstream: 'block' }];
  for (const name of ['acme-tools-cli', 'acme_tools.cli', 'ACME.TOOLS_cli', 'acme--tools-x']) {
    t.equal(originControls(rules, 'pypi', name, false).upstream, 'block', `pypi ${name} matches Acme_Tools.*`);
  }
  t.equal(originControls(rules, 'pypi', 'acmetools-cli', false).upstream, 'allow', 'a separator is still needed');
  t.equal(originControls(rules, 'npm', 'acme-tools-cli', false).upstream, 'allow', 'npm: - is not _');
  t.equal(originControls(rules, 'npm', 'acme_tools.cli', false).upstream, 'block', 'npm: as written (case-insensitive)');
});

t.test('defaults: everything allowed; upstream blocked once published here; a rule beats the default', async (t) => {
  t.same(originControls([], 'npm', 'lodash', false), { publish: 'allow', upstream: 'allow', upstreamBecause: 'default' }, 'no rule, never published: all allowed');
  t.same(originControls([], 'npm', 'lodash', true), { publish: 'allow', upstream: 'block', upstreamBecause: 'published here' }, 'published here: blocked from upstream');
  const allow: PackageRule[] = [{ match: 'lodash', upstream: 'allow' }];
  t.same(originControls(allow, 'npm', 'lodash', true), { publish: 'allow', upstream: 'allow', upstreamBecause: 'rule' }, 'a rule allowing upstream beats the published-here default');
  const publishOnly: PackageRule[] = [{ match: 'lodash', publish: 'block' }];
  t.same(originControls(publishOnly, 'npm', 'lodash', true), { publish: 'block', upstream: 'block', upstreamBecause: 'published here' }, 'a rule without upstream leaves the default for it');
  t.same(originControls(publishOnly, 'npm', 'lodash', false), { publish: 'block', upstream: 'allow', upstreamBecause: 'default' });
  const block: PackageRule[] = [{ match: 'lodash', upstream: 'block', publish: 'allow' }];
  t.same(originControls(block, 'npm', 'lodash', false), { publish: 'allow', upstream: 'block', upstreamBecause: 'rule' }, 'a rule blocking upstream applies before any publish');
});
