/**
 * The one place that knows the record key scheme (see records.ts for what it guarantees), and
 * the listener the record classes tell about writes.
 */
import { LarderError } from '../errors.js';
import type { Format } from '../domain/types.js';

function part(value: string, what: string): string {
  if (value === '') {
    throw new LarderError('E_BAD_REQUEST', `The ${what} name is empty`, { operation: 'store.key' });
  }
  try {
    return encodeURIComponent(value);
  } catch (error) {
    // encodeURIComponent throws URIError only for a lone UTF-16 surrogate.
    throw new LarderError('E_BAD_REQUEST', `The ${what} name is not valid Unicode`, { operation: 'store.key', cause: error });
  }
}

/** The key scheme. Exported for tests and for tools that inspect the database. */
export const recordKeys = {
  allPackages: 'pkg/',
  allMetadata: 'meta/',
  packages(repository: string, format?: Format): string {
    return `pkg/${part(repository, 'repository')}/${format === undefined ? '' : `${format}/`}`;
  },
  package(repository: string, format: Format, pkg: string): string {
    return `${recordKeys.packages(repository, format)}${part(pkg, 'package')}`;
  },
  metadata(repository: string, format: Format, pkg: string, variant: string): string {
    return `meta/${part(repository, 'repository')}/${format}/${part(pkg, 'package')}/${part(variant, 'variant')}`;
  },
  notFoundPackage(repository: string, format: Format, pkg: string): string {
    return `miss/${part(repository, 'repository')}/${format}/${part(pkg, 'package')}/`;
  },
  notFound(repository: string, format: Format, pkg: string, version: string, asset: string): string {
    return `${recordKeys.notFoundPackage(repository, format, pkg)}${part(version, 'version')}/${part(asset, 'asset')}`;
  },
  /** The prefixes of every record a repository owns besides its packages: metadata and misses. */
  cachedPrefixes(repository: string): string[] {
    return [`meta/${part(repository, 'repository')}/`, `miss/${part(repository, 'repository')}/`];
  },
};

/** Told after a write that may change what a package's metadata shows (prepared responses drop it). */
export type RecordChangeListener = (format: Format, pkg: string) => void;

export const ignoreChange: RecordChangeListener = () => undefined;
