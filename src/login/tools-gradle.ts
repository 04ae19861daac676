/**
 * The login plan for Gradle: an init script in $GRADLE_USER_HOME/init.d/ (every build of this
 * user runs it) that puts larder, with the token, in place of every repository: plugin
 * resolution (pluginManagement), settings-level dependency resolution
 * (dependencyResolutionManagement, Gradle 6.8+), and each project's and build script's own
 * repositories. A project repository is only replaced when the build declares one, so a build
 * whose settings forbid project repositories (FAIL_ON_PROJECT_REPOS) keeps working.
 */
import { isHttp, LOGIN_USER, mavenRepositoryUrl, type LoginTarget } from './endpoints.js';
import { TOML } from './ini.js';
import { appendBlock } from './markers.js';
import type { UserConfigPaths } from './paths.js';
import { lineFileEdit, type ToolPlan } from './file-edit.js';

/** A Groovy single-quoted string. */
function groovyString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function gradleInitScript(target: LoginTarget): string[] {
  return [
    '// Resolves every dependency and plugin through larder (written by `larder login --tool gradle`).',
    `def larderUrl = ${groovyString(mavenRepositoryUrl(target))}`,
    `def larderToken = ${groovyString(target.token)}`,
    'def addLarder = { repositories ->',
    '    repositories.maven { repository ->',
    "        repository.name = 'larder'",
    '        repository.url = larderUrl',
    ...(isHttp(target) ? ['        repository.allowInsecureProtocol = true'] : []),
    '        repository.credentials { credentials ->',
    `            credentials.username = ${groovyString(LOGIN_USER)}`,
    '            credentials.password = larderToken',
    '        }',
    '    }',
    '}',
    '// Every repository but larder is removed as it is added; larder comes in its place.',
    'def onlyLarder = { repositories, boolean addNow ->',
    '    repositories.all { repository ->',
    "        if (repository.name != 'larder') {",
    '            repositories.remove(repository)',
    "            if (repositories.findByName('larder') == null) addLarder(repositories)",
    '        }',
    '    }',
    "    if (addNow && repositories.findByName('larder') == null) addLarder(repositories)",
    '}',
    'beforeSettings { settings ->',
    '    onlyLarder(settings.pluginManagement.repositories, true)',
    '    onlyLarder(settings.buildscript.repositories, false)',
    '}',
    'settingsEvaluated { settings ->',
    "    if (settings.hasProperty('dependencyResolutionManagement')) {",
    '        onlyLarder(settings.dependencyResolutionManagement.repositories, true)',
    '    }',
    '}',
    'allprojects { project ->',
    '    onlyLarder(project.buildscript.repositories, false)',
    '    onlyLarder(project.repositories, false)',
    '}',
  ];
}

export function gradlePlan(target: LoginTarget, paths: UserConfigPaths): ToolPlan {
  // The script is login's own file; anything already there under that name is commented out.
  const edit = lineFileEdit('gradle', paths.gradleInitScript, '//', TOML, (text, lines) => ({
    insertions: [appendBlock(text, gradleInitScript(target))],
    disablings: lines.filter((line) => !line.ours && line.text !== '').map((line) => ({ start: line.start, end: line.end })),
  }));
  return { tool: 'gradle', edits: [edit], notes: [`Gradle builds of this user resolve through ${mavenRepositoryUrl(target)} now (init script ${paths.gradleInitScript}).`] };
}
