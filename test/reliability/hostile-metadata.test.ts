// Hostile metadata (issue 7, part 2): packuments whose shape is right and whose content is an
// attack. For each, through a real larder, with the client's token and cookie on every request:
// no answer is a 500 (a crash path) or a complete 200 with bytes other than the advertised ones;
// no foreign listener is ever contacted; no credential or cookie reaches the upstream; the
// prototype of every object stays clean; memory stays bounded; the daemon keeps serving. Each
// case then checks what a user wants of it and prints `observed:` for the case table.
import t, { type Test } from 'tap';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildNpmTarball, sha1Hex } from '../helpers/tarball.js';
import { startTestLarder, type TestLarder } from '../helpers/larder.js';
import { startRawUpstream, type RawUpstream } from './helpers/raw-upstream.js';
import { ABBREVIATED, assertNoCredentials, describe, get, retainedVersions, sha512, type Fetched } from './helpers/probes.js';
import { deeplyNestedText, honest, manyVersionsText, packumentOf, prototypeKeysText } from './helpers/hostile-docs.js';

const info = await buildNpmTarball({ name: 'evil', version: '1.0.0' }, { indexJs: 'module.exports = 1;\n' });
const STABLE_CODES = ['E_UPSTREAM_BAD_RESPONSE', 'E_TOO_LARGE', 'E_BAD_DIGEST', 'E_INTEGRITY_MISMATCH', 'E_NOT_FOUND', 'E_BAD_REQUEST', 'E_UPSTREAM_STATUS'];

interface Env {
  raw: RawUpstream;
  /** Another host on loopback, and another port on 127.0.0.1: neither may ever be contacted. */
  otherHost: RawUpstream;
  otherPort: RawUpstream;
  /** Where the connection itself serves evil@1.0.0. */
  canonical: string;
}

interface Answers {
  abbreviated: Fetched;
  tarball: Fetched;
  /** Absent when the case only installs (a huge document costs seconds per request). */
  full?: Fetched;
  version?: Fetched;
  larder: TestLarder;
}

interface HostileCase {
  name: string;
  document: (env: Env) => unknown;
  /** limits.maxMetadataSize for this case. */
  limit?: string;
  /** RSS growth allowed while larder handles the document. */
  rssBound?: number;
  /** Only what `npm install` asks (abbreviated packument, tarball). */
  installOnly?: boolean;
  check: (t: Test, answers: Answers, env: Env) => Promise<void> | void;
}

type Dist = { tarball?: string; integrity?: string };
type ClientDoc = { versions?: Record<string, { version?: unknown; dist?: Dist }>; 'dist-tags'?: Record<string, unknown> };

function parsed(res: Fetched): ClientDoc | undefined {
  return res.status === 200 && res.complete ? (JSON.parse(res.body.toString('utf8')) as ClientDoc) : undefined;
}

/** The tarball is refused, or served with exactly the bytes its digest names, from the connection. */
function servedFromConnectionOrRefused(t: Test, answers: Answers, env: Env): void {
  const { tarball } = answers;
  if (tarball.status === 200) {
    t.equal(sha512(tarball.body), info.integrity, 'served: the advertised bytes');
    t.ok(env.raw.requests.some((r) => r.path === '/evil/-/evil-1.0.0.tgz'), "served: from the connection's own canonical path");
  } else {
    t.equal(tarball.status, 502, 'refused with 502');
  }
}

/** The version is refused for want of a usable digest, and its tarball never requested. */
function refusedUnverifiable(t: Test, answers: Answers, env: Env): void {
  t.equal(describe(answers.tarball), '502 E_UPSTREAM_BAD_RESPONSE', 'tarball: 502 E_UPSTREAM_BAD_RESPONSE');
  t.match(answers.tarball.error ?? '', /dist\.integrity|digest/, 'the message says the digest is the problem');
  t.equal(env.raw.count(/\.tgz/), 0, 'the tarball was never fetched');
}

const BAD_DIGESTS: Array<[string, Record<string, unknown>]> = [
  ['junk dist.integrity ("garbage")', { integrity: 'garbage' }],
  ['empty dist.integrity', { integrity: '' }],
  ['dist.integrity "sha512-" with no digest', { integrity: 'sha512-' }],
  ['weak dist.integrity (md5)', { integrity: `md5-${Buffer.alloc(16, 7).toString('base64')}` }],
  ['dist.integrity of the wrong type (a number)', { integrity: 12345 }],
  ['dist.shasum only, not hex', { shasum: 'not-a-sha1' }],
  ['no digest at all', {}],
];

const CASES: HostileCase[] = [
  {
    name: 'dist.tarball on another host (127.0.0.2)',
    document: (env) => packumentOf('evil', [honest('1.0.0', `${env.otherHost.url}evil/-/evil-1.0.0.tgz`, info)]),
    check: servedFromConnectionOrRefused,
  },
  {
    name: 'dist.tarball on another port of loopback',
    document: (env) => packumentOf('evil', [honest('1.0.0', `${env.otherPort.url}evil/-/evil-1.0.0.tgz`, info)]),
    check: servedFromConnectionOrRefused,
  },
  {
    name: 'dist.tarball on the link-local metadata address (169.254.169.254)',
    document: () => packumentOf('evil', [honest('1.0.0', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/evil-1.0.0.tgz', info)]),
    check: servedFromConnectionOrRefused,
  },
  {
    name: 'dist.tarball is file:///etc/passwd',
    document: () => packumentOf('evil', [honest('1.0.0', 'file:///etc/passwd', info)]),
    check: (t, answers, env) => {
      servedFromConnectionOrRefused(t, answers, env);
      t.notMatch(answers.tarball.body.toString('latin1'), /root:/, 'no local file in the answer');
    },
  },
  {
    name: 'dist.tarball on the connection with dot segments and credentials',
    document: (env) =>
      packumentOf('evil', [
        honest('1.0.0', `${env.raw.origin.replace('://', '://admin:hunter2@')}/evil/-/%2e%2e/%2e%2e/admin/evil-1.0.0.tgz`, info),
      ]),
    check: (t, answers, env) => {
      servedFromConnectionOrRefused(t, answers, env);
      t.notOk(env.raw.requests.some((r) => /\.\.|%2e/i.test(r.path)), 'no request path with a dot segment reached the upstream');
    },
  },
  ...BAD_DIGESTS.map(([name, digest]): HostileCase => ({
    name,
    document: (env) => packumentOf('evil', [{ version: '1.0.0', tarball: env.canonical, ...digest }]),
    check: refusedUnverifiable,
  })),
  {
    name: 'only a sha1 dist.shasum (weak but real: old packages have nothing else)',
    document: (env) => packumentOf('evil', [{ version: '1.0.0', tarball: env.canonical, shasum: sha1Hex(info.bytes) }]),
    check: (t, answers) => {
      t.comment('observed: DESIGN §1 accepts dist.shasum as the digest; the issue lists weak digests as rejected');
      if (answers.tarball.status === 200) t.equal(sha1Hex(answers.tarball.body), sha1Hex(info.bytes), 'served: bytes verified against the sha1');
      else t.equal(answers.tarball.status, 502, 'refused with 502');
    },
  },
  {
    name: 'name inside the document is not the requested one',
    document: (env) => packumentOf('other', [honest('1.0.0', env.canonical, info)]),
    check: (t, answers) => {
      t.equal(describe(answers.abbreviated), '502 E_UPSTREAM_BAD_RESPONSE', 'packument: 502 E_UPSTREAM_BAD_RESPONSE');
      t.equal(describe(answers.full ?? answers.abbreviated), '502 E_UPSTREAM_BAD_RESPONSE', 'full packument: 502');
      t.equal(answers.tarball.status, 502, 'tarball: 502');
    },
  },
  {
    name: 'version key is not the manifest version',
    document: (env) => packumentOf('evil', [{ ...honest('6.6.6', env.canonical, info), key: '1.0.0' }], { latest: '1.0.0' }),
    check: (t, answers) => {
      for (const res of [answers.abbreviated, answers.full ?? answers.abbreviated]) {
        const lying = Object.entries(parsed(res)?.versions ?? {}).filter(([key, manifest]) => manifest.version !== key);
        t.same(lying.map(([key]) => key), [], `packument ${describe(res)}: no version listed under a key its manifest contradicts`);
      }
      const version = (answers.version === undefined ? undefined : parsed(answers.version)) as { version?: unknown } | undefined;
      if (version !== undefined) t.equal(version.version, '1.0.0', '/evil/1.0.0 answers a manifest of 1.0.0');
    },
  },
  {
    name: 'metadata bomb: a valid packument over maxMetadataSize',
    document: (env) => manyVersionsText('evil', 8000, env.raw.url, info),
    limit: '1MiB',
    check: (t, answers) => {
      t.equal(describe(answers.abbreviated), '502 E_TOO_LARGE', 'packument: 502 E_TOO_LARGE');
      t.equal(describe(answers.tarball), '502 E_TOO_LARGE', 'tarball: 502 E_TOO_LARGE');
    },
  },
  {
    name: 'metadata bomb: a manifest nested 10 000 levels deep',
    document: (env) => deeplyNestedText('evil', 10_000, honest('1.0.0', env.canonical, info)),
    check: (t, answers) => {
      for (const [what, res] of Object.entries(responses(answers))) {
        if (what === 'tarball') continue;
        t.ok(res.status === 200 || describe(res) === '502 E_UPSTREAM_BAD_RESPONSE' || describe(res) === '502 E_TOO_LARGE', `${what}: served or refused as a bad document (got ${describe(res)})`);
      }
    },
  },
  {
    name: 'metadata bomb: 100 000 versions',
    document: (env) => manyVersionsText('evil', 100_000, env.raw.url, info),
    rssBound: 768 * 1024 * 1024,
    installOnly: true,
    check: (t, answers) => {
      t.equal(answers.abbreviated.status, 200, 'a large but valid document is served');
      t.equal(Object.keys(parsed(answers.abbreviated)?.versions ?? {}).length, 100_000, 'with every version');
      t.equal(sha512(answers.tarball.body), info.integrity, 'and its tarballs install');
    },
  },
  {
    name: '__proto__ and constructor as version keys, dist-tags and manifest keys',
    document: (env) => prototypeKeysText('evil', honest('1.0.0', env.canonical, info)),
    check: async (t, answers) => {
      for (const res of [answers.abbreviated, answers.full ?? answers.abbreviated]) {
        const keys = Object.keys(parsed(res)?.versions ?? {});
        t.same(keys, res.status === 200 ? ['1.0.0'] : [], `packument ${describe(res)}: only real versions are offered`);
        t.comment(`observed: dist-tags sent to the client: ${JSON.stringify(parsed(res)?.['dist-tags'] ?? null)}`);
      }
      t.equal(sha512(answers.tarball.body), info.integrity, 'the real version installs');
      for (const spec of ['__proto__', 'constructor', '-/evil-__proto__.tgz', '-/evil-constructor.tgz']) {
        const res = await get(`${answers.larder.npm()}evil/${spec}`);
        t.ok(res.status >= 400 && res.status < 500, `/evil/${spec}: a 4xx (got ${describe(res)})`);
      }
    },
  },
];

function responses(answers: Answers): Record<string, Fetched> {
  const { abbreviated, tarball, full, version } = answers;
  return { abbreviated, tarball, ...(full === undefined ? {} : { full }), ...(version === undefined ? {} : { version }) };
}

/** Every non-200 answer is JSON `{error, code}` with a stable code, never a 500 (a crash path). */
function assertStableErrors(t: Test, answers: Answers): void {
  for (const [what, res] of Object.entries(responses(answers))) {
    if (res.status === 200) continue;
    t.ok(res.status !== 500 && STABLE_CODES.includes(res.code ?? ''), `${what}: a stable error code, not a crash (got ${describe(res)})`);
    t.ok(typeof res.error === 'string' && res.error !== '', `${what}: with a message`);
  }
}

/** Every tarball URL a client is given points at larder. */
function assertClientUrls(t: Test, answers: Answers): void {
  for (const res of [answers.abbreviated, answers.full ?? answers.abbreviated]) {
    const urls = Object.values(parsed(res)?.versions ?? {}).map((manifest) => manifest.dist?.tarball);
    const elsewhere = urls.filter((url) => typeof url !== 'string' || !url.startsWith(answers.larder.npm()));
    t.same(elsewhere.slice(0, 3), [], `packument ${describe(res)}: every tarball URL points at larder`);
  }
}

const env: Env = await (async () => {
  const raw = await startRawUpstream();
  const otherHost = await startRawUpstream({ host: '127.0.0.2' });
  const otherPort = await startRawUpstream();
  for (const upstream of [raw, otherHost, otherPort]) upstream.addPackage('evil', { '1.0.0': info });
  raw.addPackage('honest', { '1.0.0': info });
  return { raw, otherHost, otherPort, canonical: `${raw.url}evil/-/evil-1.0.0.tgz` };
})();
t.teardown(async () => {
  await env.raw.stop();
  await env.otherHost.stop();
  await env.otherPort.stop();
});

for (const c of CASES) {
  t.test(c.name, async (t) => {
    env.raw.setDocument('evil', c.document(env));
    for (const upstream of [env.raw, env.otherHost, env.otherPort]) upstream.resetCounters();
    const larder = await startTestLarder({ npmUpstream: env.raw.url, ...(c.limit === undefined ? {} : { config: { limits: { maxMetadataSize: c.limit } } }) });
    t.teardown(() => larder.stop());
    const rssBefore = process.memoryUsage().rss;
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    const started = Date.now();
    const abbreviated = await get(`${larder.npm()}evil`, { accept: ABBREVIATED });
    const tarball = await get(`${larder.npm()}evil/-/evil-1.0.0.tgz`);
    const full = c.installOnly ? undefined : await get(`${larder.npm()}evil`, { accept: 'application/json' });
    const version = c.installOnly ? undefined : await get(`${larder.npm()}evil/1.0.0`);
    await larder.daemon.settle();
    stalls.disable();
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const answers: Answers = { abbreviated, tarball, larder, ...(full === undefined ? {} : { full }), ...(version === undefined ? {} : { version }) };
    const shown = Object.entries(responses(answers)).map(([what, res]) => `${what} ${describe(res)}`);
    t.comment(
      `observed: ${shown.join(', ')} — ${Date.now() - started} ms, longest event-loop stall ${Math.round(stalls.max / 1e6)} ms,` +
        ` rss +${Math.round(rssGrowth / 1e6)} MB, retained [${(await retainedVersions(larder, 'evil')).join(', ')}]`,
    );
    for (const [what, res] of Object.entries(responses(answers))) t.ok(res.complete, `${what}: a complete answer`);
    if (tarball.status === 200) t.equal(sha512(tarball.body), info.integrity, 'a served tarball carries exactly the bytes of the real version');
    assertStableErrors(t, answers);
    assertClientUrls(t, answers);
    await c.check(t, answers, env);

    t.equal(env.otherHost.connections + env.otherPort.connections, 0, 'no foreign listener was contacted');
    assertNoCredentials(t, env.raw.requests, 'the connection');
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is clean');
    t.ok(rssGrowth < (c.rssBound ?? 256 * 1024 * 1024), `memory bounded (rss +${Math.round(rssGrowth / 1e6)} MB)`);
    const alive = await get(`${larder.npm()}honest`);
    t.equal(alive.status, 200, 'the daemon keeps serving other packages');
  });
}
