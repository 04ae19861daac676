// `larder login` and `larder logout` through the CLI, in-process, with a temp HOME: --help, what
// login writes and records (a real token, a private record file), --dry-run writing nothing at
// all (no file, no record, no token secret), the daemon address from --url or the config's listen
// address, and usage errors.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { checkToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { runCaptured } from '../cli/run-in-process.js';

/** A temp HOME and data dir, and the CLI run with that HOME as its whole environment. */
function setup(t: Test, files: Parameters<Test['testdir']>[0] = {}) {
  const home = t.testdir(files);
  const dataDir = join(home, 'larder-data');
  const larder = (...argv: string[]) => runCaptured([...argv, '--data-dir', dataDir], { env: { HOME: home }, cwd: home });
  return { home, dataDir, larder };
}

async function absent(path: string): Promise<boolean> {
  return stat(path).then(
    () => false,
    () => true,
  );
}

t.test('--help of login and logout lists their flags', async (t) => {
  const login = await runCaptured(['login', '--help']);
  t.equal(login.code, 0);
  for (const flag of ['--tool', '--repo', '--url', '--config', '--data-dir', '--ttl', '--dry-run']) t.match(login.out, flag, `login --help names ${flag}`);
  t.match(login.out, /"npm", "pnpm", "yarn", "pip", "uv", "twine", "maven", "gradle"/, 'and every tool');
  const logout = await runCaptured(['logout', '--help']);
  t.equal(logout.code, 0);
  for (const flag of ['--tool', '--data-dir', '--dry-run']) t.match(logout.out, flag, `logout --help names ${flag}`);
  t.match((await runCaptured(['--help'])).out, /larder login\s+point a client/, 'the top-level help lists login');
});

t.test('login writes the file and a private record; the token is signed with the data dir secret', async (t) => {
  const { home, dataDir, larder } = setup(t);
  const result = await larder('login', '--tool', 'pip', '--url', 'http://127.0.0.1:7999', '--repo', 'team', '--ttl', '2h');
  t.equal(result.code, 0, result.err);
  t.match(result.out, `pip: wrote ${join(home, '.config/pip/pip.conf')} (new file)`);
  t.match(result.err, /the token written for pip expires at \d{4}-\d\d-\d\dT.*; run `larder login --tool pip` again then/);
  const conf = await readFile(join(home, '.config/pip/pip.conf'), 'utf8');
  const token = /index-url = http:\/\/larder:([^@]+)@127\.0\.0\.1:7999\/pypi\/team\/simple\//.exec(conf)?.[1];
  t.ok(token, 'pip.conf has the index with the token');
  const check = checkToken(await tokenSecret(dataDir), decodeURIComponent(token ?? ''), Date.now());
  t.ok(check.ok && check.claims.exp - check.claims.iat === 7200, 'a real 2 h token of this data dir');
  t.equal((await stat(join(home, '.config/pip/pip.conf'))).mode & 0o777, 0o600, 'a new file holding a token is private');
  const recordFile = join(dataDir, 'login-v1', 'records.json');
  t.equal((await stat(recordFile)).mode & 0o777, 0o600, 'the record (it holds tokens) is private');
  const { records } = JSON.parse(await readFile(recordFile, 'utf8')) as { records: Array<Record<string, unknown>> };
  t.same(records.map(({ tool, path, before, after }) => ({ tool, path, before, after })), [{ tool: 'pip', path: join(home, '.config/pip/pip.conf'), before: null, after: conf }]);
});

t.test('--dry-run prints each path and the change, and writes nothing: no file, no record, no token secret', async (t) => {
  const { home, dataDir, larder } = setup(t, { '.npmrc': 'fund=false\nregistry=http://127.0.0.1:9/\n' });
  const result = await larder('login', '--tool', 'npm', '--url', 'http://127.0.0.1:7999', '--dry-run');
  t.equal(result.code, 0, result.err);
  t.match(result.out, /dry run: nothing is written; TOKEN stands for the token login would make/);
  t.match(result.out, `npm: would write ${join(home, '.npmrc')}`);
  t.match(result.out, /- registry=http:\/\/127\.0\.0\.1:9\/\n\s+\+ # larder login replaced \(npm\): registry=http:\/\/127\.0\.0\.1:9\/\n/);
  t.match(result.out, /\+ \/\/127\.0\.0\.1:7999\/npm\/default\/:_authToken=TOKEN/);
  t.equal(await readFile(join(home, '.npmrc'), 'utf8'), 'fund=false\nregistry=http://127.0.0.1:9/\n', 'the npmrc is untouched');
  t.ok(await absent(dataDir), 'the data dir is not even made: no record, no secret, no remembered registry');

  for (const tool of ['yarn', 'uv', 'twine', 'maven', 'gradle']) {
    const dry = await larder('login', '--tool', tool, '--url', 'http://127.0.0.1:7999', '--dry-run');
    t.equal(dry.code, 0, `${tool}: ${dry.err}`);
    t.match(dry.out, new RegExp(`${tool}: would write `), `${tool}: the paths it would write`);
  }
  t.ok(await absent(join(home, '.m2')) && (await absent(join(home, '.gradle'))) && (await absent(join(home, '.yarnrc.yml'))), 'nothing written for any tool');
  const logout = await larder('logout', '--dry-run');
  t.match(logout.out, /no larder login to undo/);
});

t.test('the daemon address comes from the config when --url is not given; a wildcard listen address becomes loopback', async (t) => {
  const { home, larder } = setup(t, { 'v4.yaml': 'listen: { host: 0.0.0.0, port: 4100 }\nauth: { required: true }\n', 'v6.yaml': "listen: { host: '::', port: 4101 }\nauth: { required: true }\n" });
  const v4 = await larder('login', '--tool', 'uv', '--config', join(home, 'v4.yaml'));
  t.equal(v4.code, 0, v4.err);
  t.match(await readFile(join(home, '.config/uv/uv.toml'), 'utf8'), /url = "http:\/\/larder:[^@]+@127\.0\.0\.1:4100\/pypi\/default\/simple\/"/);
  const v6 = await larder('login', '--tool', 'twine', '--config', join(home, 'v6.yaml'));
  t.equal(v6.code, 0, v6.err);
  t.match(await readFile(join(home, '.pypirc'), 'utf8'), /repository = http:\/\/\[::1\]:4101\/pypi\/default\//);
});

t.test('usage errors exit 2 and say what was wrong', async (t) => {
  const { larder } = setup(t);
  const noTool = await larder('login');
  t.equal(noTool.code, 2);
  t.match(noTool.err, /Missing required argument: tool/);
  const badTool = await larder('login', '--tool', 'cargo');
  t.equal(badTool.code, 2);
  t.match(badTool.err, /Invalid values/);
  const badRepo = await larder('login', '--tool', 'pip', '--repo', '../etc', '--url', 'http://127.0.0.1:1');
  t.equal(badRepo.code, 2);
  t.match(badRepo.err, /--repo must be a repository name/);
  const longTtl = await larder('login', '--tool', 'pip', '--ttl', '13h', '--url', 'http://127.0.0.1:1');
  t.equal(longTtl.code, 2);
  t.match(longTtl.err, /--ttl must be from 1s to 12h/);
  const badUrl = await larder('login', '--tool', 'pip', '--url', 'ftp://x');
  t.equal(badUrl.code, 2);
  t.match(badUrl.err, /--url must be an http:\/\/ or https:\/\/ URL/);
});
