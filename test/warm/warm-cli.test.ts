/**
 * `larder warm` as a command: parsed by yargs with warmCommand (main.ts registers it; the test
 * builds the same parser around it), then run through warmLockfiles with a lockfile reader that
 * hands back LockfileContents built here, so nothing depends on the readers being written beside
 * it. A real daemon in front of a fake npm registry answers.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import yargs from 'yargs';
import type { CliIo } from '../../src/cli/io.js';
import { warmCommand, warmLockfiles, type LockfileReader, type WarmArgs } from '../../src/cli/warm.js';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import type { LockfileContents } from '../../src/warm/types.js';
import { api } from '../api/seed.js';
import { startFakeNpmRegistry, type FakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

function capture(options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Captured {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => (err += text), stderrIsTTY: options.tty === true, env: options.env ?? {}, cwd: '/project' };
  return { io, out: () => out, err: () => err };
}

/** Parses argv as `larder warm …` would be; `selected` says whether yargs chose the command. */
async function parse(argv: string[], io: CliIo): Promise<{ args: WarmArgs; output: string; error: Error | undefined; selected: boolean }> {
  let selected = false;
  const parser = yargs()
    .scriptName('larder')
    .locale('en')
    .exitProcess(false)
    .command(warmCommand(io, () => (selected = true)))
    .strict()
    .help()
    .wrap(100);
  return new Promise((resolve) => {
    void parser.parse(argv, {}, (error, args, output) => resolve({ args: args as unknown as WarmArgs, output, error: error ?? undefined, selected }));
  });
}

const LOCK: LockfileContents = {
  kind: 'package-lock.json v3',
  format: 'npm',
  items: [
    { format: 'npm', name: 'left-pad', version: '1.0.0' },
    { format: 'npm', name: '@acme/util', version: '2.0.0' },
  ],
  skipped: [{ entry: 'node_modules/local', reason: 'a file: dependency' }],
};
const BROKEN: LockfileContents = { kind: 'package-lock.json v3', format: 'npm', items: [{ format: 'npm', name: 'left-pad', version: '1.0.0' }, { format: 'npm', name: 'nowhere', version: '1.0.0' }], skipped: [] };

/** A reader over lockfiles held in memory, keyed by absolute path; records what it was asked. */
function reader(files: Record<string, LockfileContents>, asked: string[] = []): LockfileReader {
  return async (path) => {
    asked.push(path);
    const contents = files[path];
    if (contents === undefined) throw new Error(`no lockfile ${path}`);
    return contents;
  };
}

async function setUp(t: Test, config: Record<string, unknown> = {}): Promise<{ registry: FakeNpmRegistry; larder: TestLarder }> {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {} } }, { name: '@acme/util', versions: { '2.0.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, config: { defaults: { refresh: 'blocking', ingestionDeadline: '10s', prefetch: false }, ...config } });
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
  });
  return { registry, larder };
}

t.test('--help shows the options and an example', async (t) => {
  const c = capture();
  const parsed = await parse(['warm', '--help'], c.io);
  t.equal(parsed.selected, false);
  t.match(parsed.output, 'larder warm <lockfile..>');
  t.match(parsed.output, /--concurrency/);
  t.match(parsed.output, /--dry-run/);
  t.match(parsed.output, /--repo/);
  t.match(parsed.output, /larder warm package-lock\.json/);
  t.match(parsed.output, /Exit status: 0 when every listed version is retained/);
  const none = await parse(['warm'], c.io);
  t.match(none.error?.message, /Not enough non-option arguments/);
});

t.test('warm, a failure listed with its fix, then all retained', async (t) => {
  const { larder } = await setUp(t);
  const asked: string[] = [];
  const files = { '/project/package-lock.json': LOCK, '/project/broken/package-lock.json': BROKEN };
  const dry = capture();
  const dryArgs = (await parse(['warm', 'package-lock.json', '--dry-run', '--url', larder.url], dry.io)).args;
  t.equal(await warmLockfiles(dryArgs, dry.io, reader(files, asked)), 1, 'a dry run with something missing exits 1');
  t.same(asked, ['/project/package-lock.json'], 'paths are resolved against the working directory');
  t.match(dry.out(), 'missing   npm  left-pad@1.0.0 (not retained in default)\n');
  t.match(dry.out(), /2 versions listed for default at http:\/\/127\.0\.0\.1:\d+: 0 already retained, 2 not retained/);
  t.match(dry.err(), 'larder: package-lock.json: skipped node_modules/local: a file: dependency\n');

  const bad = capture();
  const badArgs = (await parse(['warm', 'broken/package-lock.json', '--url', larder.url], bad.io)).args;
  t.equal(await warmLockfiles(badArgs, bad.io, reader(files)), 1, 'a failure exits 1');
  t.match(bad.out(), /^2 versions into default at http:\/\/127\.0\.0\.1:\d+: 1 fetched, 0 already retained, 1 failed, [\d.]+ [KM]?B in [\d.]+ s\n$/);
  t.match(bad.err(), /^failed: npm nowhere@1\.0\.0: larder answered 404 E_NOT_FOUND for nowhere@1\.0\.0 \(nowhere-1\.0\.0\.tgz\): .*\. To fix: check that this name and version exist/m);

  const good = capture();
  const goodArgs = (await parse(['warm', 'package-lock.json', '--url', larder.url, '--concurrency', '1'], good.io)).args;
  t.equal(await warmLockfiles(goodArgs, good.io, reader(files)), 0, 'everything retained: exit 0');
  t.match(good.out(), /2 versions into default at .*: 1 fetched, 1 already retained, 0 failed/, 'left-pad came with the broken lockfile already');
  t.equal(good.err(), 'larder: package-lock.json: skipped node_modules/local: a file: dependency\n', 'no failure lines');

  const after = capture();
  const afterArgs = (await parse(['warm', 'package-lock.json', '--dry-run', '--url', larder.url], after.io)).args;
  t.equal(await warmLockfiles(afterArgs, after.io, reader(files)), 0);
  t.match(after.out(), 'retained  npm  @acme/util@2.0.0\n');
  t.match(after.out(), /2 already retained, 0 not retained/);
});

t.test('--json, --repo, several lockfiles with the same version', async (t) => {
  const { larder } = await setUp(t);
  const files = { '/project/a.json': LOCK, '/project/b.json': { ...LOCK, skipped: [] } };
  const c = capture();
  const args = (await parse(['warm', 'a.json', 'b.json', '--repo', 'npm-store', '--json', '--url', larder.url], c.io)).args;
  t.equal(await warmLockfiles(args, c.io, reader(files)), 0);
  const printed = JSON.parse(c.out()) as { ok: boolean; lockfiles: Array<{ path: string; items: number }>; reports: Array<{ repository: string; items: unknown[]; fetched: number }> };
  t.equal(printed.ok, true);
  t.same(printed.lockfiles.map((file) => [file.path, file.items]), [['a.json', 2], ['b.json', 2]]);
  t.equal(printed.reports.length, 1);
  t.equal(printed.reports[0]?.repository, 'npm-store');
  t.equal(printed.reports[0]?.items.length, 2, 'a version listed twice is warmed once');
  const inStore = await api(larder.url, 'versions/describe?repository=npm-store&format=npm&package=left-pad&version=1.0.0');
  const inDefault = await api(larder.url, 'versions/describe?repository=default&format=npm&package=left-pad&version=1.0.0');
  t.equal(inStore.status, 200, 'retained in the repository asked');
  t.equal(inDefault.status, 404, 'and not in one that was not asked');
});

t.test('a progress bar with failures on a terminal; bad usage', async (t) => {
  const { larder } = await setUp(t);
  const c = capture({ tty: true });
  const args = (await parse(['warm', 'package-lock.json', '--url', larder.url], c.io)).args;
  t.equal(await warmLockfiles(args, c.io, reader({ '/project/package-lock.json': BROKEN })), 1);
  t.match(c.err(), /\rwarming \[[#.]+\] \d+% \d\/2 .*\/s \d failed/);
  t.match(c.err(), '\r\u001b[K', 'the bar is cleared before the summary');

  const zero = (await parse(['warm', 'package-lock.json', '--url', larder.url, '--concurrency', '0'], c.io)).args;
  await t.rejects(warmLockfiles(zero, c.io, reader({ '/project/package-lock.json': LOCK })), { code: 'E_USAGE', message: /--concurrency must be a whole number/ });
  const empty = capture();
  const emptyArgs = (await parse(['warm', 'x.txt', '--url', larder.url], empty.io)).args;
  t.equal(await warmLockfiles(emptyArgs, empty.io, reader({ '/project/x.txt': { kind: 'requirements.txt', format: 'pypi', items: [], skipped: [] } })), 0);
  t.equal(empty.out(), 'nothing to warm: the lockfiles list no versions\n');
});

t.test('a daemon that requires auth takes the token from --token or $LARDER_TOKEN', async (t) => {
  const { larder } = await setUp(t, { auth: { required: true } });
  const token = createToken(await tokenSecret(larder.dataDir), 'ci', 60_000, Date.now());
  const files = { [join('/project', 'package-lock.json')]: LOCK };
  const without = capture();
  const noToken = (await parse(['warm', 'package-lock.json', '--url', larder.url], without.io)).args;
  await t.rejects(warmLockfiles(noToken, without.io, reader(files)), { code: 'E_UNAUTHORIZED', message: /--token or \$LARDER_TOKEN/ });
  const fromEnv = capture({ env: { LARDER_TOKEN: token } });
  const envArgs = (await parse(['warm', 'package-lock.json', '--url', larder.url], fromEnv.io)).args;
  t.equal(await warmLockfiles(envArgs, fromEnv.io, reader(files)), 0, fromEnv.err());
  const flag = capture();
  const flagArgs = (await parse(['warm', 'package-lock.json', '--dry-run', '--url', larder.url, '--token', token], flag.io)).args;
  t.equal(await warmLockfiles(flagArgs, flag.io, reader(files)), 0, 'the dry run asks the API with the token too');
});
