/**
 * The management operations (DESIGN §1, issue 5) as one service over the configured repositories,
 * the retention records and the breaker. No HTTP here: http/api-handler.ts maps requests to it.
 */
import type { Format, VersionStatus } from '../../domain/types.js';
import { deleteVersions, updateStatuses, type VersionChange, type VersionChangeResult } from './changes.js';
import { getAsset, getReadme, listAssets, listDependencies, type AssetContent, type AssetSummary, type DependencyView, type VersionCoordinates } from './contents.js';
import { copyVersions, type VersionCopy } from './copying.js';
import { disposeVersions, purgeRepository, type PurgedRepository } from './disposal.js';
import { describeVersion, listPackages, listVersions, type PackageQuery, type VersionDescription, type VersionListing, type PackageSummary } from './listings.js';
import type { PageRequest } from './paging.js';
import { describeRepository, listRepositories, type RepositoryDescription } from './repositories.js';
import type { ManagementDeps, RepositoryView } from './views.js';

export { isGuardConflict } from './changes.js';
export type { ManagementDeps, ManagedRetention } from './views.js';
export type { PurgedRepository, VersionCopy, VersionCoordinates, AssetSummary, AssetContent, DependencyView };
export type { VersionChange, VersionChangeResult, PackageQuery, VersionListing, VersionDescription, RepositoryDescription, RepositoryView, PackageSummary };

export class ManagementService {
  readonly #deps: ManagementDeps;
  /**
   * Status guards are check-then-set; changes to one package run one after another so that the
   * guard still holds when the change lands (the engine's retention never changes a status).
   */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(deps: ManagementDeps) {
    this.#deps = deps;
  }

  listRepositories(): Promise<RepositoryView[]> {
    return listRepositories(this.#deps);
  }

  describeRepository(name: string): Promise<RepositoryDescription> {
    return describeRepository(this.#deps, name);
  }

  listPackages(repository: string, query: PackageQuery): Promise<{ packages: PackageSummary[]; nextToken?: string }> {
    return listPackages(this.#deps, repository, query);
  }

  listVersions(repository: string, format: Format, pkg: string, page: PageRequest): Promise<VersionListing> {
    return listVersions(this.#deps, repository, format, pkg, page);
  }

  describeVersion(repository: string, format: Format, pkg: string, version: string): Promise<VersionDescription> {
    return describeVersion(this.#deps, repository, format, pkg, version);
  }

  updateStatuses(request: VersionChange, target: VersionStatus): Promise<VersionChangeResult> {
    return this.#serialised(request, () => updateStatuses(this.#deps, request, target));
  }

  deleteVersions(request: VersionChange): Promise<VersionChangeResult> {
    return this.#serialised(request, () => deleteVersions(this.#deps, request));
  }

  disposeVersions(request: VersionChange): Promise<VersionChangeResult> {
    return this.#serialised(request, () => disposeVersions(this.#deps, request));
  }

  /** Serialised on the destination package, the one whose records change. */
  copyVersions(request: VersionCopy): Promise<VersionChangeResult> {
    const destination = { repository: request.destinationRepository, format: request.format, package: request.package };
    return this.#serialised(destination, () => copyVersions(this.#deps, request));
  }

  /** After a repository was deleted from the config: its records, and the blobs only it held. */
  purgeRepository(repository: string): Promise<PurgedRepository> {
    return purgeRepository(this.#deps, repository);
  }

  listAssets(at: VersionCoordinates): Promise<{ assets: AssetSummary[] }> {
    return listAssets(this.#deps, at);
  }

  getAsset(at: VersionCoordinates, name: string): Promise<AssetContent> {
    return getAsset(this.#deps, at, name);
  }

  listDependencies(at: VersionCoordinates): Promise<{ dependencies: DependencyView[] }> {
    return listDependencies(this.#deps, at);
  }

  getReadme(at: VersionCoordinates): Promise<{ readme: string }> {
    return getReadme(this.#deps, at);
  }

  async #serialised<T>(request: Pick<VersionChange, 'repository' | 'format' | 'package'>, run: () => Promise<T>): Promise<T> {
    const key = JSON.stringify([request.repository, request.format, request.package]);
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const current = previous.then(run, run);
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(key, settled);
    try {
      return await current;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }
}
