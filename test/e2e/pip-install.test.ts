// The real `pip install` through larder against a fake PyPI: cold, warm, and warm with the
// upstream down — a project with a dependency, pip isolated from every other index.
import t from 'tap';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder } from '../helpers/larder.js';
import { pipVersion, runPipInstall } from '../helpers/pip-cli.js';

t.test('pip install through larder: cold, warm, upstream down, upstream stopped', async (t) => {
  const pip = await pipVersion();
  if (pip === undefined) {
    t.comment('SKIP: pip is not installed on this machine; this test drives the real client and is never faked');
    return;
  }
  const pypi = await startFakePypi({
    projects: [
      { name: 'Frob-App', versions: { '1.0.0': {}, '1.2.0': { requires: ['tiny_dep>=0.2'], metadataFile: true } } },
      { name: 'tiny-dep', versions: { '0.1': {}, '0.2.1': { sdist: true } } },
    ],
  });
  const larder = await startTestLarder({ pypiUpstream: { url: pypi.url } });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-pip-'));
  t.teardown(async () => {
    await larder.stop();
    await pypi.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const install = async (label: string): Promise<void> => {
    const target = join(scratch, label);
    const result = await runPipInstall({ indexUrl: larder.pypi(), target, requirements: ['frob-app'], timeoutMs: 120_000 });
    t.equal(result.code, 0, `${label}: pip install exits 0`);
    if (result.code !== 0) t.comment(result.stdout + result.stderr);
    const installed = await readdir(target);
    t.ok(installed.includes('frob_app-1.2.0.dist-info'), `${label}: frob-app 1.2.0 installed`);
    t.ok(installed.includes('tiny_dep-0.2.1.dist-info'), `${label}: its dependency tiny-dep 0.2.1 installed`);
    t.comment(`${label}: ${result.ms} ms (pip ${pip})`);
  };

  await install('cold');
  const filesAfterCold = pypi.count((r) => r.path.startsWith('/packages/'));
  t.ok(filesAfterCold >= 2, `cold: files came from the upstream (${filesAfterCold} requests)`);
  await larder.daemon.settle();

  await install('warm');
  t.equal(pypi.count((r) => r.path.startsWith('/packages/')), filesAfterCold, 'warm: no file from the upstream');

  // Down but still counting: connections are accepted and dropped, so any request would show.
  pypi.fault = { kind: 'down' };
  pypi.clearRequests();
  const seen = larder.logs.length;
  await install('outage');
  t.equal(pypi.requests.length, 0, 'upstream down: larder made no upstream request');
  const files = larder.logs.slice(seen).filter((line) => typeof line.status === 'number' && String(line.url).includes('/files/'));
  t.ok(files.length >= 2 && files.every((line) => line.status === 200 && line.cache === 'hit'), 'every file was a local hit');

  await pypi.stop();
  await install('stopped');
});
