/**
 * Copy versions from one repository to another: only records are written, pointing at the same
 * content-addressed blobs, so no bytes are copied.
 */
import type { Format } from '../../domain/types.js';
import { requireRepository } from '../chain.js';
import type { VersionChangeResult } from './changes.js';
import { requirePackage, type ManagementDeps } from './views.js';

export interface VersionCopy {
  sourceRepository: string;
  destinationRepository: string;
  format: Format;
  package: string;
  versions: string[];
  /** Replace a version the destination already holds (else it fails with ALREADY_EXISTS). */
  allowOverwrite?: boolean;
}

/** Callers hold the destination package's lock. */
export async function copyVersions(deps: ManagementDeps, request: VersionCopy, now: () => Date = () => new Date()): Promise<VersionChangeResult> {
  const { sourceRepository: from, destinationRepository: to, format, package: pkg } = request;
  requireRepository({ repositories: deps.repositories, connectionBase: deps.connectionUrl }, to);
  const source = await requirePackage(deps, from, format, pkg);
  const result: VersionChangeResult = { successfulVersions: {}, failedVersions: {} };
  for (const version of new Set(request.versions)) {
    const original = Object.hasOwn(source.versions, version) ? source.versions[version] : undefined;
    if (original === undefined) {
      result.failedVersions[version] = { errorCode: 'NOT_FOUND', errorMessage: `version "${version}" of "${pkg}" is not in repository "${from}"` };
      continue;
    }
    if (original.status === 'Disposed') {
      result.failedVersions[version] = { errorCode: 'NOT_ALLOWED', errorMessage: `version "${version}" is Disposed in "${from}": it has no assets to copy` };
      continue;
    }
    if (from === to) {
      result.failedVersions[version] = { errorCode: 'ALREADY_EXISTS', errorMessage: `the source and destination are both "${to}"` };
      continue;
    }
    const copy = { ...original, origin: { repository: from }, retainedAt: now().toISOString() };
    const { after } = await deps.retention.updateVersion(to, format, pkg, version, (existing) => (existing === undefined || request.allowOverwrite === true ? copy : existing));
    if (after !== copy) {
      result.failedVersions[version] = { errorCode: 'ALREADY_EXISTS', errorMessage: `version "${version}" of "${pkg}" is already in repository "${to}"; pass allowOverwrite to replace it` };
      continue;
    }
    result.successfulVersions[version] = { revision: copy.revision, status: copy.status };
  }
  return result;
}
