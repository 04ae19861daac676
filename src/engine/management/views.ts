/** The shapes management answers with (the hosted service's field names), and how to build them. */
import type { RepositoryConfig } from '../../config/types.js';
import { integrityToHex } from '../../domain/integrity.js';
import type { Format, RetainedVersion, VersionStatus } from '../../domain/types.js';
import { requireRepository } from '../chain.js';
import { LarderError } from '../../errors.js';
import type { BlobStore, PackageRecord } from '../../store/types.js';

/** What management needs of the retention records (RetentionRecords satisfies it). */
export interface ManagedRetention {
  getPackage(repository: string, format: Format, pkg: string): Promise<PackageRecord | undefined>;
  setStatus(repository: string, format: Format, pkg: string, version: string, status: VersionStatus): Promise<RetainedVersion | undefined>;
  removeVersion(repository: string, format: Format, pkg: string, version: string): Promise<RetainedVersion | undefined>;
  /** Replaces (or, returning undefined, removes) one version's record in a single write. */
  updateVersion(
    repository: string,
    format: Format,
    pkg: string,
    version: string,
    change: (existing: RetainedVersion | undefined) => RetainedVersion | undefined,
  ): Promise<{ before?: RetainedVersion; after?: RetainedVersion }>;
  listPackages(repository: string, format?: Format): AsyncIterable<PackageRecord>;
  /** Every package record of every repository, configured or not. */
  allPackages(): AsyncIterable<PackageRecord>;
  /** Removes every record of a repository; returns the versions it held. */
  purgeRepository(repository: string): Promise<RetainedVersion[]>;
}

export interface ManagementDeps {
  repositories: ReadonlyMap<string, RepositoryConfig>;
  retention: ManagedRetention;
  /** Asset bytes: read for get-asset, removed by dispose when no version anywhere holds them. */
  blobs: Pick<BlobStore, 'read' | 'remove'>;
  breaker: { status(origin: string): { open: boolean; lastError?: string } };
  /** The external connection's base URL (npm's may be read from npm's config, lazily). */
  connectionUrl(repository: RepositoryConfig): Promise<URL>;
}

export interface ExternalConnectionView {
  name: string;
  format: Format;
  url: string | null;
}

export interface RepositoryView {
  name: string;
  description: string;
  upstreams: string[];
  externalConnection: ExternalConnectionView | null;
}

export interface VersionView {
  version: string;
  revision: string;
  status: VersionStatus;
  origin: { type: 'published' | 'external' | 'internal'; repository: string; connection: string | null; publishedBy?: string; retainedAt: string };
}

export interface AssetView {
  name: string;
  size: number;
  integrity: string;
  hashes: Partial<Record<string, string>>;
}

export function repositoryView(repository: RepositoryConfig, url: string | null): RepositoryView {
  const external = repository.external;
  return {
    name: repository.name,
    description: repository.description,
    upstreams: [...repository.upstreams],
    externalConnection: external === undefined ? null : { name: external.name, format: external.format, url },
  };
}

export function versionView(version: RetainedVersion): VersionView {
  return {
    version: version.version,
    revision: version.revision,
    status: version.status,
    origin: {
      type: version.origin.published === true ? 'published' : version.origin.connection === undefined ? 'internal' : 'external',
      repository: version.origin.repository,
      connection: version.origin.connection ?? null,
      ...(version.origin.publishedBy === undefined ? {} : { publishedBy: version.origin.publishedBy }),
      retainedAt: version.retainedAt,
    },
  };
}

export function assetView(asset: RetainedVersion['assets'][number]): AssetView {
  const { algorithm, hex } = integrityToHex(asset.integrity);
  return { name: asset.name, size: asset.size, integrity: asset.integrity, hashes: { [algorithm.toUpperCase()]: hex } };
}

/** The package record, or a 404 naming the repository and package. */
export async function requirePackage(deps: ManagementDeps, repository: string, format: Format, pkg: string): Promise<PackageRecord> {
  requireRepository({ repositories: deps.repositories, connectionBase: deps.connectionUrl }, repository);
  const record = await deps.retention.getPackage(repository, format, pkg);
  if (record === undefined) {
    throw new LarderError('E_NOT_FOUND', `the ${format} package "${pkg}" has no versions in repository "${repository}"`, {
      operation: 'management.package',
      details: { repository, format, package: pkg },
    });
  }
  return record;
}

/** The version, or a 404 naming it. */
export function requireVersion(record: PackageRecord, version: string): RetainedVersion {
  const found = Object.hasOwn(record.versions, version) ? record.versions[version] : undefined;
  if (found === undefined) {
    throw new LarderError('E_NOT_FOUND', `version "${version}" of the ${record.format} package "${record.package}" is not in repository "${record.repository}"`, {
      operation: 'management.version',
      details: { repository: record.repository, format: record.format, package: record.package, version },
    });
  }
  return found;
}
