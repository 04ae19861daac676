// The npm connection loop guard: before login points npm at larder, the registry npm used is kept
// in <dataDir>/login-v1/npm-registry.json (asked from the REAL npm, with the test's HOME), only
// when none is kept yet and it is not larder itself; logout deletes it with the last npm-family
// login. readSavedNpmRegistry reads it back for the daemon.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { readSavedNpmRegistry, savedNpmRegistryPath } from '../../src/login/npm-registry-memory.js';
import { npmVersion } from '../helpers/npm-cli.js';
import { runCaptured } from '../cli/run-in-process.js';

const URL = 'http://127.0.0.1:7999';
const noNpm = (await npmVersion()) === undefined ? 'npm is not installed; these tests ask the real npm, never a fake' : false;

t.test('readSavedNpmRegistry: none, a kept one, a damaged one', async (t) => {
  const dataDir = t.testdir({});
  t.equal(await readSavedNpmRegistry(dataDir), undefined, 'nothing kept: undefined');
  await mkdir(join(dataDir, 'login-v1'));
  await writeFile(savedNpmRegistryPath(dataDir), '{"registry":"http://127.0.0.1:9/path"}\n');
  t.equal(await readSavedNpmRegistry(dataDir), 'http://127.0.0.1:9/path/', 'the URL, ending in /');
  await writeFile(savedNpmRegistryPath(dataDir), '{"registry":"file:///etc"}');
  await t.rejects(readSavedNpmRegistry(dataDir), { code: 'E_STORE', message: /should hold \{"registry":"<the npm registry URL>"\}/ });
  await writeFile(savedNpmRegistryPath(dataDir), 'not json');
  await t.rejects(readSavedNpmRegistry(dataDir), { code: 'E_STORE' });
});

function setup(t: Test, npmrc: string, path = process.env.PATH ?? '') {
  const home = t.testdir({ '.npmrc': npmrc });
  const dataDir = join(home, 'larder-data');
  const larder = (...argv: string[]) => runCaptured([...argv, ...(argv[0] === 'login' ? ['--url', URL] : []), '--data-dir', dataDir], { env: { HOME: home, PATH: path }, cwd: home });
  return { home, dataDir, larder };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

t.test('login keeps the registry npm used before, once; logout drops it with the last npm-family login', { skip: noNpm }, async (t) => {
  const { home, dataDir, larder } = setup(t, 'registry=http://127.0.0.1:9/before/\n');
  const login = await larder('login', '--tool', 'npm');
  t.equal(login.code, 0, login.err);
  t.match(login.out, `kept npm's registry before login, http://127.0.0.1:9/before/, in ${savedNpmRegistryPath(dataDir)}`);
  t.equal(await readFile(savedNpmRegistryPath(dataDir), 'utf8'), '{"registry":"http://127.0.0.1:9/before/"}\n', 'the documented format');
  t.equal(await readSavedNpmRegistry(dataDir), 'http://127.0.0.1:9/before/');

  // npm names larder now; a second npm-family login must not keep that.
  const yarn = await larder('login', '--tool', 'yarn');
  t.equal(yarn.code, 0, yarn.err);
  t.notMatch(yarn.out, /kept npm's registry/);
  t.equal(await readSavedNpmRegistry(dataDir), 'http://127.0.0.1:9/before/', 'the first answer stays');

  const first = await larder('logout', '--tool', 'npm');
  t.equal(first.code, 0, first.err);
  t.notMatch(first.out, /removed .*npm-registry\.json/);
  t.ok(await exists(savedNpmRegistryPath(dataDir)), "yarn's login remains: the registry is still kept");
  const last = await larder('logout', '--tool', 'yarn');
  t.match(last.out, /removed .*npm-registry\.json: no npm, pnpm or yarn login is left/);
  t.notOk(await exists(savedNpmRegistryPath(dataDir)));
  t.equal(await readFile(join(home, '.npmrc'), 'utf8'), 'registry=http://127.0.0.1:9/before/\n');
});

t.test('a registry that is larder itself is not kept', { skip: noNpm }, async (t) => {
  const { dataDir, larder } = setup(t, `registry=${URL}/npm/default/\n`);
  const login = await larder('login', '--tool', 'pnpm');
  t.equal(login.code, 0, login.err);
  t.notMatch(login.out, /kept npm's registry/);
  t.notOk(await exists(savedNpmRegistryPath(dataDir)));
});

t.test('without npm on the PATH, login still writes the npmrc and says the registry could not be read', async (t) => {
  const { home, dataDir, larder } = setup(t, 'fund=false\n', '');
  const login = await larder('login', '--tool', 'npm');
  t.equal(login.code, 0, login.err);
  t.match(login.err, /could not read npm's registry before login \(npm is not on the PATH\); give the npm connection a url in larder's config/);
  t.match(await readFile(join(home, '.npmrc'), 'utf8'), /larder login: begin npm/);
  t.notOk(await exists(savedNpmRegistryPath(dataDir)));
});
