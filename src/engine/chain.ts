/**
 * The repositories one request visits and the facts the engine needs about each: shared by the
 * metadata and asset paths so both search in exactly the same order.
 */
import type { RepositoryConfig } from '../config/types.js';
import { searchOrder } from '../domain/repository-graph.js';
import type { Format } from '../domain/types.js';
import { LarderError } from '../errors.js';
import type { MetadataPolicy } from './metadata-cache.js';

export interface ChainContext {
  repositories: ReadonlyMap<string, RepositoryConfig>;
  /** The base URL of a gateway's external connection (npm's is read from npm's config lazily). */
  connectionBase(repository: RepositoryConfig): Promise<URL>;
}

export interface ChainStop {
  repository: RepositoryConfig;
  /** Set when this repository is a gateway for the requested format. */
  gateway: boolean;
}

export function requireRepository(context: ChainContext, name: string): RepositoryConfig {
  const repository = context.repositories.get(name);
  if (repository === undefined) {
    const known = [...context.repositories.keys()].join(', ');
    throw new LarderError('E_REPOSITORY_UNKNOWN', `no repository named "${name}" (configured: ${known})`, { operation: 'repository.lookup' });
  }
  return repository;
}

export function chainFor(context: ChainContext, requesting: string, format: Format): ChainStop[] {
  requireRepository(context, requesting);
  return searchOrder(requesting, (name) => context.repositories.get(name)).map((name) => {
    const repository = requireRepository(context, name);
    return { repository, gateway: repository.external?.format === format };
  });
}

export function metadataPolicy(repository: RepositoryConfig, format: Format): MetadataPolicy {
  return { ttlMs: repository.metadataTtlMs[format], refresh: repository.refresh, deadlineMs: repository.ingestionDeadlineMs, notFoundTtlMs: repository.notFoundTtlMs };
}

/**
 * The error a client gets when nothing in the chain could answer. `lostIn` names the repository
 * whose retained copy was found damaged or missing (evicted), so the message says so.
 */
/**
 * The answer for something never retained while larder is offline: 404 (a client fails at once
 * instead of retrying a 5xx) saying why and how to get it.
 */
export function offlineMiss(what: string, searched: readonly string[]): LarderError {
  return new LarderError(
    'E_OFFLINE',
    `larder is offline and ${what} was never retained in ${searched.join(', ')}: nothing is fetched while offline. ` +
      'Run larder online once to fetch it, or warm the cache beforehand (larder warm LOCKFILE, or larder import of an export).',
    { operation: 'chain.search', details: { searched: [...searched] } },
  );
}

export function unavailable(what: string, searched: string[], failures: LarderError[], lostIn?: string): LarderError {
  const first = failures[0];
  if (first === undefined) {
    return new LarderError('E_NOT_FOUND', `${what} was not found in ${searched.join(', ')}`, { operation: 'chain.search', details: { searched } });
  }
  if (first.code === 'E_INGESTION_IN_PROGRESS' || first.code === 'E_INTEGRITY_MISMATCH') return first;
  if (first.code === 'E_OFFLINE' && lostIn === undefined) return offlineMiss(what, searched);
  const reasons = failures.map((failure) => failure.message).join('; ');
  const situation =
    lostIn === undefined
      ? `${what} is not retained in ${searched.join(', ')} and no upstream could supply it`
      : `the stored copy of ${what} in ${lostIn} was damaged or removed and has been discarded, and no upstream could supply it again`;
  return new LarderError(first.code, `${situation}: ${reasons}`, {
    operation: 'chain.search',
    cause: first,
    details: { ...first.details, searched },
  });
}
