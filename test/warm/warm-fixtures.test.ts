/**
 * `larder warm` from every lockfile kind in test/fixtures/lockfiles/ (issue 8's acceptance): the
 * files the real npm, pnpm, yarn and Maven wrote (and the handwritten pip and pylock ones), warmed
 * through the real CLI (`run(['warm', …])`: argument parsing, the real readers, the warmer) into a
 * real daemon in front of the fakes serving exactly what the fixture generators served. Then,
 * with every fake upstream stopped, the daemon serves every listed version's files, byte for byte.
 *
 * All files warm into one daemon, in order: the first file of each format fetches everything it
 * lists; later files of that format list the same versions, which are then already retained.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import t from 'tap';
import { readLockfile } from '../../src/warm/lockfiles/index.js';
import type { WarmItem } from '../../src/warm/types.js';
import { NPM_PACKAGES } from '../fixtures/lockfiles/make-js-fixtures.js';
import { PYPI_PROJECTS } from '../fixtures/lockfiles/make-py-fixtures.js';
import { startFakeMaven } from '../helpers/fake-maven.js';
import { tarballPath } from '../helpers/fake-npm-packages.js';
import { startFakeNpmRegistry } from '../helpers/fake-npm-registry.js';
import { startFakePypi } from '../helpers/fake-pypi.js';
import { startTestLarder } from '../helpers/larder.js';
import { runCaptured, type CliResult } from '../cli/run-in-process.js';
import { MAVEN_ARTIFACTS } from './fixture-packages.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'lockfiles');

interface Case {
  /** Relative to FIXTURES, which is the CLI's working directory. */
  path: string;
  /** Distinct versions the file lists (its reader's items), counted by hand from the fixture. */
  versions: number;
  /** How many of them this warm fetches; the rest an earlier file of the same format warmed. */
  fetched: number;
  /** Versions that cannot be had, by label, with why: each must fail, and the warm exit 1. */
  failures?: Record<string, RegExp>;
}

const CASES: Case[] = [
  { path: 'npm-v1/package-lock.json', versions: 7, fetched: 7 },
  { path: 'npm-v2/package-lock.json', versions: 7, fetched: 0 },
  { path: 'npm-v3/package-lock.json', versions: 7, fetched: 0 },
  { path: 'npm-shrinkwrap/npm-shrinkwrap.json', versions: 7, fetched: 0 },
  { path: 'pnpm-v5/pnpm-lock.yaml', versions: 7, fetched: 0 },
  { path: 'pnpm-v6/pnpm-lock.yaml', versions: 7, fetched: 0 },
  { path: 'pnpm-v9/pnpm-lock.yaml', versions: 7, fetched: 0 },
  { path: 'yarn-classic/yarn.lock', versions: 7, fetched: 0 },
  { path: 'yarn-berry/yarn.lock', versions: 7, fetched: 0 },
  // With its -r requirements-base.txt and -c constraints.txt.
  { path: 'pip/requirements.txt', versions: 5, fetched: 5 },
  { path: 'pip/requirements-base.txt', versions: 2, fetched: 0 },
  { path: 'pip/constraints.txt', versions: 1, fetched: 0 },
  { path: 'pylock/pylock.toml', versions: 2, fetched: 0 },
  // Its `exact===1.0-custom` (pip's arbitrary equality) is no PEP 440 version, and no index here has it.
  { path: 'pip/requirements-loose.txt', versions: 3, fetched: 0, failures: { 'exact==1.0-custom': /"1\.0-custom" is not a PEP 440 version/ } },
  { path: 'maven/dependency-list.txt', versions: 7, fetched: 7 },
  // The handwritten `com.acme:testkit:test-jar:2.0` asks for testkit-2.0-tests.jar, which the
  // generator's fake repository never had (testkit is a plain jar there).
  { path: 'maven/coordinates.txt', versions: 6, fetched: 0, failures: { 'com.acme:testkit:2.0:tests@jar': /404 E_NOT_FOUND .*\(testkit-2\.0-tests\.jar\)/ } },
];

/** The label `larder warm` prints for a version (src/warm/items.ts itemLabel), written out again. */
function label(item: WarmItem): string {
  if (item.format === 'npm') return `${item.name}@${item.version}`;
  if (item.format === 'pypi') return `${item.name}==${item.version}`;
  const plain = item.classifier === undefined && item.type === 'jar';
  return `${item.groupId}:${item.artifactId}:${item.version}${plain ? '' : `:${item.classifier ?? ''}@${item.type}`}`;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const sri256 = (hex: string): string => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;

const SUMMARY = /^(\d+) versions into default at \S+: (\d+) fetched, (\d+) already retained, (\d+) failed, /m;

/** A file the daemon must serve from its store once the upstreams are gone. */
interface Expected {
  what: string;
  url: string;
  sha256: string;
}

t.test('larder warm from every lockfile fixture, then served with every upstream stopped', async (t) => {
  const registry = await startFakeNpmRegistry({ packages: NPM_PACKAGES });
  const pypi = await startFakePypi({ projects: PYPI_PROJECTS });
  const maven = await startFakeMaven({ artifacts: MAVEN_ARTIFACTS });
  const larder = await startTestLarder({ npmUpstream: registry.url, pypiUpstream: { url: pypi.url }, mavenUpstreams: [maven.url] });
  t.teardown(async () => {
    await larder.stop();
    await Promise.all([registry.stop(), pypi.stop(), maven.stop()]);
  });

  const larderWarm = (argv: string[]): Promise<CliResult> => runCaptured(['warm', ...argv, '--url', larder.url], { env: {}, cwd: FIXTURES });

  /** The files a client of the item's format fetches for it, as the fake upstreams serve them. */
  const filesOf = async (item: WarmItem): Promise<Expected[]> => {
    const what = label(item);
    if (item.format === 'npm') {
      const tarball = await registry.tarball(item.name, item.version);
      return [{ what, url: `${larder.npm()}${tarballPath(item.name, item.version)}`, sha256: sha256(tarball.bytes) }];
    }
    if (item.format === 'pypi') {
      // Only the files the lockfile pins, when it pins any (what the warm fetched); else all of the version.
      const files = pypi.files(item.name).filter((file) => file.version === item.version && (item.integrities.length === 0 || item.integrities.includes(sri256(file.sha256))));
      return files.map((file) => ({ what: `${what} ${file.filename}`, url: `${larder.url}/pypi/default/files/${file.project}/${file.filename}`, sha256: file.sha256 }));
    }
    const stem = `${item.groupId.replaceAll('.', '/')}/${item.artifactId}/${item.version}/${item.artifactId}-${item.version}`;
    const paths = [...new Set([`${stem}${item.classifier === undefined ? '' : `-${item.classifier}`}.${item.type}`, `${stem}.pom`])];
    return Promise.all(paths.map(async (path) => ({ what: `${what} ${path}`, url: `${larder.maven()}${path}`, sha256: sha256((await maven.file(path)).bytes) })));
  };

  const expected = new Map<string, Expected[]>();
  for (const c of CASES) {
    await t.test(`larder warm ${c.path}`, async (t) => {
      const items = (await readLockfile(join(FIXTURES, c.path))).items;
      t.equal(items.length, c.versions, 'the reader lists the versions the fixture holds');
      const failures = Object.keys(c.failures ?? {});
      t.same(
        items.map(label).filter((name) => failures.includes(name)),
        failures,
        'every expected failure is one of its versions',
      );

      const { code, out, err } = await larderWarm([c.path]);
      t.equal(code, failures.length === 0 ? 0 : 1, `exit status (${out}${err})`);
      const summary = SUMMARY.exec(out);
      t.ok(summary, `one summary line: ${out}`);
      const [listed, fetched, retained, failed] = (summary ?? []).slice(1).map(Number);
      t.equal(listed, items.length, 'the summary counts every version the reader returns');
      t.equal(fetched, c.fetched, 'fetched now');
      t.equal(retained, c.versions - c.fetched - failures.length, 'already retained by an earlier file');
      t.equal(failed, failures.length, 'failed');
      t.equal((fetched ?? 0) + (retained ?? 0), items.length - failures.length, 'fetched + already retained = the versions that can be had');
      const failedLines = err.split('\n').filter((line) => line.startsWith('failed: '));
      t.equal(failedLines.length, failures.length, `one failure line per failing version: ${err}`);
      for (const [name, reason] of Object.entries(c.failures ?? {})) {
        const line = failedLines.find((text) => text.replace(/^failed: (npm|pypi|maven) /, '').startsWith(`${name}: `));
        t.ok(line, `${name} named in a failure line`);
        t.match(line, reason, `${name}: why`);
        t.match(line, / To fix: ./, `${name}: how to fix it`);
      }

      const files: Expected[] = [];
      for (const item of items) {
        if (failures.includes(label(item))) continue;
        const its = await filesOf(item);
        t.ok(its.length > 0, `${label(item)}: the upstream serves files for it`);
        files.push(...its);
      }
      expected.set(c.path, files);
    });
  }

  await Promise.all([registry.stop(), pypi.stop(), maven.stop()]);

  await t.test('with every upstream stopped, the daemon serves each listed version from its store', async (t) => {
    t.equal(expected.size, CASES.length, 'every lockfile was warmed');
    for (const [path, files] of expected) {
      t.ok(files.length > 0, `${path}: files to fetch`);
      for (const file of files) {
        const res = await fetch(file.url);
        const bytes = Buffer.from(await res.arrayBuffer());
        t.equal(res.status, 200, `${path}: ${file.what} served offline`);
        t.equal(sha256(bytes), file.sha256, `${path}: ${file.what} is the upstream's bytes`);
      }
    }
  });

  await t.test('a dry run of every satisfiable lockfile finds it all retained, upstreams still stopped', async (t) => {
    const whole = CASES.filter((c) => c.failures === undefined).map((c) => c.path);
    const { code, out, err } = await larderWarm([...whole, '--dry-run']);
    t.equal(code, 0, `${out}${err}`);
    // npm 7 + PyPI 5 (requirements.txt's; the others pin the same versions) + Maven 7.
    t.match(out, /^19 versions listed for default at \S+: 19 already retained, 0 not retained/m);
  });
});
