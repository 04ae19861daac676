/**
 * Ingestion prefetch (DESIGN §1): when a version comes in through an external connection, fetch
 * in the background what its dependencies resolve to (the format's PrefetchRules say which
 * versions), the way a client of the same repository would: through the metadata cache and the
 * asset service, so everything lands in the store and is retained in the requesting repository
 * and its gateway. The version a client would install is expanded in turn, so the whole tree
 * comes in; other picks (npm's `latest` outside the range) are fetched alone.
 *
 * Bounded on every side: a few fetches at a time, a queue with a cap, and a memory of what was
 * already scheduled (so a tree of a thousand packages that all share `tslib` asks for it once).
 * A client never waits for any of it.
 */
import { finished } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { RepositoryConfig } from '../config/types.js';
import { asLarderError } from '../errors.js';
import type { FormatProtocol, Platform, PrefetchPick, PrefetchRules } from '../formats/protocol.js';
import type { AssetRequest, ServedAsset } from './asset-service.js';
import { viewMetadata, type MetadataViewDeps } from './metadata-view.js';

/** A version that just came in through an external connection for a client of `repository`. */
export interface IngestedVersion {
  repository: string;
  pkg: string;
  version: string;
  /** The manifest snapshotted with the version (its dependencies are read from it). */
  manifest: unknown;
}

export interface PrefetcherDeps {
  repositories(): ReadonlyMap<string, RepositoryConfig>;
  metadata: MetadataViewDeps;
  assets: { serve<Doc>(protocol: FormatProtocol<Doc>, request: AssetRequest): Promise<ServedAsset> };
  offline: boolean;
  log: Logger;
  platform?: Platform;
  /** Fetches at a time (default 4). */
  concurrency?: number;
  /** Tasks waiting beyond this are dropped (default 10 000). */
  maxQueued?: number;
  /** Scheduled dependencies and versions remembered, so each is asked for once (default 50 000). */
  memory?: number;
}

interface Tally {
  fetched: number;
  present: number;
  failed: number;
  dropped: number;
  startedAt: number;
}

const emptyTally = (): Tally => ({ fetched: 0, present: 0, failed: 0, dropped: 0, startedAt: Date.now() });
/** Quiet time after which a burst of prefetching is summed up in one log line. */
const REPORT_AFTER_QUIET_MS = 1000;

export class Prefetcher {
  readonly #deps: PrefetcherDeps;
  readonly #platform: Platform;
  readonly #queue: Array<() => Promise<void>> = [];
  /** Insertion-ordered, so the oldest go first when it is full. */
  readonly #scheduled = new Set<string>();
  /** Versions fetched outside the tree: their own ingestion is not expanded. */
  readonly #leaves = new Set<string>();
  readonly #idle: Array<() => void> = [];
  #running = 0;
  #stopped = false;
  #tally = emptyTally();
  #report: NodeJS.Timeout | undefined;

  constructor(deps: PrefetcherDeps) {
    this.#deps = deps;
    this.#platform = deps.platform ?? { os: process.platform, cpu: process.arch };
  }

  /** Called by the asset service after a version came in through an external connection. */
  ingested<Doc>(protocol: FormatProtocol<Doc>, event: IngestedVersion): void {
    const rules = protocol.prefetch;
    if (rules === undefined || this.#deps.offline || this.#stopped) return;
    if (this.#deps.repositories().get(event.repository)?.prefetch !== true) return;
    if (this.#leaves.delete(versionKey(event.repository, protocol, event.pkg, event.version))) return;
    this.#expand(protocol, rules, event.repository, event.manifest);
  }

  /** Nothing queued, nothing running. */
  get idle(): boolean {
    return this.#running === 0 && this.#queue.length === 0;
  }

  /** Resolves once nothing is queued or running (tests, shutdown). */
  settle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drops what is queued; what is running finishes (settle waits for it). */
  stop(): void {
    this.#stopped = true;
    this.#tally.dropped += this.#queue.length;
    this.#queue.length = 0;
    this.#checkIdle();
  }

  #expand<Doc>(protocol: FormatProtocol<Doc>, rules: PrefetchRules<Doc>, repository: string, manifest: unknown): void {
    for (const dependency of rules.dependencies(manifest)) {
      if (!this.#schedule(['range', repository, protocol.format, dependency.name, dependency.range].join('\u0000'))) continue;
      this.#enqueue(() => this.#resolve(protocol, rules, repository, dependency.name, dependency.range));
    }
  }

  async #resolve<Doc>(protocol: FormatProtocol<Doc>, rules: PrefetchRules<Doc>, repository: string, pkg: string, range: string): Promise<void> {
    const view = await viewMetadata(this.#deps.metadata, protocol, repository, pkg, rules.variant, 'resolver');
    for (const pick of rules.picks(view.doc, range, this.#platform)) {
      const key = versionKey(repository, protocol, pkg, pick.version);
      if (!this.#schedule(key)) continue;
      this.#enqueue(() => this.#fetch(protocol, rules, repository, pkg, pick, key));
    }
  }

  async #fetch<Doc>(protocol: FormatProtocol<Doc>, rules: PrefetchRules<Doc>, repository: string, pkg: string, pick: PrefetchPick, key: string): Promise<void> {
    if (!pick.inTree) this.#remember(this.#leaves, key);
    const served = await this.#deps.assets.serve(protocol, { repository, pkg, version: pick.version, assetName: rules.assetName(pkg, pick.version) });
    if (served.outcome === 'miss') {
      // Read to the end: the fill streams to this reader and to the store at once. Its
      // ingestion then expands the version (or not, for a leaf) like any other.
      served.body.resume();
      await finished(served.body);
      this.#tally.fetched += 1;
      return;
    }
    served.body.destroy();
    this.#tally.present += 1;
    this.#leaves.delete(key);
  }

  /** False when `key` was scheduled before; else remembers it. */
  #schedule(key: string): boolean {
    if (this.#scheduled.has(key)) return false;
    this.#remember(this.#scheduled, key);
    return true;
  }

  #remember(set: Set<string>, key: string): void {
    set.add(key);
    const limit = this.#deps.memory ?? 50_000;
    if (set.size <= limit) return;
    // Forget the oldest tenth at once rather than one per insert.
    let excess = set.size - Math.floor(limit * 0.9);
    for (const old of set) {
      if (excess-- <= 0) break;
      set.delete(old);
    }
  }

  #enqueue(task: () => Promise<void>): void {
    if (this.#stopped) return;
    if (this.#queue.length >= (this.#deps.maxQueued ?? 10_000)) {
      this.#tally.dropped += 1;
      return;
    }
    // A new burst, unless the last one has not been reported yet (then this continues it).
    if (this.idle && this.#report === undefined) this.#tally = emptyTally();
    this.#queue.push(task);
    this.#pump();
  }

  #pump(): void {
    while (this.#running < (this.#deps.concurrency ?? 4)) {
      const task = this.#queue.shift();
      if (task === undefined) break;
      this.#running += 1;
      task()
        .catch((error: unknown) => {
          this.#tally.failed += 1;
          this.#deps.log.debug({ err: asLarderError(error).message }, 'prefetch failed');
        })
        .finally(() => {
          this.#running -= 1;
          this.#pump();
          this.#checkIdle();
        });
    }
  }

  #checkIdle(): void {
    if (!this.idle) return;
    for (const resolve of this.#idle.splice(0)) resolve();
    // A fetched version's own ingestion comes a moment after its fetch ends: report a burst
    // once it has been quiet for a while, not at every pause inside it.
    clearTimeout(this.#report);
    this.#report = setTimeout(() => this.#reportBurst(), this.#stopped ? 0 : REPORT_AFTER_QUIET_MS);
    this.#report.unref();
  }

  #reportBurst(): void {
    this.#report = undefined;
    if (!this.idle) return;
    const { fetched, present, failed, dropped, startedAt } = this.#tally;
    this.#tally = emptyTally();
    if (fetched + failed + dropped === 0) return;
    const ms = Date.now() - startedAt - REPORT_AFTER_QUIET_MS;
    this.#deps.log.info({ fetched, alreadyStored: present, failed, dropped, ms }, `prefetch: fetched ${fetched} versions${failed > 0 ? `, ${failed} failed` : ''}`);
  }
}

function versionKey<Doc>(repository: string, protocol: FormatProtocol<Doc>, pkg: string, version: string): string {
  return ['version', repository, protocol.format, pkg, version].join('\u0000');
}
