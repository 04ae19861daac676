/**
 * Metadata documents from one gateway's external connection, cached with a TTL. The decision
 * of what to do with a request is `lookup`, readable top to bottom; `#refresh` is the one
 * conditional fetch, shared by concurrent callers.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { RefreshMode } from '../config/types.js';
import type { Format } from '../domain/types.js';
import { LarderError, asLarderError, describeError, isLarderError } from '../errors.js';
import type { FormatProtocol } from '../formats/protocol.js';
import type { MetadataEntry } from '../store/types.js';
import { readBodyText } from '../upstream/read-body.js';
import type { UpstreamClient } from '../upstream/types.js';
import { isOriginFailure, type OriginBreaker } from './breaker.js';
import { DecodedDocuments } from './decoded-documents.js';
import { guardedRequest } from './guarded-request.js';
import { withinDeadline } from './deadline.js';
import type { CacheOutcome, MetadataEntries } from './ports.js';
import { SingleFlight } from './single-flight.js';

export interface MetadataTarget<Doc> {
  /** The gateway repository whose external connection answers. */
  repository: string;
  upstreamBase: URL;
  protocol: FormatProtocol<Doc>;
  pkg: string;
  variant: string;
}

export interface MetadataPolicy {
  ttlMs: number;
  refresh: RefreshMode;
  deadlineMs: number;
  notFoundTtlMs: number;
}

export interface MetadataLookup {
  entry?: MetadataEntry;
  outcome: CacheOutcome;
  /** The upstream said the package does not exist (404/410). */
  absent?: boolean;
  /** Why no fresh copy could be had (the entry, if any, is served stale). */
  upstreamError?: LarderError;
  /**
   * Epoch ms until which the same lookup would answer the same entry without asking upstream
   * (Infinity offline); undefined when the answer is stale, failed or a remembered not-found.
   */
  freshUntil?: number;
}

interface RefreshResult {
  entry?: MetadataEntry;
  outcome: CacheOutcome;
  absent?: boolean;
}

export interface MetadataCacheDeps {
  entries: MetadataEntries;
  client: UpstreamClient;
  breaker: OriginBreaker;
  offline: boolean;
  maxBodyBytes: number;
  log: Logger;
  /** Told when a package's document changed upstream (stored anew); awaited before the answer. */
  onChanged?: (repository: string, format: Format, pkg: string) => Promise<void>;
  now?: () => number;
}

export class MetadataCache {
  readonly #deps: MetadataCacheDeps;
  readonly #now: () => number;
  readonly #flights = new SingleFlight<RefreshResult>();
  readonly #decoded = new DecodedDocuments();

  constructor(deps: MetadataCacheDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** The entry's document, parsed (or parsed before from the same text). */
  decode<Doc>(protocol: FormatProtocol<Doc>, pkg: string, entry: MetadataEntry): Doc {
    return this.#decoded.decode(protocol, pkg, entry.body, entry.bodyDigest);
  }

  /** `force` refreshes a fresh entry too (a client asked for a version the cached copy lacks). */
  async lookup<Doc>(target: MetadataTarget<Doc>, policy: MetadataPolicy, force = false): Promise<MetadataLookup> {
    const found = await this.#lookup(target, policy, force);
    if (found.entry === undefined || found.upstreamError !== undefined || found.outcome === 'stale') return found;
    return { ...found, freshUntil: this.#deps.offline ? Number.POSITIVE_INFINITY : found.entry.fetchedAt + policy.ttlMs };
  }

  async #lookup<Doc>(target: MetadataTarget<Doc>, policy: MetadataPolicy, force: boolean): Promise<MetadataLookup> {
    const { repository, protocol, pkg, variant } = target;
    const entry = await this.#deps.entries.get(repository, protocol.format, pkg, variant);
    if (entry?.absent) return this.#lookupAbsent(target, policy, entry, force);
    if (this.#deps.offline) {
      return entry ? { entry, outcome: 'hit' } : { outcome: 'miss', upstreamError: offlineError(repository) };
    }
    if (entry && !force && this.#now() - entry.fetchedAt < policy.ttlMs) return { entry, outcome: 'hit' };

    const refresh = this.#flights.run(flightKey(repository, protocol.format, pkg, variant), () => this.#refresh(target, entry));
    if (entry && !force && policy.refresh === 'background') {
      refresh.catch((error: unknown) => {
        // While the breaker is open every refresh fails the same way: one warning per outage is
        // the breaker's own, not one per package.
        const level = isLarderError(error, 'E_UPSTREAM_COOLDOWN') ? 'debug' : 'warn';
        this.#deps.log[level]({ repository, pkg, err: describeError(error) }, 'background metadata refresh failed; serving the cached copy');
      });
      return { entry, outcome: 'stale' };
    }
    const settled = await withinDeadline(
      refresh.then(
        (result) => ({ result }),
        (error: unknown) => ({ error: asLarderError(error) }),
      ),
      policy.deadlineMs,
    );
    if (!settled.done) {
      if (entry) return { entry, outcome: 'stale' };
      throw ingestionInProgress(repository, pkg);
    }
    if ('error' in settled.value) {
      // stale-if-error: an upstream failure never hides what is cached.
      return entry ? { entry, outcome: 'stale', upstreamError: settled.value.error } : { outcome: 'miss', upstreamError: settled.value.error };
    }
    return settled.value.result;
  }

  /**
   * A remembered "not found": fresh for notFoundTtl, then asked again; whatever goes wrong
   * while asking (an outage, the deadline), it stays not found — stale-if-error for negatives.
   */
  async #lookupAbsent<Doc>(target: MetadataTarget<Doc>, policy: MetadataPolicy, entry: MetadataEntry, force: boolean): Promise<MetadataLookup> {
    if (this.#deps.offline || (!force && this.#now() - entry.fetchedAt < policy.notFoundTtlMs)) return { absent: true, outcome: 'hit' };
    const { repository, protocol, pkg, variant } = target;
    const refresh = this.#flights.run(flightKey(repository, protocol.format, pkg, variant), () => this.#refresh(target, undefined));
    const settled = await withinDeadline(
      refresh.then(
        (result) => result,
        (error: unknown) => {
          this.#deps.log.debug({ repository, pkg, err: describeError(error) }, 'upstream failed; still answering the remembered not-found');
          return undefined;
        },
      ),
      policy.deadlineMs,
    );
    return settled.done && settled.value !== undefined ? settled.value : { absent: true, outcome: 'stale' };
  }

  /** The stored entry, fresh or not, without any upstream request (never a remembered not-found). */
  async peek<Doc>(target: MetadataTarget<Doc>): Promise<MetadataEntry | undefined> {
    const entry = await this.#deps.entries.get(target.repository, target.protocol.format, target.pkg, target.variant);
    return entry?.absent ? undefined : entry;
  }

  /** Waits for background refreshes (shutdown, tests). */
  settle(): Promise<void> {
    return this.#flights.settle();
  }

  async #refresh<Doc>(target: MetadataTarget<Doc>, current: MetadataEntry | undefined): Promise<RefreshResult> {
    const { repository, protocol, pkg, variant } = target;
    const { entries, client, breaker } = this.#deps;
    const request = protocol.metadataRequest(target.upstreamBase, pkg, variant);
    const headers = { ...request.headers };
    if (current?.etag) headers['if-none-match'] = current.etag;
    if (current?.lastModified) headers['if-modified-since'] = current.lastModified;
    const origin = request.url.origin;
    const response = await guardedRequest(client, breaker, request.url, { headers });
    try {
      if (response.status === 304 && current) {
        response.body.resume();
        return this.#touch(target, current, 'revalidated');
      }
      if (response.status === 404 || response.status === 410) {
        response.body.resume();
        const notFound: MetadataEntry = { body: '', contentType: '', fetchedAt: this.#now(), bodyDigest: '', absent: true };
        await entries.set(repository, protocol.format, pkg, variant, notFound);
        return { entry: undefined, outcome: 'miss', absent: true };
      }
      if (response.status !== 200) {
        response.body.resume();
        throw new LarderError('E_UPSTREAM_STATUS', `${origin} answered ${response.status} for the metadata of ${pkg}`, {
          operation: 'metadata.fetch',
          details: { url: request.url.href, status: response.status },
        });
      }
      const text = await readBodyText(response, this.#deps.maxBodyBytes, 'metadata.fetch');
      const parsed = protocol.parseMetadata(text, response.headers['content-type'] ?? '', pkg, variant, response.url);
      const bodyDigest = createHash('sha256').update(parsed.body).digest('base64');
      const fetched: MetadataEntry = {
        body: parsed.body,
        contentType: parsed.contentType,
        etag: response.headers.etag,
        lastModified: response.headers['last-modified'],
        fetchedAt: this.#now(),
        modifiedAt: parsed.modifiedAt,
        bodyDigest,
      };
      if (current && current.bodyDigest === bodyDigest) return this.#touch(target, { ...current, etag: fetched.etag, lastModified: fetched.lastModified }, 'revalidated');
      if (current?.modifiedAt !== undefined && parsed.modifiedAt !== undefined && parsed.modifiedAt < current.modifiedAt) {
        // A lagging mirror or replica answered with an older document: keep the newer one.
        this.#deps.log.warn({ repository, pkg, cached: current.modifiedAt, answered: parsed.modifiedAt }, 'upstream answered older metadata than the cached copy; kept the cached copy');
        return this.#touch(target, current, 'revalidated');
      }
      await entries.set(repository, protocol.format, pkg, variant, fetched);
      // Awaited: what it forgets (remembered misses) must be gone before the next request looks.
      await this.#deps.onChanged?.(repository, protocol.format, pkg);
      return { entry: fetched, outcome: 'miss' };
    } catch (error) {
      response.body.destroy();
      const failure = asLarderError(error);
      // The headers came back, so the origin answered; a body cut off mid-way still counts.
      if (isOriginFailure(failure)) breaker.failed(origin, failure.message);
      throw failure;
    }
  }

  async #touch<Doc>(target: MetadataTarget<Doc>, entry: MetadataEntry, outcome: CacheOutcome): Promise<RefreshResult> {
    const touched = { ...entry, fetchedAt: this.#now() };
    await this.#deps.entries.set(target.repository, target.protocol.format, target.pkg, target.variant, touched);
    return { entry: touched, outcome };
  }
}

function flightKey(repository: string, format: Format, pkg: string, variant: string): string {
  return [repository, format, pkg, variant].join('\u0000');
}

function offlineError(repository: string): LarderError {
  return new LarderError('E_OFFLINE', `larder is offline and ${repository} has no cached copy`, { operation: 'metadata.lookup' });
}

export function ingestionInProgress(repository: string, pkg: string): LarderError {
  return new LarderError('E_INGESTION_IN_PROGRESS', 'Ingestion is in progress. Please try again later.', {
    operation: 'ingestion',
    details: { repository, package: pkg },
  });
}
