import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { isLarderError, type LarderError } from '../../src/errors.js';
import { DEFAULT_CONFIG_YAML } from '../../src/config/defaults.js';
import { loadConfig, type LoadOptions } from '../../src/config/load.js';

const HOME = '/home/tester';
const EXAMPLE = resolve(import.meta.dirname, '../../config.example.yaml');

async function rejection(options: LoadOptions): Promise<LarderError> {
  try {
    await loadConfig(options);
  } catch (error) {
    if (isLarderError(error)) return error;
    throw error;
  }
  throw new Error('expected loadConfig to reject');
}

t.test('no file: the embedded default, data under ~/.cache/larder', async (t) => {
  const config = await loadConfig({ env: { HOME } });
  t.equal(config.dataDir, '/home/tester/.cache/larder');
  t.equal(config.listen.port, 7878);
  t.equal(config.repositories.size, 7);
  t.ok(Object.isFrozen(config));
});

t.test('the data directory: flag > file > LARDER_DATA_DIR > XDG_CACHE_HOME > HOME', async (t) => {
  const dir = t.testdir({ 'with-dir.yaml': 'dataDir: ./cache\n', 'without.yaml': 'offline: true\n' });
  const env = { HOME, XDG_CACHE_HOME: '/xdg', LARDER_DATA_DIR: '/from-env' };
  const cwd = '/somewhere';
  t.equal((await loadConfig({ env: { HOME, XDG_CACHE_HOME: '/xdg' } })).dataDir, '/xdg/larder');
  t.equal((await loadConfig({ env: { HOME, XDG_CACHE_HOME: 'relative' } })).dataDir, '/home/tester/.cache/larder', 'a relative XDG_CACHE_HOME is ignored');
  t.equal((await loadConfig({ env, cwd })).dataDir, '/from-env');
  t.equal((await loadConfig({ env: { ...env, LARDER_DATA_DIR: 'rel' }, cwd })).dataDir, '/somewhere/rel');
  t.equal((await loadConfig({ env: { ...env, LARDER_DATA_DIR: '~/d' }, cwd })).dataDir, '/home/tester/d');
  t.equal((await loadConfig({ file: join(dir, 'without.yaml'), env })).dataDir, '/from-env');
  t.equal((await loadConfig({ file: join(dir, 'with-dir.yaml'), env })).dataDir, join(dir, 'cache'), 'relative to the file');
  t.equal(
    (await loadConfig({ file: join(dir, 'with-dir.yaml'), env, cwd, overrides: { dataDir: 'flag' } })).dataDir,
    '/somewhere/flag',
    'a flag is relative to the working directory',
  );
  t.equal((await loadConfig({ env, overrides: { dataDir: '~/flag' } })).dataDir, '/home/tester/flag');
});

t.test('a relative file path is resolved against cwd', async (t) => {
  const dir = t.testdir({ 'larder.yaml': 'listen: { port: 1234 }\n' });
  const config = await loadConfig({ file: 'larder.yaml', cwd: dir, env: { HOME } });
  t.equal(config.listen.port, 1234);
});

t.test('a missing file names its path and the way out', async (t) => {
  const dir = t.testdir({});
  const error = await rejection({ file: join(dir, 'nope.yaml'), env: { HOME } });
  t.equal(error.code, 'E_CONFIG_INVALID');
  t.equal(error.operation, 'config.load');
  t.match(error.message, `cannot read config file ${join(dir, 'nope.yaml')}: no such file`);
  t.match(error.message, /leave --config out to use the embedded default/);
  t.same((error.details.problems as { path: string }[]).map((p) => p.path), [join(dir, 'nope.yaml')]);

  const notAFile = await rejection({ file: dir, env: { HOME } });
  t.match(notAFile.message, /it is a directory/);
});

t.test('YAML syntax errors carry line and column', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'listen:\n  host: 127.0.0.1\n port: 7878\n', 'dup.yaml': 'offline: true\noffline: false\n' });
  const error = await rejection({ file: join(dir, 'bad.yaml'), env: { HOME } });
  t.equal(error.code, 'E_CONFIG_INVALID');
  const problems = error.details.problems as { path: string; message: string }[];
  t.equal(problems[0]?.path, `${join(dir, 'bad.yaml')}:3:1`);
  t.match(problems[0]?.message, /^YAML syntax: /);
  const dup = await rejection({ file: join(dir, 'dup.yaml'), env: { HOME } });
  t.match((dup.details.problems as { message: string }[])[0]?.message, /unique/);
});

t.test('validation problems name the file', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'listen: { port: 99999 }\n' });
  const error = await rejection({ file: join(dir, 'c.yaml'), env: { HOME } });
  t.match(error.message, `invalid configuration (${join(dir, 'c.yaml')}): 1 problem`);
  t.same(error.details.problems, [{ path: 'listen.port', message: 'must be from 0 to 65535, got 99999' }]);
});

t.test('command-line overrides apply after the file and are checked', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'listen: { host: 0.0.0.0, port: 9000 }\nauth: { required: true }\nlog: { level: warn }\n' });
  const file = join(dir, 'c.yaml');
  const config = await loadConfig({ file, env: { HOME }, overrides: { port: 0, offline: true, logLevel: 'debug' } });
  t.same(config.listen, { host: '0.0.0.0', port: 0 });
  t.equal(config.offline, true);
  t.equal(config.logLevel, 'debug');
  t.ok(Object.isFrozen(config) && Object.isFrozen(config.listen), 'still frozen');
  t.equal((await loadConfig({ file, env: { HOME }, overrides: { host: '::1' } })).listen.port, 9000, 'untouched keys stay');

  const bad = await rejection({ env: { HOME }, overrides: { port: Number.NaN, host: 'http://x', logLevel: 'loud', dataDir: '' } });
  t.equal(bad.code, 'E_CONFIG_INVALID');
  t.same(
    (bad.details.problems as { path: string }[]).map((p) => p.path),
    ['--host', '--port', '--data-dir', '--log-level'],
  );
});

t.test('an override that makes a custom connection point at larder itself is refused', async (t) => {
  const dir = t.testdir({ 'c.yaml': 'repositories:\n  chain: { external: { format: npm, url: "http://127.0.0.1:8000/npm/default/" } }\n' });
  const file = join(dir, 'c.yaml');
  t.equal((await loadConfig({ file, env: { HOME } })).listen.port, 7878);
  const error = await rejection({ file, env: { HOME }, overrides: { port: 8000 } });
  t.same((error.details.problems as { path: string }[]).map((p) => p.path), ['repositories.chain.external.url']);
});

t.test('config.example.yaml is the embedded default, written out', async (t) => {
  const text = await readFile(EXAMPLE, 'utf8');
  t.same(parse(text), parse(DEFAULT_CONFIG_YAML), 'same document, key for key');
  const env = { HOME, XDG_CACHE_HOME: '/xdg' };
  t.same(await loadConfig({ file: EXAMPLE, env }), await loadConfig({ env }));
  // Options the default leaves out are documented in comments.
  for (const option of ['dataDir', 'format: npm', 'format: pypi', 'format: maven', 'LARDER_DATA_DIR', 'XDG_CACHE_HOME', '--data-dir']) {
    t.match(text, option, `documents ${option}`);
  }
});

t.test('a file without repositories keeps the default set; with them replaces it', async (t) => {
  const dir = t.testdir({});
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'a.yaml'), 'offline: true\n');
  await writeFile(join(dir, 'sub', 'b.yaml'), 'repositories:\n  only: { external: public:pypi }\n');
  t.equal((await loadConfig({ file: join(dir, 'sub', 'a.yaml'), env: { HOME } })).repositories.size, 7);
  t.same([...(await loadConfig({ file: join(dir, 'sub', 'b.yaml'), env: { HOME } })).repositories.keys()], ['only']);
  const empty = join(dir, 'empty.yaml');
  await writeFile(empty, '# nothing but a comment\n');
  t.same(await loadConfig({ file: empty, env: { HOME } }), await loadConfig({ env: { HOME } }), 'an empty file is the default');
});
