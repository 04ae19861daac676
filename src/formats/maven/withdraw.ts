/**
 * Withdrawing one deployed file that failed its checksum (http/maven-deploy.ts): the file never
 * arrived intact, so it is taken out of the published version, and the version itself goes when
 * that file was all it had. Pure; inputs are never mutated.
 */
import { assetRevision } from '../../domain/retention.js';
import type { AssetRef, RetainedVersion } from '../../domain/types.js';

/** `versions` without `asset` in `version` (only when that version was published and still holds exactly that file). */
export function withoutAsset(versions: Readonly<Record<string, RetainedVersion>>, version: string, asset: AssetRef): Record<string, RetainedVersion> {
  const held = Object.hasOwn(versions, version) ? versions[version] : undefined;
  // Another request may have changed it since the checksum was compared: leave anything else alone.
  if (held === undefined || held.origin.published !== true || !held.assets.some((file) => file.name === asset.name && file.integrity === asset.integrity)) {
    return { ...versions };
  }
  const assets = held.assets.filter((file) => file.name !== asset.name);
  const rest = Object.fromEntries(Object.entries(versions).filter(([number]) => number !== version));
  return assets.length === 0 ? rest : { ...rest, [version]: { ...held, assets, revision: assetRevision(assets) } };
}
