import { chmod, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { isLarderError, type LarderError } from '../../src/errors.js';
import { createNpmRegistryResolver, type NpmRegistryResolverOptions } from '../../src/config/npm-registry.js';
import { pointsAtSelf } from '../../src/config/self-address.js';

/**
 * A fake `npm` on a PATH that holds nothing else, so the real npm can never answer. It logs
 * each call (arguments | working directory | npm_config_registry | whether the --userconfig
 * file is empty) and prints the first line of answer (or fallback, under --userconfig).
 */
const FAKE_NPM = `#!/bin/sh
userconfig=none
if [ "$4" = "--userconfig" ]; then
  if [ -s "$5" ]; then userconfig=nonempty; else userconfig=empty; fi
fi
printf '%s|%s|%s|%s\\n' "$*" "$PWD" "\${npm_config_registry-unset}" "$userconfig" >> "$FAKE_DIR/calls.log"
if [ "$userconfig" = none ]; then file="$FAKE_DIR/answer"; else file="$FAKE_DIR/fallback"; fi
read -r line < "$file"
case "$line" in
  SLEEP) exec /bin/sleep 5 ;;
  FAIL) printf 'npm error code EBADCONFIG\\nmore\\n' >&2; exit 1 ;;
esac
printf '%s\\n' "$line"
`;

interface Fake {
  dir: string;
  env: NodeJS.ProcessEnv;
  answer(text: string, fallback?: string): Promise<void>;
  calls(): Promise<{ args: string; cwd: string; registryEnv: string; userconfig: string }[]>;
}

const FIXTURE = { bin: { npm: FAKE_NPM }, 'calls.log': '', answer: '', fallback: '' };

/** `dir` is a fresh t.testdir(FIXTURE). */
async function fakeNpm(dir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Fake> {
  await chmod(join(dir, 'bin', 'npm'), 0o755);
  return {
    dir,
    env: { PATH: join(dir, 'bin'), FAKE_DIR: dir, ...extraEnv },
    async answer(text, fallback = 'UNUSED') {
      await writeFile(join(dir, 'answer'), `${text}\n`);
      await writeFile(join(dir, 'fallback'), `${fallback}\n`);
    },
    async calls() {
      const text = await readFile(join(dir, 'calls.log'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [args = '', cwd = '', registryEnv = '', userconfig = ''] = line.split('|');
          return { args, cwd, registryEnv, userconfig };
        });
    },
  };
}

const SELF = { host: '127.0.0.1', port: 7878 };

async function rejection(promise: Promise<unknown>): Promise<LarderError> {
  try {
    await promise;
  } catch (error) {
    if (isLarderError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function resolver(fake: Fake, options: Partial<NpmRegistryResolverOptions> = {}) {
  return createNpmRegistryResolver({ self: () => SELF, env: fake.env, ...options });
}

t.test('asks npm once, lazily, from the temp directory, and returns a base URL', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE));
  await fake.answer('https://registry.corp.example/npm');
  const npm = resolver(fake);
  t.same(await fake.calls(), [], 'nothing runs before the first resolve()');
  const answers = await Promise.all([npm.resolve(), npm.resolve(), npm.resolve()]);
  t.same(answers, Array(3).fill('https://registry.corp.example/npm/'));
  t.equal(await npm.resolve(), 'https://registry.corp.example/npm/');
  const calls = await fake.calls();
  t.equal(calls.length, 1, 'npm ran once');
  t.equal(calls[0]?.args, 'config get registry');
  t.equal(await realpath(calls[0]?.cwd ?? ''), await realpath(tmpdir()), "cwd is the temp dir, so a project's .npmrc does not apply");
});

t.test('when npm points at larder itself, asks again without the user config', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE), { npm_config_registry: 'http://127.0.0.1:7878/npm/default/', NPM_CONFIG_REGISTRY: 'x' });
  await fake.answer('http://127.0.0.1:7878/npm/default/', 'https://npm-default.example/');
  t.equal(await resolver(fake).resolve(), 'https://npm-default.example/');
  const calls = await fake.calls();
  t.equal(calls.length, 2);
  t.equal(calls[0]?.registryEnv, 'http://127.0.0.1:7878/npm/default/', 'the first question uses the environment as npm would');
  t.match(calls[1]?.args, /^config get registry --userconfig \S+npmrc$/);
  t.equal(calls[1]?.userconfig, 'empty', 'the user config given is an empty file');
  t.equal(calls[1]?.registryEnv, 'unset', 'npm_config_registry is removed from the second question');
  const emptyConfig = (calls[1]?.args ?? '').split(' ').pop() ?? '';
  await t.rejects(stat(emptyConfig), { code: 'ENOENT' }, 'the temp user config is removed');
});

t.test('when npm points at larder itself, the registry saved by larder login comes first', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE));
  await fake.answer('http://127.0.0.1:7878/npm/default/', 'https://npm-default.example/');
  t.equal(await resolver(fake, { saved: async () => 'https://registry.corp.example/' }).resolve(), 'https://registry.corp.example/', 'the saved registry, not npm\'s default');
  t.equal((await fake.calls()).length, 1, 'npm was asked once, not again without the user config');
  const loops = await fakeNpm(t.testdir(FIXTURE));
  await loops.answer('http://127.0.0.1:7878/npm/default/', 'https://npm-default.example/');
  t.equal(await resolver(loops, { saved: async () => 'http://localhost:7878/npm/x/' }).resolve(), 'https://npm-default.example/', 'a saved registry that is larder itself is passed over');
  const direct = await fakeNpm(t.testdir(FIXTURE));
  await direct.answer('https://registry.corp.example/npm');
  t.equal(await resolver(direct, { saved: async () => 'https://old.example/' }).resolve(), 'https://registry.corp.example/npm/', 'npm pointing elsewhere wins over the saved one');
});

t.test('both answers point at larder: E_CONFIG_INVALID saying how to fix it', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE));
  await fake.answer('http://localhost:7878/npm/default/', 'http://127.0.0.1:7878/');
  const error = await rejection(resolver(fake).resolve());
  t.equal(error.code, 'E_CONFIG_INVALID');
  t.equal(error.operation, 'config.npmRegistry');
  t.match(error.message, /is this larder itself \(127\.0\.0\.1:7878\)/);
  t.match(error.message, /external: \{ format: npm, url: /);
});

t.test('self detection: loopback, any-address, the configured host; other ports and hosts are fine', async (t) => {
  const self = { host: 'builder.lan', port: 7878 };
  for (const url of [
    'http://127.0.0.1:7878/',
    'http://127.9.8.7:7878/npm/default/',
    'http://localhost:7878/',
    'http://LOCALHOST:7878/',
    'http://[::1]:7878/',
    'http://0.0.0.0:7878/',
    'http://builder.lan:7878/',
    'http://[::ffff:127.0.0.1]:7878/',
    'http://[::ffff:0.0.0.0]:7878/',
  ]) {
    t.ok(pointsAtSelf(new URL(url), self), url);
  }
  for (const url of ['http://127.0.0.1:7879/', 'http://cache.example:7878/', 'https://127.0.0.1/', 'http://10.1.2.3:7878/']) {
    t.notOk(pointsAtSelf(new URL(url), self), url);
  }
  t.ok(pointsAtSelf(new URL('http://127.0.0.1/'), { host: '127.0.0.1', port: 80 }), 'default port of http');
  t.ok(pointsAtSelf(new URL('https://localhost/'), { host: '127.0.0.1', port: 443 }), 'default port of https');
});

const OWN_ADDRESS = Object.values(networkInterfaces())
  .flatMap((list) => list ?? [])
  .find((entry) => entry.family === 'IPv4' && !entry.internal)?.address;

t.test(
  "listening on every interface: this machine's own addresses are larder too",
  { skip: OWN_ADDRESS === undefined ? 'this machine has no non-loopback IPv4 address' : false },
  async (t) => {
    const url = new URL(`http://${OWN_ADDRESS}:7878/npm/default/`);
    t.ok(pointsAtSelf(url, { host: '0.0.0.0', port: 7878 }), `${OWN_ADDRESS} reaches a larder on 0.0.0.0`);
    t.notOk(pointsAtSelf(url, { host: '127.0.0.1', port: 7878 }), 'but not one on loopback only');
  },
);

t.test('without a listen address yet, the answer is used as is', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE));
  await fake.answer('http://127.0.0.1:7878/');
  t.equal(await resolver(fake, { self: () => undefined }).resolve(), 'http://127.0.0.1:7878/');
});

t.test('npm missing: says to install npm or give a url', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE));
  const error = await rejection(resolver(fake, { env: { PATH: join(fake.dir, 'nothing-here') } }).resolve());
  t.equal(error.code, 'E_CONFIG_INVALID');
  t.match(error.message, /npm was not found on the PATH.*Install npm/);
  t.match(error.message, /external: \{ format: npm, url: <registry URL> \}/);
});

t.test('npm failing, hanging, or answering nonsense', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE));
  await fake.answer('FAIL');
  t.match((await rejection(resolver(fake).resolve())).message, /npm config get registry` failed \(npm error code EBADCONFIG\)/);
  await fake.answer('undefined');
  t.match((await rejection(resolver(fake).resolve())).message, /answered "undefined", not an http\(s\) registry URL/);
  await fake.answer('file:///etc/passwd');
  t.match((await rejection(resolver(fake).resolve())).message, /not an http\(s\) registry URL/);
  await fake.answer('SLEEP');
  const started = Date.now();
  t.match((await rejection(resolver(fake, { timeoutMs: 200 }).resolve())).message, /did not answer within 200 ms/);
  t.ok(Date.now() - started < 4000, 'the timeout ends the wait');
});

t.test('a failure is not cached: fixing npm works without a restart', async (t) => {
  const fake = await fakeNpm(t.testdir(FIXTURE));
  await fake.answer('FAIL');
  const npm = resolver(fake);
  await rejection(npm.resolve());
  await fake.answer('https://fixed.example/');
  t.equal(await npm.resolve(), 'https://fixed.example/');
  t.equal(await npm.resolve(), 'https://fixed.example/');
  t.equal((await fake.calls()).length, 2, 'one failed call, then one good call, then the cache');
});
