import t from 'tap';
import { parse } from 'yaml';
import { isLarderError } from '../../src/errors.js';
import { DEFAULT_CONFIG_YAML } from '../../src/config/defaults.js';
import { PUBLIC_CONNECTION_ASSET_ORIGINS, PUBLIC_CONNECTION_URLS } from '../../src/config/public-connections.js';
import { validateConfig } from '../../src/config/validate.js';
import { options, problemsOf, validYaml } from './helpers.js';

t.test('an empty document is the embedded default', async (t) => {
  const empty = validateConfig(null, options());
  const fromDefault = validateConfig(parse(DEFAULT_CONFIG_YAML), options());
  t.same(empty, fromDefault);
  t.same(empty.listen, { host: '127.0.0.1', port: 7878 });
  t.equal(empty.offline, false);
  t.same(empty.auth, { required: false });
  t.equal(empty.logLevel, 'info');
  t.same(empty.upstream, {
    connectTimeoutMs: 10_000,
    headersTimeoutMs: 30_000,
    bodyTimeoutMs: 60_000,
    retries: 1,
    breakerThreshold: 3,
    breakerCooldownMs: 30_000,
  });
  t.equal(empty.maxMetadataBytes, 64 * 1024 * 1024);
  t.same([...empty.repositories.keys()], [
    'default',
    'npm-store',
    'pypi-store',
    'maven-central-store',
    'google-android-store',
    'gradle-plugins-store',
    'commonsware-store',
  ]);
  const defaultRepo = empty.repositories.get('default');
  t.same(defaultRepo?.upstreams, [
    'npm-store',
    'pypi-store',
    'maven-central-store',
    'google-android-store',
    'gradle-plugins-store',
    'commonsware-store',
  ]);
  t.equal(defaultRepo?.external, undefined);
  t.same(defaultRepo?.metadataTtlMs, { npm: 600_000, pypi: 1_800_000, maven: 10_800_000 });
  t.equal(defaultRepo?.refresh, 'background');
  t.equal(defaultRepo?.ingestionDeadlineMs, 40_000);
  t.same(empty.repositories.get('npm-store')?.external, { name: 'public:npmjs', format: 'npm', assetOrigins: [] }, 'npmjs has no url in code');
  // Each public gateway points where public-connections.ts says (the one table of public hosts).
  const expected: [string, keyof typeof PUBLIC_CONNECTION_URLS, string][] = [
    ['pypi-store', 'public:pypi', 'pypi'],
    ['maven-central-store', 'public:maven-central', 'maven'],
    ['google-android-store', 'public:maven-googleandroid', 'maven'],
    ['gradle-plugins-store', 'public:maven-gradleplugins', 'maven'],
    ['commonsware-store', 'public:maven-commonsware', 'maven'],
  ];
  for (const [repo, name, format] of expected) {
    const url = PUBLIC_CONNECTION_URLS[name];
    t.match(url, /^https:\/\/[^/]+\/(.+\/)?$/, `${name} has a base URL`);
    t.same(empty.repositories.get(repo)?.external, { name, format, url, assetOrigins: PUBLIC_CONNECTION_ASSET_ORIGINS[name] ?? [] });
  }
});

t.test('a file overrides key by key; the rest keeps the default', async (t) => {
  const config = validYaml('listen: { port: 9000 }\nupstream: { retries: 0 }\ndefaults: { metadataTtl: { npm: 5m } }\n');
  t.same(config.listen, { host: '127.0.0.1', port: 9000 });
  t.equal(config.upstream.retries, 0);
  t.equal(config.upstream.connectTimeoutMs, 10_000);
  const repo = config.repositories.get('npm-store');
  t.same(repo?.metadataTtlMs, { npm: 300_000, pypi: 1_800_000, maven: 10_800_000 });
  t.equal(config.repositories.size, 7, 'no repositories section keeps the default set');
});

t.test('null values count as absent', async (t) => {
  const config = validYaml('listen:\ndataDir:\noffline:\nrepositories:\n');
  t.same(config.listen, { host: '127.0.0.1', port: 7878 });
  t.equal(config.dataDir, '/home/tester/.cache/larder');
  t.equal(config.repositories.size, 7);
});

t.test('every problem is reported in one pass, each with its path', async (t) => {
  const problems = problemsOf(`
listen: { host: '', port: 70000 }
offline: yes
log: { level: loud }
upstream: { connectTimeout: 10 minutes, retries: -1, breakerThreshold: 0, bodyTimeout: 0 }
limits: { maxMetadataSize: 64 MB please }
defaults: { refresh: sometimes, ingestionDeadline: 0, metadataTtl: { npm: soon, rubygems: 1h } }
`);
  t.same(
    problems.map((p) => p.path).sort(),
    [
      'defaults.ingestionDeadline',
      'defaults.metadataTtl.npm',
      'defaults.metadataTtl.rubygems',
      'defaults.refresh',
      'limits.maxMetadataSize',
      'listen.host',
      'listen.port',
      'log.level',
      'offline',
      'upstream.bodyTimeout',
      'upstream.breakerThreshold',
      'upstream.connectTimeout',
      'upstream.retries',
    ],
  );
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  t.match(byPath.get('listen.port'), /from 0 to 65535, got 70000/);
  t.match(byPath.get('offline'), /expected true or false.*YAML 1\.2/);
  t.match(byPath.get('log.level'), /one of trace, debug, info, warn, error, fatal, silent/);
  t.match(byPath.get('defaults.refresh'), /one of blocking, background/);
  t.match(byPath.get('defaults.metadataTtl.rubygems'), /unknown key/);
  t.match(byPath.get('upstream.connectTimeout'), /"10 minutes"/);
});

t.test('the error is E_CONFIG_INVALID with a readable summary', async (t) => {
  try {
    validateConfig(parse('listen: { port: -1 }'), options());
    t.fail('should throw');
  } catch (error) {
    t.ok(isLarderError(error, 'E_CONFIG_INVALID'));
    if (!isLarderError(error)) throw error;
    t.equal(error.operation, 'config.validate');
    t.match(error.message, /invalid configuration \(test\.yaml\): 1 problem\n {2}listen\.port: /);
    t.same(error.details.problems, [{ path: 'listen.port', message: 'must be from 0 to 65535, got -1' }]);
  }
});

t.test('unknown keys are errors, with a did-you-mean when close', async (t) => {
  const problems = problemsOf('upstreams: {}\nlisten: { prot: 1 }\ndata_dir: /x\nbanana: 1\nrepositories: { default: { upstream: [] } }\n');
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  t.match(byPath.get('upstreams'), /unknown key \(did you mean "upstream"\?\)/);
  t.match(byPath.get('listen.prot'), /did you mean "port"/);
  t.match(byPath.get('data_dir'), /did you mean "dataDir"/);
  t.match(byPath.get('banana'), /^unknown key; known keys here: "listen", "auth", "dataDir"/);
  t.notMatch(byPath.get('banana'), /did you mean/);
  t.match(byPath.get('repositories.default.upstream'), /did you mean "upstreams"/);
});

t.test('wrong types are reported at the section', async (t) => {
  const problems = problemsOf('listen: 7878\nlog: info\nrepositories: [default]\n');
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  t.match(byPath.get('listen'), /expected a mapping with keys host, port, got number 7878/);
  t.match(byPath.get('log'), /expected a mapping/);
  t.match(byPath.get('repositories'), /mapping of repository names to repositories, got a list/);
  t.same(problemsOf('- a\n- b\n'), [{ path: '(top level)', message: 'a config file is a YAML mapping (keys such as listen, repositories)' }]);
});

t.test('ranges: port, retries, sizes, timer-backed durations', async (t) => {
  t.equal(validYaml('listen: { port: 0 }').listen.port, 0, 'port 0 means any free port');
  t.equal(validYaml('listen: { port: 65535 }').listen.port, 65535);
  t.same(problemsOf('listen: { port: 80.5 }').map((p) => p.path), ['listen.port']);
  t.same(problemsOf('upstream: { retries: 11 }').map((p) => p.path), ['upstream.retries']);
  t.same(problemsOf('limits: { maxMetadataSize: 0 }').map((p) => p.path), ['limits.maxMetadataSize']);
  t.same(problemsOf('limits: { maxMetadataSize: 1GiB }').map((p) => p.path), ['limits.maxMetadataSize'], 'over the V8 string limit');
  t.equal(validYaml('limits: { maxMetadataSize: 512KiB }').maxMetadataBytes, 512 * 1024);
  // A Node timer cannot hold more than about 24.8 days; past that it fires at once.
  t.match(problemsOf('upstream: { breakerCooldown: 30d }')[0], { path: 'upstream.breakerCooldown', message: /at most 2147483647 ms/ });
  t.equal(validYaml('defaults: { metadataTtl: { maven: 30d } }').repositories.get('default')?.metadataTtlMs.maven, 30 * 86_400_000, 'a TTL is no timer');
  t.equal(validYaml('defaults: { metadataTtl: { npm: 0 } }').repositories.get('default')?.metadataTtlMs.npm, 0, 'TTL 0 always revalidates');
});

t.test('listen.host takes a host, not a URL', async (t) => {
  t.equal(validYaml('listen: { host: "::1" }').listen.host, '::1');
  t.equal(validYaml('listen: { host: 0.0.0.0 }\nauth: { required: true }').listen.host, '0.0.0.0');
  const exposed = new Map(problemsOf('listen: { host: 0.0.0.0 }').map((p) => [p.path, p.message]));
  t.match(exposed.get('listen.host'), /reachable from other machines.*auth\.required: true/, 'no auth on a non-loopback address: refused');
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) t.equal(validYaml(`listen: { host: "${host}" }`).listen.host, host, `${host} is loopback`);
  t.match(problemsOf('listen: { host: "http://localhost" }')[0], { path: 'listen.host', message: /host name or IP address/ });
});

t.test('the result is deeply frozen, the repository map included', async (t) => {
  const config = validYaml('');
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.listen));
  t.ok(Object.isFrozen(config.upstream));
  const repo = config.repositories.get('default');
  t.ok(Object.isFrozen(repo));
  t.ok(Object.isFrozen(repo?.upstreams));
  t.ok(Object.isFrozen(repo?.metadataTtlMs));
  t.ok(Object.isFrozen(config.repositories.get('pypi-store')?.external));
  t.throws(() => {
    (config.listen as { port: number }).port = 1;
  }, TypeError);
  t.throws(() => {
    (repo?.upstreams as string[]).push('x');
  }, TypeError);
  const mutable = config.repositories as Map<string, unknown>;
  t.throws(() => mutable.set('x', {}), /frozen/);
  t.throws(() => mutable.delete('default'), /frozen/);
  t.throws(() => mutable.clear(), /frozen/);
  t.equal(config.repositories.size, 7);
  t.equal(config.repositories.get('default')?.name, 'default', 'reads still work');
});

t.test('dataDir: ~, relative to the file, absolute', async (t) => {
  t.equal(validYaml('dataDir: ~/cache').dataDir, '/home/tester/cache');
  t.equal(validYaml('dataDir: "~"').dataDir, '/home/tester');
  t.equal(validYaml('dataDir: data').dataDir, '/etc/larder/data', 'relative to the config file');
  t.equal(validYaml('dataDir: /srv/larder').dataDir, '/srv/larder');
  t.same(problemsOf('dataDir: ""').map((p) => p.path), ['dataDir']);
  t.same(problemsOf('dataDir: 5').map((p) => p.path), ['dataDir']);
});
