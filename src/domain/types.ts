/** The model of DESIGN.md §1 as plain data. No I/O here. */

export const FORMATS = ['npm', 'pypi', 'maven'] as const;
export type Format = (typeof FORMATS)[number];

export const VERSION_STATUSES = ['Published', 'Unlisted', 'Archived', 'Disposed'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** One stored file of a package version (an npm tarball, a wheel, a jar). */
export interface AssetRef {
  /** File name as the format names it, e.g. `express-4.18.2.tgz`. */
  name: string;
  /** SRI string of the stored bytes, e.g. `sha512-…`; the blob store's key. */
  integrity: string;
  size: number;
  contentType?: string;
  /**
   * The format's own listing entry for this one file, when a version has several (a PyPI
   * wheel's hashes, requires-python, yanked …), so the file stays listed when the upstream
   * drops it.
   */
  listing?: unknown;
}

/** A package version retained in one repository. Retained bytes never change. */
export interface RetainedVersion {
  format: Format;
  /** The package name in the format's canonical spelling (npm: `@scope/name`). */
  package: string;
  version: string;
  status: VersionStatus;
  /** Changes whenever the version's assets or status change. */
  revision: string;
  assets: AssetRef[];
  /**
   * The format's own metadata for this version as it was when retained (npm: the version
   * object of the packument), so that listings survive the upstream dropping it.
   */
  manifest: unknown;
  /**
   * Where the version came from: the repository that fetched it through `connection`, copied it
   * from another repository, or (`published`) had it published by a client, `publishedBy` naming
   * the token's subject.
   */
  origin: { repository: string; connection?: string; published?: true; publishedBy?: string };
  retainedAt: string;
}

/** The package-level facts of a package published in a repository (issue 9). */
export interface PublishedPackage {
  /** npm's dist-tags, kept by `npm publish --tag` and `npm dist-tag`; empty for other formats. */
  distTags: Record<string, string>;
  /** ISO times. */
  created: string;
  modified: string;
}
