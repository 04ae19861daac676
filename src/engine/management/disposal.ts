/**
 * Dispose versions (record kept as `Disposed`, assets emptied) and delete the blobs that no
 * retained version in any repository still references. Blobs are content-addressed and shared
 * across the domain, so a blob goes only when the last reference to it goes.
 */
import { createHash } from 'node:crypto';
import type { RetainedVersion } from '../../domain/types.js';
import { LarderError } from '../../errors.js';
import { change, type VersionChange, type VersionChangeResult } from './changes.js';
import type { ManagementDeps } from './views.js';

/** Tries of remove-then-retain before giving up on a version a concurrent fetch keeps re-retaining. */
const DISPOSE_ATTEMPTS = 3;

function disposedRevision(previous: string): string {
  // Chained like the store's status revisions, so disposing is always a new revision.
  return createHash('sha256').update(previous).update('\0Disposed').digest('base64url').slice(0, 22);
}

/**
 * Replaces one version's record with its Disposed form. RetentionRecords has no atomic replace, so
 * this removes then retains; a fetch through the engine that lands in between would be kept
 * instead of ours (retain keeps what is there), hence the read-back and the retry.
 */
async function disposeOne(deps: ManagementDeps, request: VersionChange, version: string, released: Set<string>): Promise<RetainedVersion | undefined> {
  const { repository, format, package: pkg } = request;
  for (let attempt = 0; attempt < DISPOSE_ATTEMPTS; attempt += 1) {
    const current = (await deps.retention.getPackage(repository, format, pkg))?.versions;
    const existing = current !== undefined && Object.hasOwn(current, version) ? current[version] : undefined;
    if (existing === undefined) return undefined;
    if (existing.status === 'Disposed') return existing;
    const removed = await deps.retention.removeVersion(repository, format, pkg, version);
    if (removed === undefined) return undefined;
    for (const asset of removed.assets) released.add(asset.integrity);
    const disposed: RetainedVersion = { ...removed, status: 'Disposed', assets: [], revision: disposedRevision(removed.revision) };
    await deps.retention.retain(repository, disposed);
    const stored = await deps.retention.getPackage(repository, format, pkg);
    const now = stored !== undefined && Object.hasOwn(stored.versions, version) ? stored.versions[version] : undefined;
    if (now?.status === 'Disposed') return now;
  }
  throw new LarderError('E_CONFLICT', `${pkg}@${version} in ${repository} kept being retained again while it was disposed; try again`, {
    operation: 'management.dispose',
    details: { repository, format, package: pkg, version },
  });
}

/** Integrities still referenced by any version record in any configured repository. */
async function referencedIntegrities(deps: ManagementDeps, candidates: ReadonlySet<string>): Promise<Set<string>> {
  const held = new Set<string>();
  // A full scan: fine for one machine's cache; an index would be the next step if it ever is not.
  for (const repository of deps.repositories.keys()) {
    for await (const record of deps.retention.listPackages(repository)) {
      for (const retained of Object.values(record.versions)) {
        for (const asset of retained.assets) if (candidates.has(asset.integrity)) held.add(asset.integrity);
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
  if (released.size > 0) {
    const held = await referencedIntegrities(deps, released);
    for (const integrity of released) if (!held.has(integrity)) await deps.blobs.remove(integrity);
  }
  return result;
}
