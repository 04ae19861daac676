// The real `mvn deploy` into larder (issue 9): project A deploys to `team` with a settings.xml
// server whose password is a larder token, project B depending on A builds through `dev` (whose
// upstream is team), a second deploy of the same version fails, and so does a deploy of
// coordinates the upstream already has, with larder's 409 message in mvn's output. Plugins come
// from a fake upstream serving this machine's ~/.m2/repository read-only; skipped, saying why,
// where mvn or those plugins are missing.
import t from 'tap';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../../src/domain/tokens.js';
import { tokenSecret } from '../../src/store/secret.js';
import { startFakeMaven } from '../helpers/fake-maven.js';
import { artifactPath, checksums, xmlEscape, type MavenCoordinates } from '../helpers/maven-artifacts.js';
import { findMvn, missingPlugins, runMvn, userLocalRepository, writeMavenProject } from '../helpers/mvn-cli.js';
import type { CliRunResult } from '../helpers/run-cli.js';
import { requestLines, startTestLarder } from '../helpers/larder.js';
import { unzip } from '../helpers/zip.js';

/** Pinned like mvn-cli.ts's MAVEN_PLUGINS: versions whose dependency trees this machine's ~/.m2 holds. */
const DEPLOY_PLUGINS = { 'maven-install-plugin': '3.1.1', 'maven-deploy-plugin': '3.1.1' } as const;

async function missingDeployPlugins(repository: string): Promise<string[]> {
  const missing: string[] = [];
  for (const [artifactId, version] of Object.entries(DEPLOY_PLUGINS)) {
    for (const extension of ['pom', 'jar']) {
      const path = join(repository, artifactPath({ groupId: 'org.apache.maven.plugins', artifactId, version, extension }));
      if (!(await stat(path).then((info) => info.isFile(), () => false))) missing.push(`org.apache.maven.plugins:${artifactId}:${version} (${extension})`);
    }
  }
  return missing;
}

const mvn = await findMvn();
const m2 = userLocalRepository();
const missing = mvn === undefined ? [] : [...(await missingPlugins(m2, 'package')), ...(await missingDeployPlugins(m2))];
const skip = mvn === undefined ? 'mvn (or the java it needs) is not installed' : missing.length > 0 ? `${m2} lacks plugins mvn deploy needs: ${missing.join(', ')}` : false;

/** The resolver could not get a plugin (or one of its dependencies) through the mirror: this machine's ~/.m2 lacks it. */
const PLUGIN_UNRESOLVED = /Plugin org\.apache\.maven\.plugins:maven-(deploy|install)-plugin:[^ ]+ or one of its dependencies could not be resolved/;

/** A project with the deploy plugins pinned, a `<distributionManagement>` repository `larder`, and `sources` by path. */
async function writeProject(dir: string, spec: MavenCoordinates & { dependencies?: MavenCoordinates[]; deployTo: string; sources: Record<string, string> }): Promise<void> {
  await writeMavenProject(dir, { groupId: spec.groupId, artifactId: spec.artifactId, version: spec.version, dependencies: spec.dependencies ?? [] });
  const pomPath = join(dir, 'pom.xml');
  const plugins = Object.entries(DEPLOY_PLUGINS).map(
    ([artifactId, version]) => `        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></plugin>`,
  );
  const pom = (await readFile(pomPath, 'utf8'))
    .replace('      </plugins>\n    </pluginManagement>', `${plugins.join('\n')}\n      </plugins>\n    </pluginManagement>`)
    .replace('</project>', `  <distributionManagement><repository><id>larder</id><url>${xmlEscape(spec.deployTo)}</url></repository></distributionManagement>\n</project>`);
  if (!pom.includes('maven-deploy-plugin') || !pom.includes('<distributionManagement>')) throw new Error('writeMavenProject\'s pom changed shape; update writeProject');
  await writeFile(pomPath, pom);
  for (const [path, text] of Object.entries(spec.sources)) {
    const file = join(dir, 'src', 'main', 'java', path);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text);
  }
}

const GREETER = { groupId: 'org.larder.demo', artifactId: 'greeter', version: '1.0' };
const GREETER_SOURCE = 'package greeter;\n\npublic final class Greeter {\n  public static String greet(String name) {\n    return "hello, " + name;\n  }\n}\n';
const CONSUMER_SOURCE = 'package consumer;\n\npublic final class Uses {\n  public static void main(String[] args) {\n    System.out.println(greeter.Greeter.greet("larder"));\n  }\n}\n';

t.test('mvn deploy into larder, a build that consumes it, and the deploys larder refuses', { skip }, async (t) => {
  const upstream = await startFakeMaven({ from: m2, artifacts: [{ groupId: 'org.larder.test', artifactId: 'taken', versions: { '1.0': {} } }] });
  const larder = await startTestLarder({
    repositories: {
      team: { publish: true, upstreams: ['maven-store'] },
      'maven-store': { external: { format: 'maven', url: upstream.url } },
      dev: { upstreams: ['team'] },
    },
  });
  const scratch = await mkdtemp(join(tmpdir(), 'larder-mvn-deploy-'));
  t.teardown(async () => {
    await larder.stop();
    await upstream.stop();
    await rm(scratch, { recursive: true, force: true });
  });
  const token = createToken(await tokenSecret(larder.dataDir), 'ci-deployer', 60 * 60 * 1000, Date.now());
  const server = { id: 'larder', username: 'ci', password: token };
  const explain = (run: CliRunResult): void => t.comment(`${run.argv.join(' ')}\n${run.stdout.slice(-6000)}${run.stderr.slice(-2000)}`);

  const projectA = join(scratch, 'greeter');
  await writeProject(projectA, { ...GREETER, deployTo: larder.maven('team'), sources: { 'greeter/Greeter.java': GREETER_SOURCE } });
  const deployed = await runMvn({ projectDir: projectA, mirrorUrl: larder.maven('dev'), localRepo: join(scratch, 'a-m2'), goals: ['deploy'], server, timeoutMs: 240_000 });
  if (deployed.code !== 0 && PLUGIN_UNRESOLVED.test(deployed.stdout)) {
    t.comment(`SKIP: the deploy or install plugin (or a dependency of it) cannot be resolved offline from ${m2}:\n${/\[ERROR\].*/.exec(deployed.stdout)?.[0] ?? ''}`);
    return;
  }
  t.equal(deployed.code, 0, 'mvn deploy of org.larder.demo:greeter:1.0 into team succeeds');
  if (deployed.code !== 0) return explain(deployed);
  const puts = requestLines(larder.logs).filter((line) => line.method === 'PUT');
  const put = (file: string): boolean => puts.some((line) => line.url === `/maven/team/org/larder/demo/greeter/${file}` && line.status === 201 && line.user === 'ci-deployer');
  for (const file of ['1.0/greeter-1.0.jar', '1.0/greeter-1.0.jar.sha1', '1.0/greeter-1.0.jar.md5', '1.0/greeter-1.0.pom', '1.0/greeter-1.0.pom.sha1', 'maven-metadata.xml', 'maven-metadata.xml.sha1']) {
    t.ok(put(file), `mvn PUT ${file}: 201, as ci-deployer`);
  }

  const builtJar = await readFile(join(projectA, 'target', 'greeter-1.0.jar'));
  const served = await fetch(`${larder.maven('dev')}org/larder/demo/greeter/1.0/greeter-1.0.jar`);
  t.equal(served.status, 200);
  t.ok(Buffer.from(await served.arrayBuffer()).equals(builtJar), 'dev serves the jar mvn built, byte for byte');
  t.equal(await (await fetch(`${larder.maven('dev')}org/larder/demo/greeter/1.0/greeter-1.0.jar.sha1`)).text(), checksums(builtJar).sha1);
  const metadata = await (await fetch(`${larder.maven('dev')}org/larder/demo/greeter/maven-metadata.xml`)).text();
  t.match(metadata, /<version>1\.0<\/version>/, 'maven-metadata.xml through dev lists it');

  t.test('project B depending on it builds through dev', async (t) => {
    const projectB = join(scratch, 'consumer');
    await writeProject(projectB, { groupId: 'org.larder.demo', artifactId: 'consumer', version: '1.0', dependencies: [GREETER], deployTo: larder.maven('team'), sources: { 'consumer/Uses.java': CONSUMER_SOURCE } });
    const built = await runMvn({ projectDir: projectB, mirrorUrl: larder.maven('dev'), localRepo: join(scratch, 'b-m2'), goals: ['package'], timeoutMs: 240_000 });
    t.equal(built.code, 0, 'mvn package of a project using greeter.Greeter succeeds with checksums strict');
    if (built.code !== 0) return explain(built);
    t.ok(unzip(await readFile(join(projectB, 'target', 'consumer-1.0.jar'))).has('consumer/Uses.class'), 'compiled against the deployed jar');
    const fetched = await readFile(join(scratch, 'b-m2', 'org', 'larder', 'demo', 'greeter', '1.0', 'greeter-1.0.jar'));
    t.ok(fetched.equals(builtJar), 'B\'s local repository holds the deployed jar');
  });

  t.test('deploying the same version again fails', async (t) => {
    const again = await runMvn({ projectDir: projectA, mirrorUrl: larder.maven('dev'), localRepo: join(scratch, 'a-m2'), goals: ['deploy'], server, timeoutMs: 240_000 });
    t.not(again.code, 0, 'mvn deploy fails');
    t.match(again.stdout, /status: 409/, 'with larder\'s 409');
    t.match(again.stdout, /org\.larder\.demo:greeter@1\.0 is already published in team/, 'and its message');
  });

  t.test('deploying coordinates the upstream has fails with larder\'s message', async (t) => {
    const projectC = join(scratch, 'taken');
    await writeProject(projectC, { groupId: 'org.larder.test', artifactId: 'taken', version: '1.0', deployTo: larder.maven('team'), sources: { 'taken/Taken.java': 'package taken;\n\npublic final class Taken {}\n' } });
    const clash = await runMvn({ projectDir: projectC, mirrorUrl: larder.maven('dev'), localRepo: join(scratch, 'c-m2'), goals: ['deploy'], server, timeoutMs: 240_000 });
    t.not(clash.code, 0, 'mvn deploy fails');
    t.match(clash.stdout, /status: 409/);
    t.match(clash.stdout, /org\.larder\.test:taken@1\.0 already exists on .* \(through maven-store\)/, 'larder\'s message is in mvn\'s output');
  });

  t.test('without the server credentials mvn is told to authenticate', async (t) => {
    const anonymous = await runMvn({ projectDir: projectA, mirrorUrl: larder.maven('dev'), localRepo: join(scratch, 'a-m2'), goals: ['deploy'], timeoutMs: 240_000 });
    t.not(anonymous.code, 0, 'mvn deploy fails');
    t.match(anonymous.stdout, /status: 401 this larder needs a token/, 'larder\'s 401 and how to get a token');
  });
});
