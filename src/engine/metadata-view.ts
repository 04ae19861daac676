/**
 * The metadata a client sees through repository R: the union of what every searched repository
 * retains and what the gateways' external connections offer (DESIGN.md §1 "Metadata").
 */
import type { Logger } from 'pino';
import type { RetainedVersion } from '../domain/types.js';
import { asLarderError, type LarderError } from '../errors.js';
import type { FormatProtocol, UnionAudience } from '../formats/protocol.js';
import { metadataPolicy, unavailable, type ChainContext } from './chain.js';
import type { MetadataCache } from './metadata-cache.js';
import { blockedNote, packageChain } from './package-chain.js';
import type { CacheOutcome, Retention } from './ports.js';

export interface MetadataView<Doc> {
  doc: Doc;
  outcome: CacheOutcome;
  searched: string[];
  /**
   * Epoch ms until which every upstream document in this view stays fresh (Infinity when none
   * is involved); undefined when one was stale or failed. Until then, only a change to the
   * records can change the view.
   */
  freshUntil?: number;
}

export interface MetadataViewDeps {
  chain: ChainContext;
  cache: MetadataCache;
  retention: Retention;
  log: Logger;
}

/** Outcomes in the order one of several gateways' outcomes describes the whole answer. */
const OUTCOME_WEIGHT: Record<CacheOutcome, number> = { bypass: 0, hit: 1, revalidated: 2, stale: 3, miss: 4 };

export async function viewMetadata<Doc>(
  deps: MetadataViewDeps,
  protocol: FormatProtocol<Doc>,
  requesting: string,
  pkg: string,
  variant: string,
  audience: UnionAudience = 'resolver',
): Promise<MetadataView<Doc>> {
  const { stops, upstreamBlocked } = await packageChain(deps.chain, deps.retention, requesting, protocol.format, pkg);
  const docs: Doc[] = [];
  const retained: RetainedVersion[] = [];
  const failures: LarderError[] = [];
  let outcome: CacheOutcome = 'hit';
  let freshUntil: number | undefined = Number.POSITIVE_INFINITY;
  for (const { repository, gateway, record } of stops) {
    if (record) retained.push(...Object.values(record.versions));
    if (record?.published !== undefined && protocol.publishedDocument !== undefined) {
      docs.push(protocol.publishedDocument(pkg, record.published, Object.values(record.versions), variant));
    }
    if (!gateway) continue;
    try {
      const upstreamBase = await deps.chain.connectionBase(repository);
      const lookup = await deps.cache.lookup({ repository: repository.name, upstreamBase, protocol, pkg, variant }, metadataPolicy(repository, protocol.format));
      if (lookup.entry) docs.push(deps.cache.decode(protocol, pkg, lookup.entry));
      freshUntil = lookup.freshUntil === undefined || freshUntil === undefined ? undefined : Math.min(freshUntil, lookup.freshUntil);
      if (lookup.upstreamError) failures.push(lookup.upstreamError);
      if (OUTCOME_WEIGHT[lookup.outcome] > OUTCOME_WEIGHT[outcome]) outcome = lookup.outcome;
    } catch (error) {
      freshUntil = undefined;
      const failure = asLarderError(error);
      if (failure.code === 'E_INGESTION_IN_PROGRESS' && retained.length === 0) throw failure;
      failures.push(failure);
    }
  }
  for (const failure of failures) deps.log.debug({ pkg, err: failure.message }, 'upstream failure while building metadata');
  const doc = protocol.union(docs, pkg, retained, variant, audience);
  const searched = stops.map((stop) => stop.repository.name);
  if (doc === undefined) throw unavailable(`${protocol.format} package ${pkg}${blockedNote(upstreamBlocked)}`, searched, failures);
  const view: MetadataView<Doc> = { doc, outcome: docs.length === 0 && failures.length > 0 ? 'stale' : outcome, searched };
  return freshUntil === undefined ? view : { ...view, freshUntil };
}
