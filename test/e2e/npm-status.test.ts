// Issue 5's acceptance with the REAL npm: an Unlisted version is absent from `npm view NAME
// versions` yet installs by exact version (`npm install NAME@X` and from a lockfile), while ranges
// and tags pass it over; an Archived one does not install and npm shows the 404.
//
// How: npm resolves even an exact spec from the packument — the full one, since npm 10, the same
// document `npm view` reads. npm names its command in the `npm-command` header, so larder shows
// installing commands the Unlisted version, marked deprecated (npm's picker takes a deprecated
// version only when it is named exactly or nothing else satisfies), and omits it for `npm view`.
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startTestLarder } from '../helpers/larder.js';
import { npmVersion, runNpm, writeProject } from '../helpers/npm-cli.js';

const NAME = 'status-pkg';

interface ChangeAnswer {
  successfulVersions: Record<string, { status: string }>;
  failedVersions: Record<string, unknown>;
}

t.test('statuses as the real npm sees them: Unlisted installs by exact version only, Archived is a 404', async (t) => {
  const npm = await npmVersion();
  if (npm === undefined) {
    t.comment('SKIP: npm is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const registry = await startFakeNpmRegistry({ packages: [{ name: NAME, versions: { '1.0.0': {}, '1.1.0': {}, '1.2.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-e2e-status-'));
  t.teardown(async () => {
    await larder.stop();
    await registry.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  // Retain all three in `default` and in the gateway `npm-store`, as installs through larder would.
  await (await fetch(`${larder.npm()}${NAME}`)).arrayBuffer();
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
    const res = await fetch(`${larder.npm()}${NAME}/-/${NAME}-${version}.tgz`);
    await res.arrayBuffer();
    t.equal(res.status, 200, `${version} fetched through larder`);
  }
  await larder.daemon.settle();

  const setStatus = async (version: string, targetStatus: string): Promise<void> => {
    for (const repository of ['default', 'npm-store']) {
      const res = await fetch(`${larder.url}/-/api/versions/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ repository, format: 'npm', package: NAME, versions: [version], targetStatus }),
      });
      const body = (await res.json()) as ChangeAnswer;
      t.equal(res.status, 200, `${version} → ${targetStatus} in ${repository}`);
      t.equal(body.successfulVersions[version]?.status, targetStatus, `${repository} reports ${version} ${targetStatus}`);
    }
  };

  let runs = 0;
  /** A fresh project and a fresh npm cache per run: only larder can answer. */
  const npmIn = async (command: string, args: string[]) => {
    runs += 1;
    const cwd = join(scratch, `run-${runs}`);
    await mkdir(cwd);
    await writeProject(cwd, {});
    return runNpm(command, { registry: larder.npm(), cwd, cacheDir: join(scratch, `cache-${runs}`), args, timeoutMs: 120_000 });
  };

  /** A project pinning NAME@version in package-lock.json, resolved through larder while Published. */
  const locked = async (version: string): Promise<string> => {
    const result = await npmIn('install', ['--package-lock-only', `${NAME}@${version}`, '--save-exact']);
    t.equal(result.code, 0, `lockfile pinning ${version} written`);
    if (result.code !== 0) t.comment(result.stderr);
    const dir = join(scratch, `run-${runs}`);
    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; resolved?: string }> };
    t.equal(lock.packages[`node_modules/${NAME}`]?.version, version);
    t.ok(lock.packages[`node_modules/${NAME}`]?.resolved?.startsWith(larder.npm()), 'the lockfile resolves to larder');
    return dir;
  };
  /** `npm ci` in a copy of a locked project, with a fresh cache: only the pinned tarball URL is asked. */
  const ci = async (project: string) => {
    runs += 1;
    const cwd = join(scratch, `run-${runs}`);
    await cp(project, cwd, { recursive: true });
    await rm(join(cwd, 'node_modules'), { recursive: true, force: true });
    return { cwd, result: await runNpm('ci', { registry: larder.npm(), cwd, cacheDir: join(scratch, `cache-${runs}`), timeoutMs: 120_000 }) };
  };
  const lockedUnlisted = await locked('1.1.0');
  const lockedArchived = await locked('1.2.0');

  await setStatus('1.1.0', 'Unlisted');
  const view = await npmIn('view', [NAME, 'versions', '--json']);
  t.equal(view.code, 0, 'npm view exits 0');
  if (view.code !== 0) t.comment(view.stderr);
  t.same(JSON.parse(view.stdout) as unknown, ['1.0.0', '1.2.0'], 'npm view does not list the Unlisted 1.1.0');

  const pinned = await ci(lockedUnlisted);
  t.equal(pinned.result.code, 0, 'npm ci with a lockfile pinning the Unlisted 1.1.0 exits 0');
  if (pinned.result.code !== 0) t.comment(pinned.result.stderr);
  else {
    const manifest = JSON.parse(await readFile(join(pinned.cwd, 'node_modules', NAME, 'package.json'), 'utf8')) as { version: string };
    t.equal(manifest.version, '1.1.0', 'the Unlisted version is installed');
  }
  const installedVersion = async (): Promise<string> => {
    const manifest = JSON.parse(await readFile(join(scratch, `run-${runs}`, 'node_modules', NAME, 'package.json'), 'utf8')) as { version: string };
    return manifest.version;
  };
  const exact = await npmIn('install', [`${NAME}@1.1.0`]);
  t.equal(exact.code, 0, 'npm install NAME@1.1.0 (exact spec, no lockfile) exits 0');
  if (exact.code !== 0) t.comment(exact.stderr);
  else t.equal(await installedVersion(), '1.1.0', 'the exact spec installs the Unlisted version');
  t.match(exact.stderr, /unlisted in this larder repository/, 'npm tells the user why it is marked');
  const range = await npmIn('install', [`${NAME}@>=1.0.0 <1.2.0`]);
  t.equal(range.code, 0, 'a range that the Unlisted version satisfies still resolves');
  if (range.code === 0) t.equal(await installedVersion(), '1.0.0', 'the range passes the higher Unlisted 1.1.0 over');
  const latest = await npmIn('install', [NAME]);
  if (latest.code === 0) t.equal(await installedVersion(), '1.2.0', 'latest is not the Unlisted version');
  else t.fail(`npm install NAME failed: ${latest.stderr}`);

  await setStatus('1.2.0', 'Archived');
  const archived = await npmIn('install', [`${NAME}@1.2.0`]);
  t.not(archived.code, 0, 'npm install NAME@1.2.0 fails once 1.2.0 is Archived');
  const archivedPinned = await ci(lockedArchived);
  t.not(archivedPinned.result.code, 0, 'npm ci with a lockfile pinning the Archived 1.2.0 fails');
  t.match(`${archivedPinned.result.stdout}\n${archivedPinned.result.stderr}`, /404/, "npm's output mentions the 404 larder answered for the tarball");
  t.match(archivedPinned.result.stderr, /1\.2\.0 is Archived/, "larder's 404 message says why, and npm shows it");
  t.comment(`npm ci of the Archived 1.2.0: ${archivedPinned.result.stderr.split("\n").filter((line) => line.includes("404")).join(" / ")}`);
  t.comment(`npm ${npm}`);
});
