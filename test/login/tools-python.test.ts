// The Python clients' login plans (src/login/tools-python.ts): pip.conf, uv.toml and .pypirc on an
// absent file, an empty one, one with other settings and one with conflicting settings, each
// login → marks out giving back the file exactly. pip.conf and .pypirc are read back with Python's
// own configparser (the reader pip and twine use, which refuses a duplicate option or section);
// uv.toml with a TOML parser.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseToml } from 'smol-toml';
import { pipPlan, twinePlan, uvPlan } from '../../src/login/tools-python.js';
import { PATHS, roundTrip, target, TOKEN } from './helpers.js';

const READ_INI = [
  'import configparser, json, sys',
  'p = configparser.RawConfigParser()',
  'p.read_string(sys.stdin.read())',
  'print(json.dumps({s: dict(p.items(s)) for s in p.sections()}))',
].join('\n');

/** The file as configparser reads it, or undefined when no python3 is on the PATH. */
function configparser(text: string): Record<string, Record<string, string>> | undefined {
  try {
    return JSON.parse(execFileSync('python3', ['-c', READ_INI], { input: text, encoding: 'utf8' })) as Record<string, Record<string, string>>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const hasPython = configparser('') !== undefined;

/** The Python the `twine` on the PATH runs with (its shebang), or undefined when there is no twine. */
function twinePython(): string | undefined {
  try {
    const script = execFileSync('sh', ['-c', 'command -v twine'], { encoding: 'utf8' }).trim();
    const shebang = /^#!\s*(\S+)/.exec(readFileSync(script, 'utf8').split('\n')[0] ?? '')?.[1];
    return shebang !== undefined && execFileSync(shebang, ['-c', 'import twine.utils'], { encoding: 'utf8' }) === '' ? shebang : undefined;
  } catch (error) {
    void error; // no twine, or not a Python script: the check that needs it is skipped
    return undefined;
  }
}

const twine = twinePython();
const INDEX = `http://larder:${TOKEN}@127.0.0.1:7878/pypi/default/simple/`;

t.test('pip: [global] index-url with the token, on an absent or empty pip.conf', async (t) => {
  const [edit] = pipPlan(target(), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  t.equal(edit.path, '/home/tester/.config/pip/pip.conf');
  const after = roundTrip(t, 'pip', edit, undefined, 'absent');
  t.equal(roundTrip(t, 'pip', edit, '', 'empty'), after);
  if (hasPython) t.same(configparser(after), { global: { 'index-url': INDEX } }, 'configparser reads exactly the index');
  t.notMatch(after, /trusted-host/, 'a loopback host needs no trusted-host');
});

t.test('pip: inside an existing [global], the old index-url commented out (any section), other settings kept', async (t) => {
  const [edit] = pipPlan(target(), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  const before = '[global]\ntimeout = 60\nIndex_URL = http://127.0.0.1:9/simple/\n\n[install]\nindex-url =\n    http://127.0.0.1:9/other/\nno-compile = true\n';
  const after = roundTrip(t, 'pip', edit, before, 'conflict');
  t.match(after, /^# larder login replaced \(pip\): Index_URL = /m, 'the other spelling of index-url is commented out too');
  t.match(after, /^# larder login replaced \(pip\): {5}http:\/\/127\.0\.0\.1:9\/other\/$/m, 'and a continuation line with it');
  if (hasPython) {
    t.same(configparser(after), { global: { 'index-url': INDEX, timeout: '60' }, install: { 'no-compile': 'true' } }, 'one index-url, no duplicate for configparser');
  }
  const other = roundTrip(t, 'pip', edit, '[install]\nno-compile = true', 'no [global], no final line break');
  if (hasPython) t.same(configparser(other), { install: { 'no-compile': 'true' }, global: { 'index-url': INDEX } });
});

t.test('pip: a plain-http host that is not loopback is added to trusted-host, with the hosts already trusted', async (t) => {
  const [edit] = pipPlan(target('http://cache.lan:7878/'), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  const after = roundTrip(t, 'pip', edit, '[global]\ntrusted-host = a.lan\n    b.lan\n', 'trusted hosts');
  if (hasPython) t.same(configparser(after)?.global?.['trusted-host'], 'a.lan b.lan cache.lan');
  const [secure] = pipPlan(target('https://cache.lan/'), PATHS).edits;
  t.notMatch(secure?.apply(undefined) ?? '', /trusted-host/, 'https needs none');
});

t.test('uv: an [[index]] named larder, the default, in uv.toml', async (t) => {
  const [edit] = uvPlan(target(), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  t.equal(edit.path, '/home/tester/.config/uv/uv.toml');
  const absent = roundTrip(t, 'uv', edit, undefined, 'absent');
  t.same(parseToml(absent), { index: [{ name: 'larder', url: INDEX, default: true }] });
  t.equal(roundTrip(t, 'uv', edit, '', 'empty'), absent);
  const before = 'index-url = "http://127.0.0.1:9/simple/"\nnative-tls = true\n\n[[index]]\nname = "corp"\nurl = "http://127.0.0.1:9/corp/"\ndefault = true\n\n[pip]\nindex-url = "http://127.0.0.1:9/pip/"\n';
  const after = roundTrip(t, 'uv', edit, before, 'conflict');
  const document = parseToml(after) as { index: Array<Record<string, unknown>>; pip: Record<string, unknown>; [key: string]: unknown };
  t.equal(document['index-url'], undefined, 'the top-level index-url is commented out');
  t.same(document.pip, {}, 'and the [pip] one');
  t.same(document.index, [{ name: 'corp', url: 'http://127.0.0.1:9/corp/' }, { name: 'larder', url: INDEX, default: true }], 'larder is the one default index');
  t.equal(document['native-tls'], true, 'other settings stay');
});

t.test('twine: a [larder] server listed in index-servers, keeping the ones listed', async (t) => {
  const plan = twinePlan(target(), PATHS);
  const [edit] = plan.edits;
  if (edit === undefined) throw new Error('no edit');
  t.equal(edit.path, '/home/tester/.pypirc');
  t.match(plan.notes.join('\n'), /twine upload -r larder dist\/\*/);
  const section = { repository: 'http://127.0.0.1:7878/pypi/default/', username: 'larder', password: TOKEN };
  const absent = roundTrip(t, 'twine', edit, undefined, 'absent');
  if (hasPython) t.same(configparser(absent), { distutils: { 'index-servers': '\nlarder' }, larder: section });
  const before = '[distutils]\nindex-servers =\n    pypi\n    private\n\n[pypi]\nusername = __token__\n\n[private]\nrepository = http://127.0.0.1:9/\n\n[larder]\nrepository = http://127.0.0.1:9/old/\n';
  const after = roundTrip(t, 'twine', edit, before, 'conflict');
  if (hasPython) {
    const read = configparser(after);
    t.same(read?.distutils, { 'index-servers': '\npypi\nprivate\nlarder' }, 'the servers listed before, and larder');
    t.same(read?.larder, section, 'the old [larder] is commented out whole: one section');
    t.same(read?.private, { repository: 'http://127.0.0.1:9/' });
  }
  const onlyPypi = roundTrip(t, 'twine', edit, '[pypi]\nusername = __token__\n', 'a [pypi] section without [distutils]');
  if (hasPython) t.equal(configparser(onlyPypi)?.distutils?.['index-servers'], '\npypi\nlarder', 'the implicit pypi server stays reachable');
});

t.test("twine's own config reader finds the larder server and keeps the others", { skip: twine === undefined ? 'twine is not installed; never faked' : false }, async (t) => {
  const [edit] = twinePlan(target(), PATHS).edits;
  if (edit === undefined || twine === undefined) throw new Error('no edit');
  const dir = mkdtempSync(join(tmpdir(), 'larder-pypirc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, '.pypirc');
  writeFileSync(file, edit.apply('[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\n'));
  const read = (name: string) =>
    JSON.parse(execFileSync(twine, ['-c', `import json, sys; from twine import utils; print(json.dumps(utils.get_repository_from_config(sys.argv[1], '${name}')))`, file], { encoding: 'utf8' })) as Record<string, unknown>;
  t.same(read('larder'), { username: 'larder', password: TOKEN, repository: 'http://127.0.0.1:7878/pypi/default/' }, 'twine upload -r larder finds larder with the token');
  t.equal(read('pypi').username, '__token__', 'the pypi server is still there');
});
