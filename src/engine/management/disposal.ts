/**
 * Dispose versions (record kept as `Disposed`, assets emptied) and delete the blobs that no
 * retained version in any repository still references. Blobs are content-addressed and shared
 * across the domain, so a blob goes only when the last reference to it goes.
 */
import { createHash } from 'node:crypto';
import type { RetainedVersion } from '../../domain/types.js';
import { parseIntegrity } from '../../domain/integrity.js';
import { LarderError } from '../../errors.js';
import { change, type VersionChange, type VersionChangeResult } from './changes.js';
import type { ManagementDeps } from './views.js';

function disposedRevision(previous: string): string {
  // Chained like the store's status revisions, so disposing is always a new revision.
  return createHash('sha256').update(previous).update('\0Disposed').digest('base64url').slice(0, 22);
}

/** Replaces one version's record with its Disposed form, in one store write; its blobs go to `released`. */
async function disposeOne(deps: ManagementDeps, request: VersionChange, version: string, released: Set<string>): Promise<RetainedVersion | undefined> {
  const { repository, format, package: pkg } = request;
  const { before, after } = await deps.retention.updateVersion(repository, format, pkg, version, (existing) =>
    existing === undefined || existing.status === 'Disposed' ? existing : { ...existing, status: 'Disposed', assets: [], revision: disposedRevision(existing.revision) },
  );
  if (before !== undefined && before.status !== 'Disposed') for (const asset of before.assets) released.add(parseIntegrity(asset.integrity));
  return after;
}

/**
 * Integrities (normalised) still referenced by any version record of any repository, configured
 * or not: the same rule as `larder gc`, so a blob goes only when no record anywhere names it.
 */
async function referencedIntegrities(deps: ManagementDeps, candidates: ReadonlySet<string>): Promise<Set<string>> {
  const held = new Set<string>();
  // A full scan: fine for one machine's cache; an index would be the next step if it ever is not.
  for await (const record of deps.retention.allPackages()) {
    for (const retained of Object.values(record.versions)) {
      for (const asset of retained.assets) {
        const integrity = parseIntegrity(asset.integrity);
        if (candidates.has(integrity)) held.add(integrity);
      }
    }
  }
  return held;
}

/**
 * Disposes each version (guarded like status updates), then deletes the blobs nothing references.
 * A fetch that retains the same blob after the scan finds it missing and fetches it again (the
 * engine refetches a retained asset whose blob is gone).
 */
export async function disposeVersions(deps: ManagementDeps, request: VersionChange): Promise<VersionChangeResult> {
  const released = new Set<string>();
  const result = await change(deps, request, async (version) => {
    const disposed = await disposeOne(deps, request, version, released);
    return disposed === undefined ? undefined : { revision: disposed.revision, status: disposed.status };
  });
  await releaseBlobs(deps, released);
  return result;
}

/** Deletes the blobs of `released` that no version in any configured repository references. Returns how many went. */
async function releaseBlobs(deps: ManagementDeps, released: ReadonlySet<string>): Promise<number> {
  if (released.size === 0) return 0;
  const held = await referencedIntegrities(deps, released);
  let removed = 0;
  for (const integrity of released) {
    if (held.has(integrity)) continue;
    await deps.blobs.remove(integrity);
    removed += 1;
  }
  return removed;
}

export interface PurgedRepository {
  repository: string;
  packages: number;
  versions: number;
  blobsRemoved: number;
}

/**
 * Forgets a repository that is no longer configured: its records go, and the blobs of its
 * versions that no configured repository still references. Called after the config edit that
 * deleted it has been applied, so no request can retain into it meanwhile.
 */
export async function purgeRepository(deps: ManagementDeps, repository: string): Promise<PurgedRepository> {
  if (deps.repositories.has(repository)) {
    throw new LarderError('E_CONFLICT', `repository "${repository}" is still configured; delete it from the config first`, { operation: 'management.purge' });
  }
  const held = await deps.retention.purgeRepository(repository);
  const released = new Set(held.flatMap((version) => version.assets.map((asset) => parseIntegrity(asset.integrity))));
  const packages = new Set(held.map((version) => `${version.format}\0${version.package}`)).size;
  return { repository, packages, versions: held.length, blobsRemoved: await releaseBlobs(deps, released) };
}
