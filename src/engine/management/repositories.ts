/** List and describe repositories: config facts, the connection's health, what is held. */
import type { RepositoryConfig } from '../../config/types.js';
import { describeError } from '../../errors.js';
import { requireRepository } from '../chain.js';
import { repositoryView, type ManagementDeps, type RepositoryView } from './views.js';

export interface RepositoryDescription extends RepositoryView {
  externalConnection: (NonNullable<RepositoryView['externalConnection']> & { status: 'AVAILABLE' | 'UNREACHABLE'; lastError?: string }) | null;
  packageCount: number;
  versionCount: number;
  /** Bytes of the distinct blobs this repository's versions hold (a blob shared by two versions counts once). */
  bytes: number;
}

/** The connection URL, or the reason it cannot be known (npm's own config unreadable). */
async function connectionUrl(deps: ManagementDeps, repository: RepositoryConfig): Promise<{ url: URL | null; error?: string }> {
  if (repository.external === undefined) return { url: null };
  try {
    return { url: await deps.connectionUrl(repository) };
  } catch (error) {
    // Reported as the connection's last error rather than failing the whole listing.
    return { url: null, error: describeError(error) };
  }
}

export async function listRepositories(deps: ManagementDeps): Promise<RepositoryView[]> {
  const views: RepositoryView[] = [];
  for (const repository of deps.repositories.values()) {
    const { url } = await connectionUrl(deps, repository);
    views.push(repositoryView(repository, url?.href ?? null));
  }
  return views;
}

export async function describeRepository(deps: ManagementDeps, name: string): Promise<RepositoryDescription> {
  const repository = requireRepository({ repositories: deps.repositories, connectionBase: deps.connectionUrl }, name);
  const { url, error } = await connectionUrl(deps, repository);
  const view = repositoryView(repository, url?.href ?? null);
  let packageCount = 0;
  let versionCount = 0;
  const blobs = new Map<string, number>();
  for await (const record of deps.retention.listPackages(name)) {
    packageCount += 1;
    for (const version of Object.values(record.versions)) {
      versionCount += 1;
      for (const asset of version.assets) blobs.set(asset.integrity, asset.size);
    }
  }
  const bytes = [...blobs.values()].reduce((sum, size) => sum + size, 0);
  let externalConnection: RepositoryDescription['externalConnection'] = null;
  if (view.externalConnection !== null) {
    const health = url === null ? { open: true, lastError: error } : deps.breaker.status(url.origin);
    externalConnection = {
      ...view.externalConnection,
      status: health.open ? 'UNREACHABLE' : 'AVAILABLE',
      ...(health.lastError === undefined ? {} : { lastError: health.lastError }),
    };
  }
  return { ...view, externalConnection, packageCount, versionCount, bytes };
}
