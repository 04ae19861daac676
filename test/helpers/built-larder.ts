/**
 * The built `larder` binary, for tests that must run what users run (issue 5: "CLI tests run the
 * built larder binary"). Each test process builds its own copy with the project's tsc into a
 * private directory inside the repository (so `../../package.json` and `node_modules` resolve as
 * from dist/), never into dist/ itself: two test files building dist/ at once could read each
 * other's half-written files.
 *
 *   const larder = await builtLarder(t);
 *   const { code, out, err } = await larder.run(['repos', 'list', '--url', url]);
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Test } from 'tap';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BuiltRun {
  code: number | null;
  out: string;
  err: string;
}

export interface BuiltLarder {
  main: string;
  run(args: string[]): Promise<BuiltRun>;
}

export async function builtLarder(t: Test): Promise<BuiltLarder> {
  const outDir = await mkdtemp(join(ROOT, '.test-build-'));
  t.teardown(() => rm(outDir, { recursive: true, force: true }));
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT });
  const main = join(outDir, 'main.js');
  return {
    main,
    run: (args) =>
      new Promise((resolveRun, reject) => {
        const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => resolveRun({ code, out, err }));
      }),
  };
}
