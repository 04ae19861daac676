/**
 * Writing what a client published (issue 9 §1): the version is retained in the repository like
 * any other, with origin `published`, and the package gains its package-level record (npm's
 * dist-tags). Each change is one read-modify-write of the package record, and checks its guard
 * again inside it, so two clients publishing the same version at once cannot both win.
 */
import { assetRevision, withNewAssets } from '../../domain/retention.js';
import type { AssetRef, Format, PublishedPackage, RetainedVersion } from '../../domain/types.js';
import { LarderError } from '../../errors.js';
import type { PackageRecord } from '../../store/types.js';

export interface PublishedRecords {
  updatePackage(repository: string, format: Format, pkg: string, change: (current: PackageRecord | undefined) => PackageRecord | undefined): Promise<void>;
}

export interface PublishInput {
  repository: string;
  format: Format;
  pkg: string;
  version: string;
  assets: AssetRef[];
  /** The format's own metadata of the version (npm: the version object). */
  manifest: unknown;
  /** The token's subject. */
  user: string;
  now: Date;
}

export type TagChange = (current: Readonly<Record<string, string>>) => Record<string, string>;

const OPERATION = 'publish.record';

function conflict(message: string): LarderError {
  return new LarderError('E_CONFLICT', message, { operation: OPERATION });
}

function publishedState(current: PackageRecord | undefined, now: Date, tags: TagChange | undefined): PublishedPackage {
  const before = current?.published;
  const distTags = before?.distTags ?? {};
  return { distTags: tags === undefined ? { ...distTags } : tags(distTags), created: before?.created ?? now.toISOString(), modified: now.toISOString() };
}

/** Retains a published version, or adds new files to one published before. Returns it as stored. */
export async function recordPublish(records: PublishedRecords, input: PublishInput, tags?: TagChange): Promise<RetainedVersion> {
  let stored: RetainedVersion | undefined;
  await records.updatePackage(input.repository, input.format, input.pkg, (current) => {
    const existing = current !== undefined && Object.hasOwn(current.versions, input.version) ? current.versions[input.version] : undefined;
    const fresh: RetainedVersion = {
      format: input.format,
      package: input.pkg,
      version: input.version,
      status: 'Published',
      revision: assetRevision(input.assets),
      assets: input.assets,
      manifest: input.manifest,
      origin: { repository: input.repository, published: true, publishedBy: input.user },
      retainedAt: input.now.toISOString(),
    };
    if (existing !== undefined) {
      const clash = input.assets.find((asset) => existing.assets.some((held) => held.name === asset.name));
      if (existing.origin.published !== true || clash !== undefined) {
        throw conflict(`${input.pkg}@${input.version} was published in ${input.repository} by another request just now${clash === undefined ? '' : ` (${clash.name})`}`);
      }
    }
    stored = existing === undefined ? fresh : withNewAssets(existing, fresh);
    return {
      repository: input.repository,
      format: input.format,
      package: input.pkg,
      ...current,
      versions: { ...current?.versions, [input.version]: stored },
      published: publishedState(current, input.now, tags),
    };
  });
  if (stored === undefined) throw new LarderError('E_INTERNAL', 'the publish was not recorded', { operation: OPERATION });
  return stored;
}

/**
 * Changes a package published in `repository`: its tags, or its published versions' manifests
 * (npm deprecate). `change` gets the record and returns the new versions and tags. Throws
 * E_NOT_FOUND when the package was never published there.
 */
export async function updatePublished(
  records: PublishedRecords,
  where: { repository: string; format: Format; pkg: string; now: Date },
  change: (record: PackageRecord & { published: PublishedPackage }) => { versions: Record<string, RetainedVersion>; distTags: Record<string, string> },
): Promise<void> {
  await records.updatePackage(where.repository, where.format, where.pkg, (current) => {
    if (current?.published === undefined) {
      throw new LarderError('E_NOT_FOUND', `${where.pkg} was never published in ${where.repository}`, { operation: OPERATION });
    }
    const next = change({ ...current, published: current.published });
    if (Object.keys(next.versions).length === 0) return undefined;
    // Once no published version is left the package is no longer this team's: drop the
    // package-level record so the public versions are no longer blocked (origin-controls.ts).
    if (!Object.values(next.versions).some((version) => version.origin.published === true)) {
      const { published: _dropped, ...rest } = current;
      return { ...rest, versions: next.versions };
    }
    return { ...current, versions: next.versions, published: { ...current.published, distTags: next.distTags, modified: where.now.toISOString() } };
  });
}
