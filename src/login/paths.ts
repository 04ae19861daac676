/**
 * Where each client keeps this user's configuration, from the environment `larder login` was
 * given (never process.env): HOME, XDG_CONFIG_HOME, NPM_CONFIG_USERCONFIG, GRADLE_USER_HOME.
 */
import { isAbsolute, join } from 'node:path';
import { homeDirectory, resolvePath } from '../config/data-dir.js';

export interface UserConfigPaths {
  npmrc: string;
  yarnrcYml: string;
  yarnrc: string;
  pipConf: string;
  uvToml: string;
  pypirc: string;
  mavenSettings: string;
  gradleInitScript: string;
}

/** The first non-empty value among the spellings of a variable (npm reads its own case-insensitively). */
function variable(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

export function userConfigPaths(env: NodeJS.ProcessEnv, cwd: string): UserConfigPaths {
  const home = homeDirectory(env);
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = variable(env, 'XDG_CONFIG_HOME');
  const configHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.config');
  const userconfig = variable(env, 'NPM_CONFIG_USERCONFIG', 'npm_config_userconfig');
  const gradleHome = variable(env, 'GRADLE_USER_HOME');
  return {
    npmrc: userconfig === undefined ? join(home, '.npmrc') : resolvePath(userconfig, cwd, env),
    yarnrcYml: join(home, '.yarnrc.yml'),
    yarnrc: join(home, '.yarnrc'),
    pipConf: join(configHome, 'pip', 'pip.conf'),
    uvToml: join(configHome, 'uv', 'uv.toml'),
    pypirc: join(home, '.pypirc'),
    mavenSettings: join(home, '.m2', 'settings.xml'),
    gradleInitScript: join(gradleHome === undefined ? join(home, '.gradle') : resolvePath(gradleHome, cwd, env), 'init.d', 'larder.gradle'),
  };
}
