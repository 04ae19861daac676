/** List packages and package versions; describe one version with its assets. */
import type { Format } from '../../domain/types.js';
import { requireRepository } from '../chain.js';
import { inNamespace } from './namespaces.js';
import { VERSION_ORDERING } from './ordering.js';
import { pageOf, type PageRequest } from './paging.js';
import { assetView, requirePackage, requireVersion, versionView, type AssetView, type ManagementDeps, type VersionView } from './views.js';

export interface PackageSummary {
  format: Format;
  package: string;
  versionCount: number;
}

export interface PackageQuery extends PageRequest {
  format?: Format;
  /** Keeps names that start with this (case-sensitive, in the format's canonical spelling). */
  prefix?: string;
  /** Keeps packages in this namespace: npm scope without `@`, Maven groupId; PyPI has none. */
  namespace?: string | undefined;
}

export async function listPackages(deps: ManagementDeps, repository: string, query: PackageQuery): Promise<{ packages: PackageSummary[]; nextToken?: string }> {
  requireRepository({ repositories: deps.repositories, connectionBase: deps.connectionUrl }, repository);
  const all: PackageSummary[] = [];
  // The store yields in key order (format, then encoded name), so pages are stable between calls.
  for await (const record of deps.retention.listPackages(repository, query.format)) {
    if (query.prefix !== undefined && !record.package.startsWith(query.prefix)) continue;
    if (query.namespace !== undefined && !inNamespace(record.format, record.package, query.namespace)) continue;
    all.push({ format: record.format, package: record.package, versionCount: Object.keys(record.versions).length });
  }
  const page = pageOf(all, query);
  return { packages: page.items, ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
}

export interface VersionListing {
  versions: VersionView[];
  defaultDisplayVersion: string | null;
  nextToken?: string;
}

export async function listVersions(deps: ManagementDeps, repository: string, format: Format, pkg: string, request: PageRequest): Promise<VersionListing> {
  const record = await requirePackage(deps, repository, format, pkg);
  const ordering = VERSION_ORDERING[format];
  const sorted = Object.values(record.versions).sort((a, b) => ordering.compare(a.version, b.version));
  const published = sorted.filter((version) => version.status === 'Published');
  const display = published.filter((version) => !ordering.isPrerelease(version.version)).at(-1) ?? published.at(-1);
  const page = pageOf(sorted, request);
  return {
    versions: page.items.map(versionView),
    defaultDisplayVersion: display?.version ?? null,
    ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
  };
}

export interface VersionDescription extends VersionView {
  format: Format;
  package: string;
  repository: string;
  assets: AssetView[];
}

export async function describeVersion(deps: ManagementDeps, repository: string, format: Format, pkg: string, version: string): Promise<VersionDescription> {
  const record = await requirePackage(deps, repository, format, pkg);
  const found = requireVersion(record, version);
  return { repository, format, package: record.package, ...versionView(found), assets: found.assets.map(assetView) };
}
