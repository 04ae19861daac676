// One install: the real `npm ci` of the workload, in a fresh copy of bench/workload with a fresh
// npm cache, against one registry URL and nothing else.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, tail } from './util.mjs';

let counter = 0;

/**
 * Resolves with { ms, added } or throws with npm's output. The user's and the global npmrc are
 * ignored (`--userconfig`/`--globalconfig` empty files, an empty HOME, no npm_config_* variables),
 * so the registry given here is the only one npm talks to.
 */
export async function npmCi({ registry, workload, scratch, label, track }) {
  counter += 1;
  const dir = path.join(scratch, `install-${counter}-${label}`);
  const cache = path.join(scratch, `npm-cache-${counter}-${label}`);
  const home = path.join(scratch, `home-${counter}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  const userrc = path.join(home, 'user-npmrc');
  const globalrc = path.join(home, 'global-npmrc');
  writeFileSync(userrc, '');
  writeFileSync(globalrc, '');
  copyFileSync(path.join(workload, 'package.json'), path.join(dir, 'package.json'));
  copyFileSync(path.join(workload, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  const args = [
    'ci',
    '--registry', registry,
    '--cache', cache,
    '--userconfig', userrc,
    '--globalconfig', globalrc,
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    '--update-notifier=false',
    '--loglevel=warn',
  ];
  const env = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' };
  const result = await run('npm', args, { cwd: dir, env, track });
  try {
    if (result.code !== 0) {
      throw new Error(`npm ci against ${registry} failed (exit ${result.code}) after ${Math.round(result.ms)} ms:\n${tail(result.stdout + result.stderr, 30)}`);
    }
    const added = Number(result.stdout.match(/added (\d+) packages?/)?.[1] ?? NaN);
    return { ms: result.ms, added };
  } finally {
    for (const p of [dir, cache, home]) rmSync(p, { recursive: true, force: true });
  }
}
