/**
 * Update version statuses and delete versions, each version on its own: the answer lists which
 * succeeded and why the others failed (the hosted service's error codes).
 */
import type { Format, VersionStatus } from '../../domain/types.js';
import { asLarderError } from '../../errors.js';
import { requirePackage, type ManagementDeps } from './views.js';

export type VersionErrorCode = 'MISMATCHED_STATUS' | 'NOT_FOUND' | 'NOT_ALLOWED' | 'ALREADY_EXISTS';

export interface VersionChangeResult {
  successfulVersions: Record<string, { revision: string; status: VersionStatus }>;
  failedVersions: Record<string, { errorCode: VersionErrorCode; errorMessage: string }>;
}

export interface VersionChange {
  repository: string;
  format: Format;
  package: string;
  versions: string[];
  /** The guard: a version whose status is not this one is left alone (MISMATCHED_STATUS). */
  expectedStatus?: VersionStatus;
}

/** True when every version failed on the status guard: the caller answers 409. */
export function isGuardConflict(result: VersionChangeResult): boolean {
  const failures = Object.values(result.failedVersions);
  return Object.keys(result.successfulVersions).length === 0 && failures.length > 0 && failures.every((failure) => failure.errorCode === 'MISMATCHED_STATUS');
}

export type Apply = (version: string) => Promise<{ revision: string; status: VersionStatus } | undefined>;

/** Checks the guard per version and applies the change; callers hold the package's lock. */
export async function change(deps: ManagementDeps, request: VersionChange, apply: Apply): Promise<VersionChangeResult> {
  const record = await requirePackage(deps, request.repository, request.format, request.package);
  const result: VersionChangeResult = { successfulVersions: {}, failedVersions: {} };
  for (const version of new Set(request.versions)) {
    const current = Object.hasOwn(record.versions, version) ? record.versions[version] : undefined;
    if (current === undefined) {
      result.failedVersions[version] = { errorCode: 'NOT_FOUND', errorMessage: `version "${version}" of "${request.package}" is not in repository "${request.repository}"` };
      continue;
    }
    if (request.expectedStatus !== undefined && current.status !== request.expectedStatus) {
      result.failedVersions[version] = { errorCode: 'MISMATCHED_STATUS', errorMessage: `version "${version}" is ${current.status}, not ${request.expectedStatus}` };
      continue;
    }
    try {
      const changed = await apply(version);
      if (changed === undefined) result.failedVersions[version] = { errorCode: 'NOT_FOUND', errorMessage: `version "${version}" was removed meanwhile` };
      else result.successfulVersions[version] = changed;
    } catch (error) {
      const failure = asLarderError(error);
      // A store failure fails the whole request; a refused change (Disposed) fails this version.
      if (failure.code !== 'E_BAD_REQUEST') throw failure;
      result.failedVersions[version] = { errorCode: 'NOT_ALLOWED', errorMessage: failure.message };
    }
  }
  return result;
}

export function updateStatuses(deps: ManagementDeps, request: VersionChange, target: VersionStatus): Promise<VersionChangeResult> {
  return change(deps, request, async (version) => {
    const updated = await deps.retention.setStatus(request.repository, request.format, request.package, version, target);
    return updated === undefined ? undefined : { revision: updated.revision, status: updated.status };
  });
}

export function deleteVersions(deps: ManagementDeps, request: VersionChange): Promise<VersionChangeResult> {
  // Only the records go: blobs are content-addressed and may be held by other versions or repositories.
  return change(deps, request, async (version) => {
    const removed = await deps.retention.removeVersion(request.repository, request.format, request.package, version);
    return removed === undefined ? undefined : { revision: removed.revision, status: removed.status };
  });
}
