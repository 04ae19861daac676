/**
 * The search for one package through repository R, with its origin controls applied (issue 9
 * §2): when any repository the search visits blocks the package from upstream — by a rule, or
 * because it published the package itself — no external connection is asked for it anywhere in
 * the search. A block anywhere wins: the point is that a public package of a private name never
 * mixes into what a client of R sees. Versions the searched repositories already retain still
 * count: retained versions never vanish (DESIGN §1).
 */
import { originControls } from '../domain/origin-controls.js';
import type { Format } from '../domain/types.js';
import type { PackageRecord } from '../store/types.js';
import { chainFor, type ChainContext, type ChainStop } from './chain.js';
import type { Retention } from './ports.js';

export interface PackageStop extends ChainStop {
  /** What this repository retains of the package (read once for the whole search). */
  record: PackageRecord | undefined;
  /** Whether this repository is a gateway before the origin controls switch it off. */
  connected: boolean;
}

export interface PackageChain {
  stops: PackageStop[];
  /** The repository whose controls keep the external connections out, and why. */
  upstreamBlocked?: { by: string; because: 'rule' | 'published here' };
}

export async function packageChain(chain: ChainContext, retention: Pick<Retention, 'getPackage'>, requesting: string, format: Format, pkg: string): Promise<PackageChain> {
  const stops: PackageStop[] = [];
  let upstreamBlocked: PackageChain['upstreamBlocked'];
  for (const stop of chainFor(chain, requesting, format)) {
    const record = await retention.getPackage(stop.repository.name, format, pkg);
    stops.push({ ...stop, record, connected: stop.gateway });
    // A rule outranks "published here" as the reason: the publish guard trusts only a rule.
    if (upstreamBlocked?.because === 'rule') continue;
    const controls = originControls(stop.repository.packageRules, format, pkg, record?.published !== undefined);
    if (controls.upstream === 'block' && (controls.upstreamBecause === 'rule' || upstreamBlocked === undefined)) {
      upstreamBlocked = { by: stop.repository.name, because: controls.upstreamBecause === 'rule' ? 'rule' : 'published here' };
    }
  }
  if (upstreamBlocked === undefined) return { stops };
  return { stops: stops.map((stop) => ({ ...stop, gateway: false })), upstreamBlocked };
}

/** Says, for a 404, why no external connection was asked. */
export function blockedNote(blocked: PackageChain['upstreamBlocked']): string {
  if (blocked === undefined) return '';
  return blocked.because === 'rule'
    ? ` (no external connection was asked: a packages rule in ${blocked.by} blocks it from upstream)`
    : ` (no external connection was asked: ${blocked.by} publishes this package, so it is never taken from a public registry)`;
}
