/** What one version holds: its assets (listed, or one streamed), its dependencies and its readme. */
import type { Readable } from 'node:stream';
import type { Format, RetainedVersion } from '../../domain/types.js';
import { LarderError } from '../../errors.js';
import { MANIFEST_FACTS, type DependencyView } from './manifest-facts.js';
import { assetView, requirePackage, requireVersion, type ManagementDeps } from './views.js';

export type { DependencyView };

export interface VersionCoordinates {
  repository: string;
  format: Format;
  package: string;
  version: string;
}

export interface AssetSummary {
  name: string;
  size: number;
  hashes: Partial<Record<string, string>>;
}

async function versionAt(deps: ManagementDeps, at: VersionCoordinates): Promise<RetainedVersion> {
  return requireVersion(await requirePackage(deps, at.repository, at.format, at.package), at.version);
}

export async function listAssets(deps: ManagementDeps, at: VersionCoordinates): Promise<{ assets: AssetSummary[] }> {
  const version = await versionAt(deps, at);
  const assets = version.assets.map(assetView).map(({ name, size, hashes }) => ({ name, size, hashes }));
  return { assets };
}

export interface AssetContent {
  name: string;
  size: number;
  contentType: string;
  integrity: string;
  body: Readable;
}

/** The asset's bytes from the blob store (verified while they stream), or a 404 naming what is missing. */
export async function getAsset(deps: ManagementDeps, at: VersionCoordinates, name: string): Promise<AssetContent> {
  const version = await versionAt(deps, at);
  const details = { repository: at.repository, format: at.format, package: at.package, version: at.version, asset: name };
  const asset = version.assets.find((candidate) => candidate.name === name);
  if (asset === undefined) {
    const why = version.status === 'Disposed' ? ' (the version is Disposed: its assets were deleted)' : '';
    throw new LarderError('E_NOT_FOUND', `version "${at.version}" of "${at.package}" in repository "${at.repository}" has no asset "${name}"${why}`, { operation: 'management.asset', details });
  }
  const blob = await deps.blobs.read(asset.integrity);
  if (blob === null) {
    throw new LarderError('E_NOT_FOUND', `the asset "${name}" of ${at.package}@${at.version} is recorded in "${at.repository}" but its bytes are missing from the blob store`, { operation: 'management.asset', details });
  }
  return { name, size: blob.size, contentType: asset.contentType ?? 'application/octet-stream', integrity: asset.integrity, body: blob.stream };
}

export async function listDependencies(deps: ManagementDeps, at: VersionCoordinates): Promise<{ dependencies: DependencyView[] }> {
  const version = await versionAt(deps, at);
  return { dependencies: MANIFEST_FACTS[at.format].dependencies(version.manifest) };
}

export async function getReadme(deps: ManagementDeps, at: VersionCoordinates): Promise<{ readme: string }> {
  const version = await versionAt(deps, at);
  const readme = MANIFEST_FACTS[at.format].readme(version.manifest);
  if (readme === undefined) {
    throw new LarderError('E_NOT_FOUND', `no readme stored for ${at.package}@${at.version} in repository "${at.repository}"`, {
      operation: 'management.readme',
      details: { repository: at.repository, format: at.format, package: at.package, version: at.version },
    });
  }
  return { readme };
}
