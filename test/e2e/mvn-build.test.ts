// The real `mvn package` through larder, whose one Maven connection is a fake repository that
// serves this machine's ~/.m2/repository (read-only) plus the test's own artifacts: cold, warm,
// and warm with the upstream down and stopped. Skipped, saying why, where the machine lacks mvn
// or the plugins the build needs.
import t from 'tap';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeMaven } from '../helpers/fake-maven.js';
import type { MavenDependency } from '../helpers/maven-artifacts.js';
import { findMvn, missingPlugins, runMvn, userLocalRepository, writeMavenProject } from '../helpers/mvn-cli.js';
import { startTestLarder } from '../helpers/larder.js';
import { unzip } from '../helpers/zip.js';

const mvn = await findMvn();
const m2 = userLocalRepository();
const missing = mvn === undefined ? [] : await missingPlugins(m2, 'package');
const skip = mvn === undefined ? 'mvn (or the java it needs) is not installed' : missing.length > 0 ? `${m2} lacks plugins the build needs: ${missing.join(', ')}` : false;

const GREETING: MavenDependency = { groupId: 'org.larder.test', artifactId: 'greeting', version: '1.0' };

t.test('mvn package through larder: cold, warm, upstream down, upstream stopped', { skip }, async (t) => {
  const upstream = await startFakeMaven({
    from: m2,
    artifacts: [
      { groupId: 'org.larder.test', artifactId: 'greeting', versions: { '1.0': { dependencies: [{ groupId: 'org.larder.test', artifactId: 'words', version: '[2.0,3.0)' }] } } },
      { groupId: 'org.larder.test', artifactId: 'words', versions: { '2.0': {}, '2.1': {}, '3.0': {} } },
    ],
  });
  const larder = await startTestLarder({ mavenUpstreams: [upstream.url] });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-mvn-'));
  t.teardown(async () => {
    await larder.stop();
    await upstream.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  /** A fresh project and an empty local repository each time: only larder can serve the build. */
  const build = async (label: string): Promise<boolean> => {
    const project = join(scratch, `${label}-project`);
    await writeMavenProject(project, { groupId: 'org.larder.demo', artifactId: 'demo', dependencies: [GREETING] });
    const run = await runMvn({ projectDir: project, mirrorUrl: larder.maven(), localRepo: join(scratch, `${label}-m2`), goals: ['package'], timeoutMs: 240_000 });
    t.equal(run.code, 0, `${label}: mvn package succeeds`);
    if (run.code !== 0) {
      t.comment(run.stdout.slice(-5000) + run.stderr.slice(-2000));
      return false;
    }
    const jar = unzip(await readFile(join(project, 'target', 'demo-1.0-SNAPSHOT.jar')));
    t.ok(jar.has('demo/App.class'), `${label}: compiled and packaged`);
    t.comment(`${label}: ${run.ms} ms (Maven ${mvn?.maven ?? '?'})`);
    return true;
  };

  if (!(await build('cold'))) return;
  const coldFiles = upstream.count((r) => /\.(jar|pom)$/.test(r.path));
  t.ok(coldFiles > 20, `cold: plugins and dependencies came through larder (${coldFiles} files)`);
  await larder.daemon.settle();

  await build('warm');
  t.equal(upstream.count((r) => /\.(jar|pom)$/.test(r.path)), coldFiles, 'warm: no jar or pom from the upstream');

  // Down but still counting: any request larder made would show up here.
  upstream.fault = { kind: 'down' };
  upstream.clearRequests();
  await build('outage');
  t.same(upstream.requests.map((r) => r.path), [], 'upstream down: larder made no upstream request at all');

  await upstream.stop();
  await build('stopped');
});
