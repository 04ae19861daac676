/**
 * Runs the REAL `mvn` against one mirror URL, isolated from the user's and the machine's Maven
 * configuration, with a local repository the test owns, so the only thing that can serve it is
 * the mirror given.
 *
 *   if ((await mvnVersion()) === undefined) return t.skip('mvn or java is not installed');  // never fake
 *   await writeMavenProject(dir, { groupId: 'org.example', artifactId: 'demo', dependencies: [...] });
 *   const run = await runMvn({ projectDir: dir, mirrorUrl: larderUrl, localRepo: emptyDir, goals: ['package'] });
 *
 * Isolation, and why (Maven 3.8.7 checked):
 *   - `-s` a settings.xml written per run: one `<mirror>` with id `larder`, `<mirrorOf>*</mirrorOf>`,
 *     so every repository (the super POM's central, any `<repositories>` a pom declares, plugin
 *     repositories) goes to the mirror; `<localRepository>` set as well as `-Dmaven.repo.local`.
 *   - `-gs` an empty global settings.xml: the machine's ${maven.home}/conf/settings.xml could add
 *     mirrors, proxies or profiles (3.8's own adds the `maven-default-http-blocker` mirror).
 *   - the environment drops MAVEN_* (MAVEN_OPTS, MAVEN_ARGS, MAVEN_CONFIG), M2_HOME,
 *     JAVA_TOOL_OPTIONS / JDK_JAVA_OPTIONS / _JAVA_OPTIONS / JAVA_OPTS (they can set -Dhttp.proxyHost
 *     or -Dmaven.repo.local), proxy variables, NODE_OPTIONS and tap's variables; it sets
 *     MAVEN_SKIP_RC=1 so the launcher skips /etc/mavenrc and ~/.mavenrc. JAVA_HOME is kept: it
 *     only picks the JDK.
 *   - writeMavenProject creates an empty `.mvn/` in the project, so the launcher does not adopt an
 *     ancestor directory's `.mvn/jvm.config` / `maven.config`.
 *   - an active profile redeclares `central` with snapshots enabled (the usual mirror recipe):
 *     the super POM disables them, and a mirror inherits that, so SNAPSHOT dependencies would
 *     never be requested at all.
 *   - `-B -ntp -Dstyle.color=never`: batch mode, no progress lines, no ANSI colours.
 *   - checksums default to strict (`-C`): a sidecar that disagrees with the bytes fails the build
 *     instead of printing a warning, so a digest bug cannot pass unnoticed.
 *   - `-Dmaven.wagon.http.retryHandler.count=0` by default: wagon otherwise retries a failed
 *     request three times, which hides one-shot faults and slows outages down. (Measured: a reset
 *     in the middle of a body is not retried whatever the count.)
 *   - `-Dmaven.wagon.rto` (read timeout, default 30 s; Maven's own is 30 min) so a hanging server
 *     fails the build instead of the test's timeout. Measured: 3.8.7's wagon transport ignores
 *     `aether.connector.requestTimeout` for this (a hang outlived it); it is passed too, for the
 *     native transport of later Maven versions.
 *   - `-U` is NOT passed unless `updateSnapshots`: with an empty local repository it changes nothing,
 *     and on a warm local repository it would make every run re-check metadata, hiding whether
 *     larder's cached copies are used; SNAPSHOT tests ask for it.
 *
 * Plugins: Maven 3.8's default bindings (resources 2.6, compiler 3.1, surefire 2.12.4, jar 2.4)
 * pull plugin dependencies from the Maven 2 era that a present-day ~/.m2/repository usually lacks.
 * writeMavenProject pins MAVEN_PLUGINS instead: `compile` needs resources + compiler, `package`
 * also surefire + jar (no tests, so surefire resolves no provider).
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { filterEnv, probeStdout, runCli, type CliRunResult } from './run-cli.js';
import { artifactPath, buildPom, xmlEscape, type MavenDependency } from './maven-artifacts.js';

/** Plugin versions the written pom pins, chosen so their whole dependency trees are in this machine's ~/.m2/repository. */
export const MAVEN_PLUGINS = {
  'maven-resources-plugin': '3.3.1',
  'maven-compiler-plugin': '3.13.0',
  'maven-surefire-plugin': '3.2.5',
  'maven-jar-plugin': '3.4.1',
} as const;

/** The plugins each goal set needs. */
export const PLUGINS_FOR: Record<'compile' | 'package', (keyof typeof MAVEN_PLUGINS)[]> = {
  compile: ['maven-resources-plugin', 'maven-compiler-plugin'],
  package: ['maven-resources-plugin', 'maven-compiler-plugin', 'maven-surefire-plugin', 'maven-jar-plugin'],
};

export interface MvnRunOptions {
  projectDir: string;
  /** The repository URL every request goes to (a fake, or larder's `/maven/REPO/`). */
  mirrorUrl: string;
  /** `-Dmaven.repo.local`: a temp dir the test owns (empty for a cold build). */
  localRepo: string;
  goals: string[];
  /** Kill mvn (SIGKILL) after this long; default 120 s. */
  timeoutMs?: number;
  /** `-o`: Maven must not touch the network at all. */
  offline?: boolean;
  /** `-U`: re-check SNAPSHOTs and metadata. Default false (see the top of this file). */
  updateSnapshots?: boolean;
  /** 'strict' (default, `-C`) fails on a checksum mismatch; 'warn' is Maven's default; 'lax' is `-c`. */
  checksums?: 'strict' | 'warn' | 'lax';
  /** Wagon's retry count; default 0. */
  retries?: number;
  /** Per-request read timeout; default 30 s. */
  requestTimeoutMs?: number;
  /** A `<server>` in settings.xml: credentials for the pom's repository of that id (a deploy's). */
  server?: { id: string; username: string; password: string };
  /** Extra arguments before the goals (e.g. `-X`, `-e`, `-Dkey=value`). */
  args?: string[];
  /** The environment to isolate; default process.env (tests pass a hostile one to prove isolation). */
  parentEnv?: NodeJS.ProcessEnv;
  /** Extra environment variables (added after the isolation filter). */
  env?: Record<string, string>;
}

/** Exit code (null when mvn was killed), signal, timedOut, stdout, stderr, ms, argv (with `mvn`), and: */
export interface MvnRunResult extends CliRunResult {
  /** The user settings.xml used (deleted after the run; kept here for messages). */
  settings: string;
}

const DROPPED_ENV = /^(MAVEN_|M2_|M2$|JAVA_TOOL_OPTIONS$|JDK_JAVA_OPTIONS$|_JAVA_OPTIONS$|JAVA_OPTS$|NODE_OPTIONS$|NODE_V8_COVERAGE$|TAP_|_TAPJS_|(HTTPS?|ALL|NO|FTP)_PROXY$)/i;

/** The parent's environment minus everything that could configure Maven or the JVM, plus MAVEN_SKIP_RC=1. */
export function isolatedMvnEnv(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return filterEnv(parent, DROPPED_ENV, { MAVEN_SKIP_RC: '1' });
}

let found: Promise<{ maven: string; java: string | undefined } | undefined> | undefined;

/** Maven's version and the JVM it runs on, or undefined when `mvn` (or the java it needs) is missing. */
export function findMvn(): Promise<{ maven: string; java: string | undefined } | undefined> {
  found ??= (async () => {
    // Any failure (ENOENT above all, or no usable java) means "not usable here": callers skip.
    const stdout = await probeStdout('mvn', ['-B', '-v', '-Dstyle.color=never'], isolatedMvnEnv(), 60_000);
    if (stdout === undefined) return undefined;
    const maven = /Apache Maven (\S+)/.exec(stdout)?.[1];
    const java = /Java version: ([^,\s]+)/.exec(stdout)?.[1];
    return maven === undefined ? undefined : { maven, java };
  })();
  return found;
}

export async function mvnVersion(): Promise<string | undefined> {
  return (await findMvn())?.maven;
}

/** The user's local repository, which tests may serve read-only (never write into it). */
export function userLocalRepository(): string {
  return join(homedir(), '.m2', 'repository');
}

/** The plugins of `goals` whose pom or jar is absent from `repository`, as `artifactId:version`; empty when all are there. */
export async function missingPlugins(repository: string, goals: keyof typeof PLUGINS_FOR): Promise<string[]> {
  const missing: string[] = [];
  for (const artifactId of PLUGINS_FOR[goals]) {
    const version = MAVEN_PLUGINS[artifactId];
    for (const extension of ['pom', 'jar']) {
      const path = join(repository, artifactPath({ groupId: 'org.apache.maven.plugins', artifactId, version, extension }));
      const present = await stat(path).then(
        (info) => info.isFile(),
        () => false, // absent or unreadable: either way the build cannot use it
      );
      if (!present) missing.push(`org.apache.maven.plugins:${artifactId}:${version} (${extension})`);
    }
  }
  return missing;
}

/** Overrides central (same id) with releases and snapshots enabled. */
const everything = '<id>central</id><url>http://central</url><releases><enabled>true</enabled></releases><snapshots><enabled>true</enabled></snapshots>';

function settingsXml(options: MvnRunOptions): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">',
    `  <localRepository>${xmlEscape(options.localRepo)}</localRepository>`,
    '  <interactiveMode>false</interactiveMode>',
    ...(options.server === undefined
      ? []
      : [
          '  <servers><server>',
          `    <id>${xmlEscape(options.server.id)}</id>`,
          `    <username>${xmlEscape(options.server.username)}</username>`,
          `    <password>${xmlEscape(options.server.password)}</password>`,
          '  </server></servers>',
        ]),
    '  <mirrors>',
    '    <mirror>',
    '      <id>larder</id>',
    '      <name>the only repository this build may use</name>',
    '      <mirrorOf>*</mirrorOf>',
    `      <url>${xmlEscape(options.mirrorUrl)}</url>`,
    '    </mirror>',
    '  </mirrors>',
    // The super POM's central has snapshots disabled and a mirror takes the policies of what it
    // mirrors, so without this profile Maven never asks the mirror for a SNAPSHOT. The URL is a
    // placeholder: the `*` mirror replaces it.
    '  <profiles>',
    '    <profile>',
    '      <id>larder-snapshots</id>',
    `      <repositories><repository>${everything}</repository></repositories>`,
    `      <pluginRepositories><pluginRepository>${everything}</pluginRepository></pluginRepositories>`,
    '    </profile>',
    '  </profiles>',
    '  <activeProfiles><activeProfile>larder-snapshots</activeProfile></activeProfiles>',
    '</settings>',
    '',
  ].join('\n');
}

/** Runs `mvn GOALS` in `projectDir`, isolated as described at the top of this file. */
export async function runMvn(options: MvnRunOptions): Promise<MvnRunResult> {
  const configDir = await mkdtemp(join(tmpdir(), 'larder-mvn-settings-'));
  const settings = join(configDir, 'settings.xml');
  const globalSettings = join(configDir, 'global-settings.xml');
  await writeFile(settings, settingsXml(options));
  await writeFile(globalSettings, '<?xml version="1.0" encoding="UTF-8"?>\n<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0"/>\n');
  const checksumFlag = { strict: ['-C'], warn: [], lax: ['-c'] }[options.checksums ?? 'strict'];
  const argv = [
    '-B', '-ntp', '-Dstyle.color=never',
    '-s', settings,
    '-gs', globalSettings,
    `-Dmaven.repo.local=${options.localRepo}`,
    '-f', join(options.projectDir, 'pom.xml'),
    ...checksumFlag,
    `-Dmaven.wagon.http.retryHandler.count=${options.retries ?? 0}`,
    `-Dmaven.wagon.rto=${options.requestTimeoutMs ?? 30_000}`,
    `-Daether.connector.requestTimeout=${options.requestTimeoutMs ?? 30_000}`,
    ...(options.offline === true ? ['-o'] : []),
    ...(options.updateSnapshots === true ? ['-U'] : []),
    ...(options.args ?? []),
    ...options.goals,
  ];
  try {
    const env = { ...isolatedMvnEnv(options.parentEnv), ...options.env };
    const run = await runCli('mvn', argv, { cwd: options.projectDir, env, timeoutMs: options.timeoutMs ?? 120_000 });
    return { ...run, settings };
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
}

export interface MavenProjectSpec {
  groupId: string;
  artifactId: string;
  /** Default `1.0-SNAPSHOT`, as `mvn archetype:generate` writes. */
  version?: string;
  dependencies?: MavenDependency[];
  /** `<repositories>` and `<pluginRepositories>` URLs the pom declares (the `*` mirror must override them). */
  repositories?: string[];
  /** javac `--release`; default 11 (any JDK from 11 on builds it). */
  javaRelease?: number;
}

/** Writes pom.xml (plugins pinned to MAVEN_PLUGINS), one Java class and an empty `.mvn/` into `dir`. */
export async function writeMavenProject(dir: string, spec: MavenProjectSpec): Promise<void> {
  const base = buildPom({ groupId: spec.groupId, artifactId: spec.artifactId, version: spec.version ?? '1.0-SNAPSHOT', dependencies: spec.dependencies ?? [] });
  const plugins = Object.entries(MAVEN_PLUGINS).map(
    ([artifactId, version]) =>
      `        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></plugin>`,
  );
  const repositories = (spec.repositories ?? []).map((url, i) => `<id>declared-${i}</id><url>${xmlEscape(url)}</url>`);
  const extra = [
    '  <properties>',
    '    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>',
    `    <maven.compiler.release>${spec.javaRelease ?? 11}</maven.compiler.release>`,
    '  </properties>',
    ...(repositories.length === 0
      ? []
      : [
          `  <repositories>${repositories.map((r) => `<repository>${r}</repository>`).join('')}</repositories>`,
          `  <pluginRepositories>${repositories.map((r) => `<pluginRepository>${r}</pluginRepository>`).join('')}</pluginRepositories>`,
        ]),
    '  <build>',
    '    <pluginManagement>',
    '      <plugins>',
    ...plugins,
    '      </plugins>',
    '    </pluginManagement>',
    '  </build>',
    '</project>',
  ].join('\n');
  const source = join(dir, 'src', 'main', 'java', 'demo');
  await mkdir(source, { recursive: true });
  await mkdir(join(dir, '.mvn'), { recursive: true });
  await writeFile(join(dir, 'pom.xml'), base.replace('</project>', extra));
  await writeFile(join(source, 'App.java'), 'package demo;\n\npublic final class App {\n  public static void main(String[] args) {\n    System.out.println("built through the mirror");\n  }\n}\n');
}
