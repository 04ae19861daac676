/**
 * Where larder keeps its data when nothing says otherwise, and `~` expansion. Order:
 * `--data-dir` > the file's `dataDir` > LARDER_DATA_DIR > $XDG_CACHE_HOME/larder > ~/.cache/larder.
 * (The first two are applied by the loader; this file answers for the environment's part.)
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export function homeDirectory(env: NodeJS.ProcessEnv): string {
  const home = env.HOME;
  return home !== undefined && home !== '' ? home : homedir();
}

/** The data directory the environment asks for when the config names none. */
export function defaultDataDir(env: NodeJS.ProcessEnv, cwd: string): string {
  const explicit = env.LARDER_DATA_DIR;
  if (explicit !== undefined && explicit !== '') return resolvePath(explicit, cwd, env);
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'larder');
  return join(homeDirectory(env), '.cache', 'larder');
}

/** Expands a leading `~` or `~/` and makes the path absolute against `base`. */
export function resolvePath(path: string, base: string, env: NodeJS.ProcessEnv): string {
  if (path === '~') return homeDirectory(env);
  if (path.startsWith('~/')) return join(homeDirectory(env), path.slice(2));
  return resolve(base, path);
}
