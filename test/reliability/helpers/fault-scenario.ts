/**
 * One network-fault scenario: a raw upstream with four packages, a real larder in front of it,
 * and the steps every fault repeats — warm a retained version, check it keeps serving while the
 * fault lasts, then end the fault and check nothing wrong was kept and the next fetch is right.
 *
 * Packages: `kept` (retained before the fault), `fresh` (packument cached, tarball not),
 * `big` (a 2 MiB tarball, past larder's 1 MiB verify window, so a fault reaches the client
 * after the 200 is under way), `cold` (never fetched: its packument is the target).
 */
import type { Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestLarder, type TestLarder } from '../../helpers/larder.js';
import { buildNpmTarball, type TarballInfo } from '../../helpers/tarball.js';
import { startRawUpstream, type RawUpstream, type RawUpstreamOptions } from './raw-upstream.js';
import {
  ABBREVIATED,
  assertNoCredentials,
  assertNoUpstreamCookie,
  blobCount,
  get,
  retainedVersions,
  sha512,
  tmpFileCount,
  type Fetched,
} from './probes.js';

export type PackageName = 'kept' | 'fresh' | 'big' | 'cold';
export type Fixtures = Readonly<Record<PackageName, TarballInfo>>;

export async function buildFixtures(): Promise<Fixtures> {
  const build = (name: PackageName, size?: number): Promise<TarballInfo> =>
    buildNpmTarball({ name, version: '1.0.0' }, { indexJs: `module.exports = ${JSON.stringify(name)};\n`, seed: name, ...(size === undefined ? {} : { size }) });
  const [kept, fresh, big, cold] = await Promise.all([build('kept'), build('fresh'), build('big', 2 * 1024 * 1024), build('cold')]);
  return { kept, fresh, big, cold };
}

/** Timeouts short enough for fault tests; a breaker that stays closed so every fault is seen. */
export const FAULT_UPSTREAM = { connectTimeout: '2s', headersTimeout: '3s', bodyTimeout: '3s', retries: 0, breakerThreshold: 1000, breakerCooldown: '30s' };

export interface ScenarioOptions {
  upstream?: Partial<typeof FAULT_UPSTREAM>;
  ingestionDeadline?: string;
  maxMetadataSize?: string;
  raw?: RawUpstreamOptions;
}

export class Scenario {
  /** Every response larder gave in this scenario, for the cookie check. */
  readonly responses: Fetched[] = [];

  constructor(
    readonly raw: RawUpstream,
    public larder: TestLarder,
    readonly fixtures: Fixtures,
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Fetched> {
    const res = await get(`${this.larder.npm()}${path}`, headers);
    this.responses.push(res);
    return res;
  }

  tarballPath(name: PackageName): string {
    return `${name}/-/${name}-1.0.0.tgz`;
  }

  /** Retains kept@1.0.0 and caches the packuments of fresh and big, as npm would. */
  async warm(t: Test): Promise<void> {
    for (const name of ['kept', 'fresh', 'big'] as const) {
      const doc = await this.get(name, { accept: ABBREVIATED });
      t.equal(doc.status, 200, `warm: ${name}'s packument`);
    }
    const tarball = await this.get(this.tarballPath('kept'));
    t.equal(sha512(tarball.body), this.fixtures.kept.integrity, 'warm: kept@1.0.0 retained');
    await this.larder.daemon.settle();
  }

  /** While the fault lasts: the retained version installs, from the store, with its packument. */
  async retainedStillServes(t: Test): Promise<void> {
    const before = this.raw.count(/^\/kept\/-\//);
    const tarball = await this.get(this.tarballPath('kept'));
    t.equal(tarball.status, 200, 'during the fault: the retained tarball is served');
    t.ok(tarball.complete && sha512(tarball.body) === this.fixtures.kept.integrity, 'during the fault: with its exact bytes');
    t.equal(this.raw.count(/^\/kept\/-\//), before, 'during the fault: without asking the upstream');
    const doc = await this.get('kept', { accept: ABBREVIATED });
    t.equal(doc.status, 200, 'during the fault: the retained version is still listed');
    const listed = doc.status === 200 ? (JSON.parse(doc.body.toString('utf8')) as { versions?: Record<string, { dist?: { integrity?: string } }> }) : {};
    t.equal(listed.versions?.['1.0.0']?.dist?.integrity, this.fixtures.kept.integrity, 'during the fault: with its digest');
  }

  /** Ends the fault: plans cleared, stalled answers cut, fills settled, tmp files gone. */
  async endFault(t: Test): Promise<void> {
    this.raw.clearPlans();
    await this.raw.dropConnections();
    await this.larder.daemon.settle();
    const leftAfterSettle = await tmpFileCount(this.larder);
    const left = await waitForNoTmp(this.larder);
    if (leftAfterSettle > 0) t.comment(`note: ${leftAfterSettle} tmp file(s) still there right after settle(); gone after ${left.waitedMs} ms`);
    t.equal(left.count, 0, 'no tmp file left behind');
  }

  /**
   * Nothing of `name`@1.0.0 was retained, then the next fetch is a miss with the right bytes.
   * `completeBodyMayLand`: every byte arrived before the framing broke, so the verified blob may
   * have been stored (right content); it must still not be retained as a version.
   */
  async nextTarballFetchIsRight(t: Test, name: PackageName, blobsBefore: number, completeBodyMayLand = false): Promise<void> {
    t.same(await retainedVersions(this.larder, name), [], `${name}@1.0.0 not retained in default`);
    t.same(await retainedVersions(this.larder, name, 'npm-store'), [], `${name}@1.0.0 not retained in npm-store`);
    const added = (await blobCount(this.larder)) - blobsBefore;
    if (completeBodyMayLand) t.ok(added <= 1, `at most the verified blob was added (${added})`);
    else t.equal(added, 0, 'no blob was added');
    const next = await this.get(this.tarballPath(name));
    t.equal(next.status, 200, 'after the fault: 200');
    const cache = next.headers.get('x-cache');
    if (completeBodyMayLand && added === 1) t.equal(cache, 'hit', 'after the fault: the verified blob serves it');
    else t.equal(cache, 'miss', 'after the fault: a miss (nothing was kept from the fault)');
    t.equal(next.complete ? sha512(next.body) : 'incomplete', this.fixtures[name].integrity, 'after the fault: the exact bytes');
  }

  /** The next packument fetch is a miss listing the right digest and a larder tarball URL. */
  async nextPackumentFetchIsRight(t: Test, name: PackageName): Promise<void> {
    const next = await this.get(name, { accept: ABBREVIATED });
    t.equal(next.status, 200, 'after the fault: the packument is served');
    t.equal(next.headers.get('x-cache'), 'miss', 'after the fault: fetched anew');
    const doc = next.status === 200 ? (JSON.parse(next.body.toString('utf8')) as { versions?: Record<string, { dist?: { integrity?: string; tarball?: string } }> }) : {};
    const dist = doc.versions?.['1.0.0']?.dist;
    t.equal(dist?.integrity, this.fixtures[name].integrity, 'after the fault: the right digest');
    t.equal(dist?.tarball, `${this.larder.npm()}${this.tarballPath(name)}`, 'after the fault: the tarball is fetched through larder');
  }

  /** No credential went upstream; no upstream cookie came back to a client. */
  checkCredentials(t: Test): void {
    assertNoCredentials(t, this.raw.requests, 'upstream');
    const relayed = this.responses.filter((res) => res.headers.get('set-cookie') !== null);
    if (relayed.length > 0) for (const res of relayed) assertNoUpstreamCookie(t, res, 'client response');
    else t.pass(`no client response relayed a Set-Cookie (${this.responses.length} responses)`);
  }
}

/** cacache removes a failed write's tmp file a little after the failure is reported. */
export async function waitForNoTmp(larder: TestLarder, limitMs = 3000): Promise<{ count: number; waitedMs: number }> {
  const started = Date.now();
  let count = await tmpFileCount(larder);
  while (count > 0 && Date.now() - started < limitMs) {
    await sleep(25);
    count = await tmpFileCount(larder);
  }
  return { count, waitedMs: Date.now() - started };
}

export async function startScenario(t: Test, fixtures: Fixtures, options: ScenarioOptions = {}): Promise<Scenario> {
  const raw = await startRawUpstream(options.raw);
  for (const name of ['kept', 'fresh', 'big', 'cold'] as const) raw.addPackage(name, { '1.0.0': fixtures[name] });
  const larder = await startFaultLarder(raw.url, options);
  const scenario = new Scenario(raw, larder, fixtures);
  t.teardown(async () => {
    await scenario.larder.stop();
    await raw.stop();
  });
  return scenario;
}

/**
 * A larder whose metadata is always stale (1 ms TTL), so every packument request asks upstream;
 * `dataDir` restarts one on the data of another.
 */
export function startFaultLarder(url: string, options: ScenarioOptions = {}, dataDir?: string): Promise<TestLarder> {
  return startTestLarder({
    npmUpstream: url,
    ...(dataDir === undefined ? {} : { dataDir }),
    config: {
      upstream: { ...FAULT_UPSTREAM, ...options.upstream },
      defaults: { refresh: 'blocking', ingestionDeadline: options.ingestionDeadline ?? '10s', metadataTtl: { npm: '1ms' } },
      ...(options.maxMetadataSize === undefined ? {} : { limits: { maxMetadataSize: options.maxMetadataSize } }),
    },
  });
}
