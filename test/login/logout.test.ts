// `larder logout` undoing exactly what login wrote, through the CLI with a temp HOME: files back
// byte for byte (made files deleted), a file the user edited since keeps the edit, a file without
// login's marks or a deleted one is left and said so, a second login of a tool replaces the first,
// several tools writing one file unwind in order, --tool and --dry-run, symlinks and modes kept.
import { chmod, lstat, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runCaptured } from '../cli/run-in-process.js';

const URL = 'http://127.0.0.1:7999';

function setup(t: Test, files: Parameters<Test['testdir']>[0] = {}) {
  const home = t.testdir(files);
  const dataDir = join(home, 'larder-data');
  const larder = async (...argv: string[]) => {
    const result = await runCaptured([...argv, '--data-dir', dataDir], { env: { HOME: home }, cwd: home });
    t.equal(result.code, 0, `larder ${argv.join(' ')}: ${result.err}`);
    return result;
  };
  const read = (path: string) => readFile(join(home, path), 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
  const records = async () => (JSON.parse(await readFile(join(dataDir, 'login-v1', 'records.json'), 'utf8')) as { records: Array<{ tool: string; path: string }> }).records;
  return { home, dataDir, larder, read, records };
}

const NPMRC = 'fund=false\nregistry=http://127.0.0.1:9/\n';
const PIP = '[global]\ntimeout = 60\nindex-url = http://127.0.0.1:9/simple/\n';

t.test('login → logout leaves every file byte-identical, and a file login made is gone', async (t) => {
  const { larder, read, records } = setup(t, { '.npmrc': NPMRC, '.config': { pip: { 'pip.conf': PIP } }, '.m2': {} });
  for (const tool of ['npm', 'yarn', 'pip', 'uv', 'twine', 'maven', 'gradle']) await larder('login', '--tool', tool, '--url', URL);
  t.not(await read('.npmrc'), NPMRC, 'logged in: the npmrc changed');
  t.equal((await records()).length, 9, 'one record per file written (yarn writes three)');
  const out = (await larder('logout')).out;
  t.match(out, /npm: .*\.npmrc: restored as it was before larder login/);
  t.match(out, /maven: .*settings\.xml: removed \(larder login made it\)/);
  t.equal(await read('.npmrc'), NPMRC, 'npmrc byte-identical (npm and yarn both wrote it)');
  t.equal(await read('.config/pip/pip.conf'), PIP, 'pip.conf byte-identical');
  for (const made of ['.yarnrc.yml', '.yarnrc', '.config/uv/uv.toml', '.pypirc', '.m2/settings.xml', '.gradle/init.d/larder.gradle']) t.equal(await read(made), undefined, `${made} is gone`);
  t.same(await records(), [], 'no record left');
  t.match((await larder('logout')).out, /no larder login to undo/, 'a second logout has nothing to do');
});

t.test('logout after the user edited the file elsewhere keeps the edit and takes out only login\'s lines', async (t) => {
  const { home, larder, read } = setup(t, { '.config': { pip: { 'pip.conf': PIP } } });
  await larder('login', '--tool', 'pip', '--url', URL);
  const path = join(home, '.config/pip/pip.conf');
  await writeFile(path, `# my note\n${await readFile(path, 'utf8')}[install]\nno-compile = true\n`);
  const out = (await larder('logout', '--tool', 'pip')).out;
  t.match(out, /changed since larder login: took out only the lines login marked and put back what it commented out; your other changes stay/);
  t.equal(await read('.config/pip/pip.conf'), `# my note\n${PIP}[install]\nno-compile = true\n`, 'the old index-url is back, the edits stay');
});

t.test("a file without login's marks, or deleted, is left alone and said so; the record goes", async (t) => {
  const { home, larder, read, records } = setup(t, { '.npmrc': NPMRC });
  await larder('login', '--tool', 'npm', '--url', URL);
  await larder('login', '--tool', 'twine', '--url', URL);
  await writeFile(join(home, '.npmrc'), 'rewritten=by-hand\n');
  await writeFile(join(home, '.pypirc'), '');
  const { rm } = await import('node:fs/promises');
  await rm(join(home, '.pypirc'));
  const out = (await larder('logout')).out;
  t.match(out, /npm: .*\.npmrc: changed since larder login and holds none of its marks: left as it is/);
  t.match(out, /twine: .*\.pypirc: is gone: nothing to undo/);
  t.equal(await read('.npmrc'), 'rewritten=by-hand\n');
  t.same(await records(), []);
});

t.test('logging in twice for a tool replaces the first login: records do not stack, logout restores the original', async (t) => {
  const { larder, read, records } = setup(t, { '.npmrc': NPMRC });
  await larder('login', '--tool', 'npm', '--url', URL);
  const second = await larder('login', '--tool', 'npm', '--url', 'http://127.0.0.1:8111', '--repo', 'team');
  t.match(second.out, /npm: undoing the earlier login first: .*\.npmrc: restored as it was before larder login/);
  const npmrc = (await read('.npmrc')) ?? '';
  t.equal(npmrc.match(/larder login: begin npm/g)?.length, 1, 'one block');
  t.match(npmrc, /^registry=http:\/\/127\.0\.0\.1:8111\/npm\/team\/$/m, 'the second login wins');
  t.equal((await records()).length, 1, 'one record');
  await larder('logout', '--tool', 'npm');
  t.equal(await read('.npmrc'), NPMRC);
});

t.test('logout --tool undoes that tool only; --dry-run shows the change and writes nothing', async (t) => {
  const { larder, read, records } = setup(t, { '.npmrc': NPMRC });
  await larder('login', '--tool', 'npm', '--url', URL);
  await larder('login', '--tool', 'pip', '--url', URL);
  const npmrc = await read('.npmrc');
  const dry = await larder('logout', '--tool', 'npm', '--dry-run');
  t.match(dry.out, /dry run: nothing is written/);
  t.match(dry.out, /npm: .*\.npmrc: restore as it was before larder login\n\s+@@ line 2\n\s+- # larder login replaced \(npm\): registry=http:\/\/127\.0\.0\.1:9\/\n/);
  t.match(dry.out, /\n\s+- \/\/127\.0\.0\.1:7999\/npm\/default\/:_authToken=lt1\.…\n/, 'the token in the file is not shown');
  t.match(dry.out, /\n\s+\+ registry=http:\/\/127\.0\.0\.1:9\/\n/);
  t.equal(await read('.npmrc'), npmrc, 'dry run: the npmrc is untouched');
  t.equal((await records()).length, 2, 'dry run: the records are untouched');
  await larder('logout', '--tool', 'npm');
  t.equal(await read('.npmrc'), NPMRC);
  t.same((await records()).map((record) => record.tool), ['pip'], "pip's login stays");
  t.match((await read('.config/pip/pip.conf')) ?? '', /larder login: begin pip/);
});

t.test('a symlinked config file stays a link, and a file keeps its mode', async (t) => {
  const { home, larder } = setup(t, { dotfiles: { npmrc: NPMRC }, '.pypirc': '[pypi]\nusername = __token__\n' });
  await symlink(join(home, 'dotfiles', 'npmrc'), join(home, '.npmrc'));
  await chmod(join(home, '.pypirc'), 0o640);
  await larder('login', '--tool', 'npm', '--url', URL);
  await larder('login', '--tool', 'twine', '--url', URL);
  t.ok((await lstat(join(home, '.npmrc'))).isSymbolicLink(), 'still a link after login');
  t.match(await readFile(join(home, 'dotfiles', 'npmrc'), 'utf8'), /larder login: begin npm/, 'the target was written');
  t.equal((await stat(join(home, '.pypirc'))).mode & 0o777, 0o640, 'the mode is kept');
  await larder('logout');
  t.equal(await readlink(join(home, '.npmrc')), join(home, 'dotfiles', 'npmrc'), 'still a link after logout');
  t.equal(await readFile(join(home, 'dotfiles', 'npmrc'), 'utf8'), NPMRC);
});
