// Access (issue 7 §5), through a real daemon with `auth: { required: true }` and fake upstreams:
// who gets a 401 (no token, expired, forged, another data dir's, forwarded-for headers), who gets
// in (Bearer, Basic password, Basic user), that a token is never written anywhere (logs, bodies,
// headers, the data dir) nor sent upstream, the exposure rule in config, `larder token create`,
// and the real npm, pip and mvn taking a token the way their users give one.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { loadConfig, type ConfigOverrides } from '../../src/config/load.js';
import { isLarderError } from '../../src/errors.js';
import { run } from '../../src/main.js';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakeMaven } from '../helpers/fake-maven.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder, type LogLine } from '../helpers/larder.js';
import { xmlEscape } from '../helpers/maven-artifacts.js';
import { findMvn, isolatedMvnEnv, missingPlugins, userLocalRepository, writeMavenProject } from '../helpers/mvn-cli.js';
import { npmVersion, runNpmInstall, writeProject } from '../helpers/npm-cli.js';
import { pipVersion, runPipInstall } from '../helpers/pip-cli.js';
import { runCli } from '../helpers/run-cli.js';
import { capture } from '../cli/run-in-process.js';

const HOUR = 60 * 60 * 1000;
const CHALLENGE = /^Basic realm="larder"/;

const registry = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {}, '1.1.0': {} } }] });
const pypi = await startFakePypi({ projects: [{ name: 'frob', versions: { '1.0': {} } }] });
const maven = await startFakeMaven({ artifacts: [{ groupId: 'org.larder.test', artifactId: 'greeting', versions: { '1.0': {} } }] });
const larder = await startTestLarder({ npmUpstream: registry.url, pypiUpstream: { url: pypi.url }, mavenUpstreams: [maven.url], config: { auth: { required: true } } });
const scratch = await mkdtemp(join(tmpdir(), 'larder-access-'));
t.teardown(async () => {
  await larder.stop();
  await Promise.all([registry.stop(), pypi.stop(), maven.stop()]);
  await rm(scratch, { recursive: true, force: true });
});

const secret = await tokenSecret(larder.dataDir);
/** Every token any request presented, valid or not: none may be written anywhere. */
const presented = new Set<string>();
/** Every answer larder gave in this file, for the leak search. */
const answers: { url: string; status: number; headers: string; body: string }[] = [];

function token(subject: string, key: Buffer = secret, nowMs = Date.now(), ttlMs = HOUR): string {
  const made = createToken(key, subject, ttlMs, nowMs);
  presented.add(made);
  return made;
}

const bearer = (value: string): Record<string, string> => ({ authorization: `Bearer ${value}` });
const basic = (user: string, password?: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(password === undefined ? user : `${user}:${password}`).toString('base64')}`,
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function get(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): Promise<Answer> {
  const response = await request(url, { method, headers });
  const body = await response.body.text();
  answers.push({ url, status: response.statusCode, headers: JSON.stringify(response.headers), body });
  return { status: response.statusCode, headers: response.headers, body };
}

/** The request log line for `path` (it is written when the response closes, just after the client has it). */
async function logLineFor(path: string, from = 0): Promise<LogLine | undefined> {
  for (let tries = 0; tries < 50; tries += 1) {
    const line = larder.logs.slice(from).find((entry) => entry.url === path && typeof entry.status === 'number');
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

const loadConfigFile = (dir: string, file: string, overrides: ConfigOverrides = {}) =>
  loadConfig({ file: join(dir, file), overrides, env: { XDG_CACHE_HOME: join(dir, 'cache') }, cwd: dir });

/** The paths of the problems loading reports (E_CONFIG_INVALID), or ['loaded'] when it loads. */
async function configProblems(dir: string, file: string, overrides: ConfigOverrides = {}): Promise<string[]> {
  try {
    await loadConfigFile(dir, file, overrides);
    return ['loaded'];
  } catch (error) {
    if (!isLarderError(error, 'E_CONFIG_INVALID')) throw error;
    const problems = (error.details.problems as { path: string }[] | undefined) ?? [];
    return problems.map((problem) => problem.path);
  }
}

const pathOf = (url: string): string => url.slice(larder.url.length);
const upstreamRequests = () => [...registry.requests, ...pypi.requests, ...maven.requests];

/** Paths that all need a token: each format's metadata and files, the npm pass-through, the API, an unknown repository. */
const guarded = [
  `${larder.npm()}left-pad`,
  `${larder.npm()}left-pad/-/left-pad-1.0.0.tgz`,
  `${larder.npm()}-/v1/search?text=left`,
  `${larder.pypi()}`,
  `${larder.pypi()}frob/`,
  `${larder.maven()}org/larder/test/greeting/maven-metadata.xml`,
  `${larder.maven()}org/larder/test/greeting/1.0/greeting-1.0.pom`,
  `${larder.url}/-/api/repositories`,
  `${larder.url}/npm/no-such-repo/left-pad`,
];

t.test('/ and /-/health answer without a token', async (t) => {
  for (const path of ['/', '/-/health', '/-/health?probe=1']) {
    const answer = await get(`${larder.url}${path}`);
    t.equal(answer.status, 200, `${path}: 200`);
    t.equal(answer.headers['www-authenticate'], undefined, `${path}: no challenge`);
  }
  t.equal((await get(`${larder.url}/-/health`, {}, 'HEAD')).status, 200, 'HEAD /-/health: 200');
});

t.test('no token, a bad token or forwarded-for headers: 401 with a challenge and E_UNAUTHORIZED, and nothing asked upstream', async (t) => {
  const otherDir = await mkdtemp(join(scratch, 'other-data-'));
  const valid = token('alice');
  const [prefix, , signature = ''] = valid.split('.');
  const greedyHead = `lt1.${Buffer.from(JSON.stringify({ sub: 'greedy', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 86_400 })).toString('base64url')}`;
  const greedy = `${greedyHead}.${createHmac('sha256', secret).update(greedyHead).digest('base64url')}`;
  const tampered = `${prefix}.${Buffer.from(JSON.stringify({ sub: 'admin', iat: 1, exp: 9_999_999_999 })).toString('base64url')}.${signature}`;
  [greedy, tampered].forEach((made) => presented.add(made));

  const cases: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['an expired token', bearer(token('late', secret, Date.now() - 3 * HOUR))],
    ['a token signed with a random secret', bearer(token('mallory', randomBytes(32)))],
    ['a token of ANOTHER data dir', bearer(token('elsewhere', await tokenSecret(otherDir)))],
    ['a token of another data dir as Basic password', basic('user', token('elsewhere-basic', await tokenSecret(otherDir)))],
    ['a payload swapped under a valid signature', bearer(tampered)],
    ['a 24 h token signed with the right secret', bearer(greedy)],
    ['a valid token under the wrong scheme', { authorization: `Token ${valid}` }],
    ['a valid token with no scheme', { authorization: valid }],
    ['junk as Bearer', bearer('not-a-token')],
    ['Basic with an empty password and a non-token user', basic('user', '')],
    ['X-Forwarded-For: 127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }],
    ['Forwarded: for=127.0.0.1', { forwarded: 'for=127.0.0.1;proto=http;by=127.0.0.1' }],
    ['X-Real-IP and X-Forwarded-Host', { 'x-real-ip': '127.0.0.1', 'x-forwarded-host': 'localhost', 'x-forwarded-proto': 'https' }],
  ];
  const before = upstreamRequests().length;
  for (const [name, headers] of cases) {
    const wrong: string[] = [];
    for (const url of guarded) {
      for (const method of ['GET', 'HEAD'] as const) {
        const answer = await get(url, headers, method);
        let body: unknown;
        try {
          body = method === 'GET' ? JSON.parse(answer.body) : { error: '(HEAD)', code: 'E_UNAUTHORIZED' };
        } catch (error) {
          body = `not JSON (${(error as Error).message}): ${answer.body.slice(0, 80)}`;
        }
        const challenge = String(answer.headers['www-authenticate'] ?? '');
        const { error, code } = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; code?: unknown };
        if (answer.status !== 401 || !CHALLENGE.test(challenge) || code !== 'E_UNAUTHORIZED' || typeof error !== 'string') {
          wrong.push(`${method} ${pathOf(url)} → ${answer.status} ${challenge} ${JSON.stringify(body).slice(0, 120)}`);
        }
      }
    }
    t.same(wrong, [], `${name}: every guarded path answers 401, the challenge, { error, code: E_UNAUTHORIZED }`);
  }
  t.equal(upstreamRequests().length, before, 'no refused request reached any upstream');
  const refusedLines = larder.logs.filter((line) => line.status === 401);
  t.ok(refusedLines.length >= cases.length * guarded.length, 'each refusal is logged');
  t.ok(refusedLines.every((line) => line.user === undefined && line.code === 'E_UNAUTHORIZED'), 'a refused request is logged with no user');
});

t.test('a valid token as Bearer, Basic password or Basic user: 200, logged with its subject', async (t) => {
  const alice = token('alice');
  const seen = larder.logs.length;
  const packument = await get(`${larder.npm()}left-pad`, bearer(alice));
  t.equal(packument.status, 200, 'npm packument, Bearer');
  const versions = (JSON.parse(packument.body) as { versions: Record<string, { dist: { tarball: string } }> }).versions;
  const tarballUrl = versions['1.0.0']?.dist.tarball ?? '';
  const tarball = new URL(tarballUrl);
  t.ok(tarballUrl.startsWith(larder.npm()) && tarball.username === '' && tarball.password === '', `the tarball URL is larder's, with no credentials (${tarballUrl})`);
  t.equal((await get(tarballUrl, basic('npm-user', alice))).status, 200, 'npm tarball, Basic password');
  t.equal((await get(tarballUrl, bearer(alice), 'HEAD')).status, 200, 'npm tarball, HEAD with Bearer');
  t.equal((await get(`${larder.npm()}-/v1/search?text=left`, { ...bearer(alice), cookie: 'session=from-the-client' })).status, 200, 'npm search pass-through, Bearer');

  const page = await get(`${larder.pypi()}frob/`, basic('pip-user', alice));
  t.equal(page.status, 200, 'PyPI page, Basic password (pip)');
  const fileUrl = /href="([^"#]+)/.exec(page.body)?.[1] ?? '';
  t.ok(fileUrl.startsWith(larder.url), `the file link is larder's (${fileUrl})`);
  t.equal((await get(fileUrl, basic(alice, ''))).status, 200, 'PyPI file, token as Basic user with an empty password');
  t.equal((await get(fileUrl, basic(alice))).status, 200, 'PyPI file, token as Basic user with no colon');

  const pom = `${larder.maven()}org/larder/test/greeting/1.0/greeting-1.0.pom`;
  t.equal((await get(pom, basic('mvn-user', alice))).status, 200, 'Maven pom, Basic password (settings.xml server)');
  t.equal((await get(`${larder.url}/-/api/repositories`, { ...bearer(alice), 'x-forwarded-for': '203.0.113.9' })).status, 200, 'API, Bearer (a foreign X-Forwarded-For changes nothing)');

  for (const url of [`${larder.npm()}left-pad`, pom, `${larder.pypi()}frob/`, `${larder.url}/-/api/repositories`]) {
    const line = await logLineFor(pathOf(url), seen);
    t.equal(line?.user, 'alice', `${pathOf(url)}: the log line names the token's subject`);
  }
});

t.test('a token from `larder token create` (in-process) opens larder; its --name is the logged user', async (t) => {
  const c = capture();
  const code = await run(['token', 'create', '--data-dir', larder.dataDir, '--name', 'cli-made', '--ttl', '2h'], c.io);
  t.equal(code, 0, `token create exits 0 ${c.err()}`);
  const lines = c.out().split('\n').filter((line) => line !== '');
  t.equal(lines.length, 1, 'one line on stdout');
  const made = lines[0] ?? '';
  presented.add(made);
  t.notOk(c.err().includes(made), 'the token is not repeated on stderr');
  const seen = larder.logs.length;
  const url = `${larder.maven()}org/larder/test/greeting/1.0/greeting-1.0.jar`;
  t.equal((await get(url, basic('ci', made))).status, 200, 'Maven jar with the CLI token as Basic password');
  t.equal((await logLineFor(pathOf(url), seen))?.user, 'cli-made', 'logged as cli-made');
});

t.test('the upstreams never receive the client credentials', async (t) => {
  const requests = upstreamRequests();
  t.ok(registry.count('/-/v1/search') > 0 && pypi.requests.length > 0 && maven.requests.length > 0, 'every upstream was asked something (search pass-through included)');
  const carrying = requests.filter((r) => r.headers.authorization !== undefined || r.headers.cookie !== undefined || r.headers['proxy-authorization'] !== undefined);
  t.same(carrying.map((r) => r.path), [], 'no Authorization, Proxy-Authorization or Cookie header upstream');
  const text = JSON.stringify(requests.map((r) => [r.path, r.headers]));
  t.same([...presented].filter((made) => text.includes(made) || text.includes(made.split('.')[2] ?? made)), [], 'no token anywhere in what the upstreams received');
});

t.test('config: a non-loopback listen host needs auth.required, in the file and with --host', async (t) => {
  const dir = t.testdir({
    'open.yaml': 'listen: { host: 0.0.0.0 }\n',
    'open-v6.yaml': 'listen: { host: "::" }\n',
    'named.yaml': 'listen: { host: cache.example.internal }\n',
    'closed.yaml': 'listen: { host: 0.0.0.0 }\nauth: { required: true }\n',
    'loopback.yaml': 'listen: { host: 127.0.0.1 }\n',
    'loopback-auth.yaml': 'listen: { host: 127.0.0.1 }\nauth: { required: true }\n',
  });
  for (const file of ['open.yaml', 'open-v6.yaml', 'named.yaml']) {
    t.same(await configProblems(dir, file), ['listen.host'], `${file}: E_CONFIG_INVALID naming listen.host`);
  }
  for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
    t.same(await configProblems(dir, 'loopback.yaml', { host }), ['--host'], `--host ${host} without auth: E_CONFIG_INVALID naming --host`);
  }
  t.equal((await loadConfigFile(dir, 'closed.yaml')).listen.host, '0.0.0.0', 'with auth.required, 0.0.0.0 loads');
  t.equal((await loadConfigFile(dir, 'loopback-auth.yaml', { host: '0.0.0.0' })).listen.host, '0.0.0.0', 'with auth.required, --host 0.0.0.0 loads');
  for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
    t.equal((await loadConfigFile(dir, 'loopback.yaml', { host })).listen.host, host, `--host ${host} (loopback) loads without auth`);
  }

  // `larder serve` refuses before anything starts.
  let started = 0;
  const c = capture();
  const io = { ...c.io, env: {}, cwd: dir, start: () => Promise.reject(new Error(`started (${(started += 1)})`)) };
  t.equal(await run(['serve', '--config', join(dir, 'loopback.yaml'), '--host', '0.0.0.0', '--data-dir', join(dir, 'data')], io), 2, 'serve --host 0.0.0.0 without auth exits 2');
  t.match(c.err(), /--host/, 'and says which setting');
  t.equal(started, 0, 'nothing was started');
});

t.test('larder token create: the ttl limits, one line on stdout, a 0600 secret', async (t) => {
  const dataDir = join(scratch, 'cli-data');
  const create = async (...args: string[]) => {
    const c = capture();
    const code = await run(['token', 'create', '--data-dir', dataDir, ...args], { ...c.io, env: {} });
    return { code, out: c.out(), err: c.err() };
  };
  // (`--ttl -1h` is read by yargs as the flags -1 -h: it prints the help, so `--ttl=-1h` here.)
  for (const ttl of ['13h', '12h1s', '0', '0s', 'forever', '=-1h']) {
    const result = await create(...(ttl.startsWith('=') ? [`--ttl${ttl}`] : ['--ttl', ttl]));
    t.equal(result.code, 2, `--ttl ${ttl}: exit 2`);
    t.equal(result.out, '', `--ttl ${ttl}: nothing on stdout`);
  }
  const made = await create('--ttl', '30m', '--name', 'short');
  t.equal(made.code, 0, '--ttl 30m: exit 0');
  t.match(made.out, /^lt1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/, 'exactly one token line on stdout');
  const claims = JSON.parse(Buffer.from(made.out.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string; iat: number; exp: number };
  t.same({ sub: claims.sub, life: claims.exp - claims.iat }, { sub: 'short', life: 1800 }, 'subject and a 30 min life');
  t.equal((await stat(join(dataDir, 'token-secret'))).mode & 0o777, 0o600, 'the secret file is mode 0600');
  t.equal((await stat(join(larder.dataDir, 'token-secret'))).mode & 0o777, 0o600, "the daemon's secret file is mode 0600");
  t.equal((await create('--ttl', '12h')).code, 0, '--ttl 12h (the maximum): exit 0');
  t.equal((await create('--name', '')).code, 2, 'an empty --name: exit 2');
});

t.test('the real npm takes the token as _authToken in the project .npmrc', async (t) => {
  const npm = await npmVersion();
  if (npm === undefined) {
    t.comment('SKIP: npm is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const made = token('npm-ci');
  const install = async (label: string, npmrc: string | undefined) => {
    const cwd = join(scratch, `npm-${label}`);
    await mkdir(cwd);
    await writeProject(cwd, { 'left-pad': '^1.0.0' });
    if (npmrc !== undefined) await writeFile(join(cwd, '.npmrc'), npmrc);
    return { cwd, result: await runNpmInstall({ registry: larder.npm(), cwd, cacheDir: join(scratch, `npm-${label}-cache`), timeoutMs: 40_000 }) };
  };
  const refused = await install('without', undefined);
  t.not(refused.result.code, 0, 'without a token: npm install fails');
  t.match(refused.result.stderr, /E401/, `and says E401 (npm ${npm})`);

  const nerfDart = larder.npm().replace(/^http:/, '');
  const { cwd, result } = await install('with', `${nerfDart}:_authToken=${made}\n`);
  t.equal(result.code, 0, `with _authToken: npm install exits 0 ${result.code === 0 ? '' : result.stderr.slice(-2000)}`);
  const manifest = JSON.parse(await readFile(join(cwd, 'node_modules', 'left-pad', 'package.json'), 'utf8')) as { version: string };
  t.equal(manifest.version, '1.1.0', 'left-pad 1.1.0 installed');
  const lock = await readFile(join(cwd, 'package-lock.json'), 'utf8');
  t.notOk(lock.includes(made), 'the lockfile does not carry the token');
  t.ok(larder.logs.some((line) => line.user === 'npm-ci' && String(line.url).endsWith('.tgz') && line.status === 200), 'the tarball request was logged as npm-ci');
});

t.test('the real pip takes the token in the index URL', async (t) => {
  const pip = await pipVersion();
  if (pip === undefined) {
    t.comment('SKIP: pip is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const made = token('pip-ci');
  const refused = await runPipInstall({ indexUrl: larder.pypi(), target: join(scratch, 'pip-without'), requirements: ['frob'], timeoutMs: 40_000 });
  t.not(refused.code, 0, `without a token: pip install fails (pip ${pip})`);

  const seen = larder.logs.length;
  const indexUrl = larder.pypi().replace('http://', `http://user:${made}@`);
  const result = await runPipInstall({ indexUrl, target: join(scratch, 'pip-with'), requirements: ['frob'], timeoutMs: 40_000 });
  t.equal(result.code, 0, `with user:TOKEN@ in --index-url: pip install exits 0 ${result.code === 0 ? '' : result.stdout.slice(-1500) + result.stderr.slice(-1500)}`);
  t.ok((await readdir(join(scratch, 'pip-with'))).includes('frob-1.0.dist-info'), 'frob 1.0 installed');
  const lines = larder.logs.slice(seen).filter((line) => typeof line.status === 'number');
  t.ok(lines.some((line) => line.user === 'pip-ci' && String(line.url).includes('/pypi/default/') && line.status === 200 && line.package === 'frob'), 'pip\'s requests were logged as pip-ci');
});

t.test('the management CLI can reach a larder that requires auth', async (t) => {
  const made = token('admin-cli');
  const without = capture();
  t.equal(await run(['repos', 'list', '--url', larder.url], without.io), 1, 'without a token: exit 1');
  t.match(without.err(), /needs a token/, "and the daemon's reason");
  const ways: Array<[string, string[], NodeJS.ProcessEnv | undefined]> = [
    ['--token', ['--url', larder.url, '--token', made], undefined],
    ['$LARDER_TOKEN', ['--url', larder.url], { LARDER_TOKEN: made }],
    ['the password in --url', ['--url', larder.url.replace('http://', `http://admin:${made}@`)], undefined],
  ];
  for (const [way, args, env] of ways) {
    const c = capture();
    const code = await run(['repos', 'list', ...args], env === undefined ? c.io : { ...c.io, env });
    t.equal(code, 0, `larder repos list with the token as ${way} exits 0 (got ${code}: ${c.err().trim().slice(0, 120)})`);
    t.match(c.out(), /default/, 'and lists the repositories');
    t.notOk(c.out().includes(made) || c.err().includes(made), 'the CLI does not print the token');
  }
});

t.test('no token in any log line, response, or file of the data dir', async (t) => {
  await larder.daemon.settle();
  const needles = [...presented].flatMap((made) => [made, made.split('.')[2] ?? made]);
  t.ok(needles.length >= 20, `searching for ${presented.size} tokens and their signatures`);
  const logText = larder.logs.map((line) => JSON.stringify(line));
  t.ok(logText.some((line) => line.includes('"user":"alice"')), 'control: the log search sees the request lines');
  t.same(needles.filter((needle) => logText.some((line) => line.includes(needle))), [], `none in the ${logText.length} log lines`);
  const answered = answers.map((a) => `${a.headers}\n${a.body}`);
  t.same(needles.filter((needle) => answered.some((text) => text.includes(needle))), [], `none in the ${answers.length} response headers and bodies`);

  const files = await listFiles(larder.dataDir);
  // While the daemon runs, the newest records are in the write-ahead log beside the database.
  const records = files.filter((file) => /records-v1\.sqlite(-wal)?$/.test(file));
  const recordBytes = Buffer.concat(await Promise.all(records.map((file) => readFile(file))));
  t.ok(records.length > 0 && recordBytes.includes('left-pad') && recordBytes.includes('greeting'), `control: the records database is searched (${records.length} files), and its text is readable`);
  const hits: string[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    for (const needle of needles) if (bytes.includes(needle)) hits.push(`${file.slice(larder.dataDir.length)}: ${needle.slice(0, 12)}…`);
  }
  t.same(hits, [], `none in the ${files.length} files of the data dir (records, blob index, blobs)`);
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

t.test('the real mvn answers the 401 challenge with the settings.xml server password', async (t) => {
  const mvn = await findMvn();
  const m2 = userLocalRepository();
  const missing = mvn === undefined ? [] : await missingPlugins(m2, 'compile');
  if (mvn === undefined || missing.length > 0) {
    t.comment(`SKIP: ${mvn === undefined ? 'mvn (or the java it needs) is not installed' : `${m2} lacks plugins the build needs: ${missing.join(', ')}`}; never faked`);
    return;
  }
  // Its own upstream (this machine's local repository, for the plugins) and its own larder.
  const upstream = await startFakeMaven({ from: m2, artifacts: [{ groupId: 'org.larder.test', artifactId: 'greeting', versions: { '1.0': {} } }] });
  const gated = await startTestLarder({ mavenUpstreams: [upstream.url], config: { auth: { required: true } } });
  t.teardown(async () => {
    await gated.stop();
    await upstream.stop();
  });
  const made = createToken(await tokenSecret(gated.dataDir), 'mvn-ci', HOUR, Date.now());
  const build = async (label: string, password: string | undefined) => {
    const project = join(scratch, `mvn-${label}`);
    await writeMavenProject(project, { groupId: 'org.larder.demo', artifactId: 'demo', dependencies: [{ groupId: 'org.larder.test', artifactId: 'greeting', version: '1.0' }] });
    const settings = join(scratch, `mvn-${label}-settings.xml`);
    const globalSettings = join(scratch, `mvn-${label}-global.xml`);
    await writeFile(settings, mavenSettings(gated.maven(), join(scratch, `mvn-${label}-m2`), password));
    await writeFile(globalSettings, '<?xml version="1.0" encoding="UTF-8"?>\n<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0"/>\n');
    const argv = ['-B', '-ntp', '-Dstyle.color=never', '-s', settings, '-gs', globalSettings, `-Dmaven.repo.local=${join(scratch, `mvn-${label}-m2`)}`, '-f', join(project, 'pom.xml'), '-C', '-Dmaven.wagon.http.retryHandler.count=0', 'compile'];
    return runCli('mvn', argv, { cwd: project, env: isolatedMvnEnv(), timeoutMs: 50_000 });
  };
  const refused = await build('without', undefined);
  t.not(refused.code, 0, 'without a server password: mvn fails');
  t.match(refused.stdout, /401/, `and reports the 401 (Maven ${mvn.maven})`);

  const result = await build('with', made);
  t.equal(result.code, 0, `with the token as the server password: mvn compile succeeds ${result.code === 0 ? '' : result.stdout.slice(-3000)}`);
  t.ok(gated.logs.some((line) => line.user === 'mvn-ci' && line.package === 'org.larder.test:greeting' && line.status === 200), 'the dependency was served to mvn-ci');
  t.same(upstream.requests.filter((r) => r.headers.authorization !== undefined).map((r) => r.path), [], 'the upstream got no Authorization header');
  const leaks = [made, made.split('.')[2] ?? made].filter((needle) => gated.logs.some((line) => JSON.stringify(line).includes(needle)));
  t.same(leaks, [], 'the token is in no log line');
});

/** A settings.xml whose one mirror (`larder`, for everything) has a matching `<server>` when a password is given. */
function mavenSettings(mirrorUrl: string, localRepo: string, password: string | undefined): string {
  const server = password === undefined ? '' : `<servers><server><id>larder</id><username>ci</username><password>${xmlEscape(password)}</password></server></servers>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">',
    `  <localRepository>${xmlEscape(localRepo)}</localRepository>`,
    '  <interactiveMode>false</interactiveMode>',
    `  ${server}`,
    `  <mirrors><mirror><id>larder</id><mirrorOf>*</mirrorOf><url>${xmlEscape(mirrorUrl)}</url></mirror></mirrors>`,
    '</settings>',
    '',
  ].join('\n');
}
