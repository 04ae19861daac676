/**
 * `larder warm` end to end with the real lockfile readers (src/warm/lockfiles/, written beside
 * the warmer): a package-lock.json, a requirements.txt with a hash and a `mvn dependency:list`
 * output, read by readLockfile through the command's own loader, warmed through a real daemon,
 * then found retained with every upstream stopped. Skipped, with a message, while the readers'
 * module does not exist yet.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import yargs from 'yargs';
import type { CliIo } from '../../src/cli/io.js';
import { warmCommand, warmLockfiles, type WarmArgs } from '../../src/cli/warm.js';
import { startFakeMaven } from '../helpers/fake-maven.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder } from '../helpers/larder.js';

/** A variable, so this file compiles whether or not the readers exist yet. */
const READERS = '../../src/warm/lockfiles/index.js';

async function readersMissing(): Promise<string | false> {
  try {
    const loaded = (await import(READERS)) as { readLockfile?: unknown };
    return typeof loaded.readLockfile === 'function' ? false : 'src/warm/lockfiles/index.ts does not export readLockfile yet';
  } catch (error) {
    // Node says ERR_MODULE_NOT_FOUND; tap's TypeScript loader throws a plain Error saying so.
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND' && !/Cannot find module .*lockfiles\/index\.js/.test(String(error))) throw error;
    return 'src/warm/lockfiles/index.ts (the lockfile readers) does not exist yet';
  }
}

async function parse(argv: string[], io: CliIo): Promise<WarmArgs> {
  const parser = yargs().scriptName('larder').exitProcess(false).command(warmCommand(io, () => undefined)).strict();
  return (await parser.parseAsync(argv)) as unknown as WarmArgs;
}

t.test('lockfiles of each format, read by readLockfile, warmed and then retained offline', { skip: await readersMissing() }, async (t) => {
  const registry = await startFakeNpmRegistry({ packages: [{ name: 'left-pad', versions: { '1.0.0': {} } }, { name: '@acme/util', versions: { '2.0.0': {} } }] });
  const pypi = await startFakePypi({ projects: [{ name: 'frob-nicate', versions: { '1.0': { sdist: true } } }, { name: 'plain', versions: { '2.0.0': {} } }] });
  const maven = await startFakeMaven({ artifacts: [{ groupId: 'com.acme', artifactId: 'lib', versions: { '1.0': {} } }] });
  const larder = await startTestLarder({ npmUpstream: registry.url, pypiUpstream: { url: pypi.url }, mavenUpstreams: [maven.url] });
  t.teardown(async () => {
    await larder.stop();
    await Promise.all([registry.stop(), pypi.stop(), maven.stop()]);
  });

  const dir = t.testdir();
  const leftPad = await registry.tarball('left-pad', '1.0.0');
  const util = await registry.tarball('@acme/util', '2.0.0');
  const lock = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { 'left-pad': '^1.0.0', '@acme/util': '^2.0.0' } },
      'node_modules/left-pad': { version: '1.0.0', resolved: `${registry.url}left-pad/-/left-pad-1.0.0.tgz`, integrity: leftPad.integrity },
      'node_modules/@acme/util': { version: '2.0.0', resolved: `${registry.url}@acme/util/-/util-2.0.0.tgz`, integrity: util.integrity },
    },
  };
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const wheel = pypi.files('frob-nicate').find((file) => file.kind === 'wheel');
  await writeFile(join(dir, 'requirements.txt'), `frob-nicate==1.0 \\\n    --hash=sha256:${wheel?.sha256 ?? ''}\nplain==2.0.0\n`);
  await writeFile(
    join(dir, 'dependencies.txt'),
    ['[INFO] --- dependency:3.6.1:list (default-cli) @ app ---', '[INFO] ', '[INFO] The following files have been resolved:', '[INFO]    com.acme:lib:jar:1.0:compile', '[INFO] ', ''].join('\n'),
  );

  let out = '';
  let err = '';
  const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => (err += text), env: {}, cwd: dir };
  const files = ['package-lock.json', 'requirements.txt', 'dependencies.txt'];
  const code = await warmLockfiles(await parse(['warm', ...files, '--url', larder.url], io), io);
  t.equal(code, 0, `warmed (${out}${err})`);
  t.match(out, /5 versions into default at .*: 5 fetched, 0 already retained, 0 failed/);

  await Promise.all([registry.stop(), pypi.stop(), maven.stop()]);
  out = '';
  const dry = await warmLockfiles(await parse(['warm', ...files, '--dry-run', '--url', larder.url], io), io);
  t.equal(dry, 0, `all retained with the upstreams stopped (${out})`);
  t.match(out, /5 versions listed for default at .*: 5 already retained, 0 not retained/);
});
