/**
 * The narrow views of the stores that the engine uses. The concrete classes in store/ satisfy
 * them structurally; tests can hand in the same real classes over a temp directory.
 */
import type { Format, RetainedVersion } from '../domain/types.js';
import type { MetadataEntry, PackageRecord } from '../store/types.js';

export interface MetadataEntries {
  get(repository: string, format: Format, pkg: string, variant: string): Promise<MetadataEntry | undefined>;
  set(repository: string, format: Format, pkg: string, variant: string, entry: MetadataEntry): Promise<void>;
}

export interface Retention {
  getPackage(repository: string, format: Format, pkg: string): Promise<PackageRecord | undefined>;
  getVersion(repository: string, format: Format, pkg: string, version: string): Promise<RetainedVersion | undefined>;
  retain(repository: string, version: RetainedVersion): Promise<void>;
  listPackages(repository: string, format?: Format): AsyncIterable<PackageRecord>;
}

export interface NotFoundStore {
  until(repository: string, format: Format, pkg: string, version: string, asset: string): Promise<number | undefined>;
  remember(repository: string, format: Format, pkg: string, version: string, asset: string, until: number): Promise<void>;
  forgetPackage(repository: string, format: Format, pkg: string): Promise<void>;
}

/** How a response was produced; logged and sent as `x-cache`. */
export type CacheOutcome = 'hit' | 'miss' | 'stale' | 'revalidated' | 'bypass';
