/**
 * `GET /-/health` (issue 8 §5): is this daemon able to serve, for probes (service containers,
 * load balancers, `larder health`). Failing (503) only when the store cannot take writes: an
 * unreachable upstream leaves larder serving what it holds, so that is "degraded" (still 200),
 * with each connection's state and last error for whoever looks.
 */
import type { RepositoryConfig } from '../config/types.js';
import { describeError } from '../errors.js';
import type { DiskProbe } from '../store/disk-probe.js';
import type { OriginBreaker } from './breaker.js';

export type HealthStatus = 'ok' | 'degraded' | 'failing';

export interface ConnectionHealth {
  repository: string;
  format: string;
  /** Origin only: a configured URL may carry credentials. */
  origin: string | null;
  state: 'AVAILABLE' | 'UNREACHABLE' | 'OFFLINE';
  lastError?: string;
}

export interface HealthReport {
  status: HealthStatus;
  ready: true;
  version: string;
  uptimeSeconds: number;
  offline: boolean;
  store: DiskProbe & { lowSpace: boolean };
  upstreams: ConnectionHealth[];
}

export interface HealthDeps {
  repositories(): ReadonlyMap<string, RepositoryConfig>;
  connectionBase(repository: RepositoryConfig): Promise<URL>;
  breaker: Pick<OriginBreaker, 'status'>;
  probeStore(): Promise<DiskProbe>;
  offline: boolean;
  version: string;
  startedAt: number;
  now?: () => number;
}

/** Below this much free space the store is "low" (degraded): a few large artifacts from full. */
export const LOW_SPACE_BYTES = 512 * 1024 * 1024;
/** Probes come every few seconds from several places; one disk write per this long is enough. */
const PROBE_REUSE_MS = 2000;

export class HealthCheck {
  readonly #deps: HealthDeps;
  #probe: { at: number; result: Promise<DiskProbe> } | undefined;

  constructor(deps: HealthDeps) {
    this.#deps = deps;
  }

  async report(): Promise<HealthReport> {
    const now = (this.#deps.now ?? Date.now)();
    if (this.#probe === undefined || now - this.#probe.at > PROBE_REUSE_MS) this.#probe = { at: now, result: this.#deps.probeStore() };
    const disk = await this.#probe.result;
    const store = { ...disk, lowSpace: disk.freeBytes !== undefined && disk.freeBytes < LOW_SPACE_BYTES };
    const upstreams: ConnectionHealth[] = [];
    for (const repository of this.#deps.repositories().values()) {
      if (repository.external !== undefined) upstreams.push(await this.#connection(repository));
    }
    const status: HealthStatus = !store.writable ? 'failing' : store.lowSpace || upstreams.some((u) => u.state === 'UNREACHABLE') ? 'degraded' : 'ok';
    return {
      status,
      ready: true,
      version: this.#deps.version,
      uptimeSeconds: Math.round((now - this.#deps.startedAt) / 1000),
      offline: this.#deps.offline,
      store,
      upstreams,
    };
  }

  async #connection(repository: RepositoryConfig): Promise<ConnectionHealth> {
    const base = { repository: repository.name, format: repository.external?.format ?? '' };
    let origin: string;
    try {
      origin = (await this.#deps.connectionBase(repository)).origin;
    } catch (error) {
      return { ...base, origin: null, state: 'UNREACHABLE', lastError: describeError(error) };
    }
    if (this.#deps.offline) return { ...base, origin, state: 'OFFLINE' };
    const { open, lastError } = this.#deps.breaker.status(origin);
    return { ...base, origin, state: open ? 'UNREACHABLE' : 'AVAILABLE', ...(lastError === undefined ? {} : { lastError }) };
  }
}
