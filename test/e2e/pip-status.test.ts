// Issue 5's status effects with the REAL pip: an Unlisted version installs only when pinned with
// `==` (larder lists its files yanked, PEP 592, which is exactly pip's rule for yanked files) and
// an unpinned or ranged requirement passes it over; an Archived version does not install at all.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder } from '../helpers/larder.js';
import { pipVersion, runPipInstall } from '../helpers/pip-cli.js';

interface ChangeAnswer {
  successfulVersions: Record<string, { status: string }>;
}

t.test('statuses as the real pip sees them: Unlisted installs only when pinned, Archived never', async (t) => {
  const pip = await pipVersion();
  if (pip === undefined) {
    t.comment('SKIP: pip is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const pypi = await startFakePypi({ projects: [{ name: 'frob', versions: { '1.0': {}, '1.1': {}, '1.2': {} } }] });
  const larder = await startTestLarder({ pypiUpstream: { url: pypi.url } });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-pip-status-'));
  t.teardown(async () => {
    await larder.stop();
    await pypi.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  let runs = 0;
  /** pip install into a fresh target; the installed frob version, or undefined when pip failed. */
  const install = async (requirement: string): Promise<{ version?: string; output: string }> => {
    runs += 1;
    const target = join(scratch, `run-${runs}`);
    const result = await runPipInstall({ indexUrl: larder.pypi(), target, requirements: [requirement], timeoutMs: 120_000 });
    const output = result.stdout + result.stderr;
    if (result.code !== 0) return { output };
    const info = (await readdir(target)).find((entry) => entry.startsWith('frob-') && entry.endsWith('.dist-info'));
    return { version: info?.slice('frob-'.length, -'.dist-info'.length), output };
  };
  const setStatus = async (version: string, targetStatus: string): Promise<void> => {
    for (const repository of ['default', 'pypi-store']) {
      const res = await fetch(`${larder.url}/-/api/versions/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ repository, format: 'pypi', package: 'frob', versions: [version], targetStatus }),
      });
      const body = (await res.json()) as ChangeAnswer;
      t.equal(body.successfulVersions[version]?.status, targetStatus, `${version} → ${targetStatus} in ${repository}`);
    }
  };

  // Retain all three versions in `default` and the gateway, as installs through larder would.
  for (const version of ['1.0', '1.1', '1.2']) t.equal((await install(`frob==${version}`)).version, version, `frob ${version} installs while Published`);
  await larder.daemon.settle();

  await setStatus('1.1', 'Unlisted');
  t.equal((await install('frob==1.1')).version, '1.1', 'pinned with ==: the Unlisted 1.1 installs');
  t.equal((await install('frob<1.2')).version, '1.0', 'a range passes the higher Unlisted 1.1 over');
  t.equal((await install('frob')).version, '1.2', 'unpinned: the newest listed version');
  const page = await fetch(`${larder.pypi()}frob/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  const json = (await page.json()) as { versions: string[]; files: Array<{ filename: string; yanked?: unknown }> };
  const files11 = json.files.filter((file) => file.filename.includes('-1.1'));
  t.ok(files11.length > 0 && files11.every((file) => typeof file.yanked === 'string'), "the Unlisted version's files are listed yanked, with larder's reason");
  t.notOk(json.files.some((file) => !file.filename.includes('-1.1') && file.yanked !== undefined), 'no other file is yanked');

  await setStatus('1.2', 'Archived');
  const archived = await install('frob==1.2');
  t.equal(archived.version, undefined, 'the Archived 1.2 does not install, even pinned');
  t.match(archived.output, /No matching distribution found for frob==1\.2/, "pip's own words");
  t.equal((await install('frob')).version, '1.0', 'unpinned after 1.2 is Archived: 1.0, never the Unlisted 1.1');
  t.comment(`pip ${pip}`);
});
