// Gradle's login plan (src/login/tools-gradle.ts): an init script in $GRADLE_USER_HOME/init.d/.
// Gradle is not installed on the machines these tests run on, so the script is checked as text
// only: where it goes, that it routes plugin, settings and project repositories through larder
// with credentials (and allowInsecureProtocol only over http), and that an existing file of that
// name is commented out and comes back.
import t from 'tap';
import { gradlePlan } from '../../src/login/tools-gradle.js';
import { userConfigPaths } from '../../src/login/paths.js';
import { PATHS, roundTrip, target, TOKEN } from './helpers.js';

t.test('the init script goes to init.d under GRADLE_USER_HOME, else ~/.gradle', async (t) => {
  t.equal(gradlePlan(target(), PATHS).edits[0]?.path, '/home/tester/.gradle/init.d/larder.gradle');
  const custom = userConfigPaths({ HOME: '/home/tester', GRADLE_USER_HOME: '/opt/gradle-home' }, '/');
  t.equal(gradlePlan(target(), custom).edits[0]?.path, '/opt/gradle-home/init.d/larder.gradle');
});

t.test('the script replaces every repository with larder, with the token', async (t) => {
  const [edit] = gradlePlan(target('http://127.0.0.1:7878/', 'team'), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  const script = roundTrip(t, 'gradle', edit, undefined, 'absent');
  t.match(script, /^\/\/ larder login: begin gradle \(larder logout removes this\)\n/, 'Groovy comment marks');
  t.match(script, /\n\/\/ larder login: end gradle\n$/);
  t.match(script, /def larderUrl = 'http:\/\/127\.0\.0\.1:7878\/maven\/team\/'/);
  t.ok(script.includes(`def larderToken = '${TOKEN}'`), 'the token');
  t.match(script, /credentials\.username = 'larder'\n\s+credentials\.password = larderToken/, 'basic credentials: larder reads the token as the password');
  t.match(script, /repository\.allowInsecureProtocol = true/, 'plain http is allowed for an http larder');
  for (const hook of ['beforeSettings { settings ->', 'settings.pluginManagement.repositories', 'settingsEvaluated { settings ->', 'settings.dependencyResolutionManagement.repositories', 'allprojects { project ->', 'project.repositories', 'project.buildscript.repositories']) {
    t.ok(script.includes(hook), `routes ${hook}`);
  }
  t.match(script, /if \(repository\.name != 'larder'\) \{\n\s+repositories\.remove\(repository\)/, 'other repositories are removed');
  t.equal((script.match(/\{/g) ?? []).length, (script.match(/\}/g) ?? []).length, 'braces balance');

  const [secure] = gradlePlan(target('https://larder.example/'), PATHS).edits;
  t.notMatch(secure?.apply(undefined) ?? '', /allowInsecureProtocol/, 'https needs no insecure protocol');
});

t.test('a file already at that path is commented out, and comes back', async (t) => {
  const [edit] = gradlePlan(target(), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  const before = "allprojects {\n    repositories { mavenCentral() }\n}\n\n// mine\n";
  const after = roundTrip(t, 'gradle', edit, before, 'existing script');
  t.match(after, /^\/\/ larder login replaced \(gradle\): allprojects \{$/m);
  t.match(after, /^\/\/ larder login replaced \(gradle\): \/\/ mine$/m);
  t.equal(roundTrip(t, 'gradle', edit, '', 'empty'), edit.apply(undefined));
});
