/**
 * Rules for retained versions, as pure functions. Retained bytes never change: a version that is
 * retained again only gains the assets it did not have (a PyPI version's second wheel).
 */
import { createHash } from 'node:crypto';
import type { AssetRef, RetainedVersion } from './types.js';

/** A revision that changes whenever the set of assets changes. */
export function assetRevision(assets: readonly AssetRef[]): string {
  const hash = createHash('sha256');
  for (const asset of [...assets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) hash.update(`${asset.name}\0${asset.integrity}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** `existing` plus the assets of `incoming` it lacks; `existing` itself when nothing is new. */
export function withNewAssets(existing: RetainedVersion, incoming: RetainedVersion): RetainedVersion {
  // A disposed version's assets are gone for good: it does not come back by being fetched again.
  if (existing.status === 'Disposed') return existing;
  const known = new Set(existing.assets.map((asset) => asset.name));
  const added = incoming.assets.filter((asset) => !known.has(asset.name));
  if (added.length === 0) return existing;
  const assets = [...existing.assets, ...added];
  return { ...existing, assets, revision: assetRevision(assets) };
}
